/**
 * `npm run bench -- NAME [flags]`: runs one named benchmark. Each benchmark is a module with a
 * one-line description, a help text and run(argv); add new ones to BENCHMARKS.
 */
import * as dashboard from './dashboard.js';
import * as hub from './hub.js';

interface Benchmark {
  description: string;
  help(): string;
  run(argv: string[]): Promise<void>;
}

const BENCHMARKS: Record<string, Benchmark> = {
  hub,
  dashboard,
  lifecycle: await import('./lifecycle.js'),
  fleet: await import('./fleet.js'),
};

function overview(): string {
  const names = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(10)} ${b.description}`);
  return `usage: npm run bench -- NAME [flags]    (NAME --help for its flags)\n\nbenchmarks:\n${names.join('\n')}`;
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return name ? 0 : 2;
  }
  const bench = BENCHMARKS[name];
  if (!bench) {
    console.error(
      `bench: unknown benchmark "${name}"; known benchmarks: ${Object.keys(BENCHMARKS).join(', ')}`,
    );
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(bench.help());
    return 0;
  }
  await bench.run(rest);
  return 0;
}

main().then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof Error && err.name === 'UsageError') {
      console.error(`bench: ${err.message}`);
      process.exitCode = 2;
      return;
    }
    console.error('bench: failed:', err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
