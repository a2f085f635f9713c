/** `minato init [phase NAME] [--dry-run]`: prepare a hub's data dir in named phases. */
import { resolve } from 'node:path';
import { DEFAULT_HUB_CONFIG, type HubConfig, readHubConfig } from '../init/hub-config.js';
import { PHASES } from '../init/phases.js';
import { type FlagSpec, parseFlags, UsageError } from './args.js';

export const INIT_FLAGS: FlagSpec = {
  'data-dir': { type: 'string', default: './.minato', help: 'the data dir to prepare' },
  port: {
    type: 'number',
    max: 65535,
    help: `HTTPS port the hub will serve (default ${DEFAULT_HUB_CONFIG.port})`,
  },
  host: { type: 'string', help: `address the hub will listen on (default ${DEFAULT_HUB_CONFIG.host})` },
  advertise: { type: 'string', help: 'host names or IPs devices use to reach the hub, comma-separated' },
  'dry-run': { type: 'boolean', default: false, help: 'say what each phase would write, write nothing' },
};

/** Flags override hub.json, which overrides the defaults. */
export function resolveHubConfig(
  flags: Record<string, string | number | boolean>,
  dataDir: string,
): HubConfig {
  const saved = readHubConfig(dataDir) ?? DEFAULT_HUB_CONFIG;
  return {
    port: flags.port !== undefined ? Number(flags.port) : saved.port,
    host: flags.host !== undefined ? String(flags.host) : saved.host,
    advertise:
      flags.advertise !== undefined ? String(flags.advertise).split(',').filter(Boolean) : saved.advertise,
  };
}

export async function initCommand(argv: string[]): Promise<void> {
  let phases = PHASES;
  let rest = argv;
  if (argv[0] === 'phase') {
    const name = argv[1];
    const phase = PHASES.find((p) => p.name === name);
    if (!phase) {
      throw new UsageError(
        `unknown phase "${name ?? ''}"; the phases are: ${PHASES.map((p) => p.name).join(', ')}`,
      );
    }
    phases = [phase];
    rest = argv.slice(2);
  }
  const flags = parseFlags(rest, INIT_FLAGS);
  const dataDir = resolve(String(flags['data-dir']));
  const config = resolveHubConfig(flags, dataDir);
  const dryRun = Boolean(flags['dry-run']);
  for (const phase of phases) {
    console.log(`[${phase.name}] ${phase.description}`);
    let lines = 0;
    await phase.run({
      dataDir,
      config,
      dryRun,
      report: (line) => {
        lines++;
        console.log(`    ${line}`);
      },
    });
    if (lines === 0) console.log('    unchanged');
  }
  if (!dryRun && phases.length > 1)
    console.log(`\ndata dir ${dataDir} is ready: start the hub with "minato up --data-dir ${dataDir}"`);
}
