/**
 * A real hub as a separate process (`minato up` from dist/), so that its CPU and memory can be read
 * from outside and nothing of the benchmark client runs inside it. It is stopped by its PID only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** dist/bench/hub-process.js -> dist/src/cli/main.js */
export const HUB_CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const UP_LINE = /minato hub is up at (https:\/\/\S+)/;
const KEEP_OUTPUT = 64 * 1024;

export interface Credentials {
  server: string;
  ca: string;
  cert: string;
  key: string;
}

export interface HubProcessOptions {
  dataDir: string;
  /** V8's old-space limit for the hub (node --max-old-space-size); Node's default stops near 4 GiB. */
  heapMiB?: number;
  /** Run the hub under `node --cpu-prof`, writing the profile into this directory on exit. */
  cpuProfileDir?: string;
  timeoutMs?: number;
}

export interface HubProcess {
  pid: number;
  url: string;
  credentials: Credentials;
  /** The command line, for the report. */
  command: string;
  /** The last output of the hub (stdout and stderr interleaved). */
  output(): string;
  alive(): boolean;
  /** Whether the process exits within `ms` (true at once when it is already gone). */
  exitsWithin(ms: number): Promise<boolean>;
  /** SIGTERM and wait (the hub closes its store; a CPU profile is written now); SIGKILL after graceMs. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGKILL now, synchronously (for exit handlers). */
  killNow(): void;
}

export async function startHubProcess(options: HubProcessOptions): Promise<HubProcess> {
  if (!existsSync(HUB_CLI))
    throw new Error(`the hub is not built (${HUB_CLI} is missing): run "npx tsc -p tsconfig.json"`);
  const nodeFlags = [
    ...(options.heapMiB ? [`--max-old-space-size=${options.heapMiB}`] : []),
    ...(options.cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', options.cpuProfileDir] : []),
  ];
  const args = [
    ...nodeFlags,
    HUB_CLI,
    'up',
    '--data-dir',
    options.dataDir,
    '--port',
    '0',
    '--host',
    '127.0.0.1',
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const collect = (chunk: string) => {
    out += chunk;
    if (out.length > 2 * KEEP_OUTPUT) out = out.slice(-KEEP_OUTPUT);
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  let gone = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      gone = true;
      resolve({ code, signal });
    });
  });
  const command = `node ${args.join(' ')}`;
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the hub: ${command}`);
  const killNow = () => {
    if (!gone) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  const timeoutMs = options.timeoutMs ?? 60_000;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      killNow();
      reject(
        new Error(
          `the hub did not say "minato hub is up at …" within ${timeoutMs} ms\ncommand: ${command}\noutput:\n${out}`,
        ),
      );
    }, timeoutMs);
    const check = () => {
      const m = UP_LINE.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', check);
      resolve(m[1]!);
    };
    child.stdout!.on('data', check);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `the hub exited (code ${code}, signal ${signal}) before it was up\ncommand: ${command}\noutput:\n${out}`,
        ),
      );
    });
  });

  return {
    pid,
    url,
    credentials: readCredentials(join(options.dataDir, 'admin.kubeconfig')),
    command,
    output: () => out,
    alive: () => !gone,
    exitsWithin: (ms) =>
      new Promise<boolean>((done) => {
        const timer = setTimeout(() => done(gone), ms);
        void exited.then(() => {
          clearTimeout(timer);
          done(true);
        });
      }),
    async stop(graceMs = 15_000) {
      if (gone) return exited;
      process.kill(pid, 'SIGTERM');
      const timer = setTimeout(killNow, graceMs);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
    killNow,
  };
}

interface KubeconfigFile {
  clusters?: { cluster?: { server?: string; 'certificate-authority-data'?: string } }[];
  users?: { user?: { 'client-certificate-data'?: string; 'client-key-data'?: string } }[];
}

/** Server URL, CA and the admin client certificate embedded in a kubeconfig. */
export function readCredentials(path: string): Credentials {
  const doc = parse(readFileSync(path, 'utf8')) as KubeconfigFile;
  const cluster = doc.clusters?.[0]?.cluster;
  const user = doc.users?.[0]?.user;
  const decode = (value: string | undefined, what: string) => {
    if (!value) throw new Error(`${path} has no ${what}`);
    return Buffer.from(value, 'base64').toString('utf8');
  };
  if (!cluster?.server) throw new Error(`${path} has no cluster server`);
  return {
    server: cluster.server,
    ca: decode(cluster['certificate-authority-data'], 'certificate-authority-data'),
    cert: decode(user?.['client-certificate-data'], 'client-certificate-data'),
    key: decode(user?.['client-key-data'], 'client-key-data'),
  };
}
