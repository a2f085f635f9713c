/**
 * Starts a real `minato up` process for the end-to-end tests and hands back what a test needs to talk
 * to it. The hub is the compiled CLI (dist/src/cli/main.js), run by the same node binary as the tests.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/e2e/support/hub-process.js -> dist/src/cli/main.js */
export const CLI_PATH = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

const UP_LINE = /minato hub is up at (https:\/\/\S+) \(data in (.+)\)/;

export interface StartOptions {
  /** Reuse a data directory (restart); a fresh temp dir when omitted. */
  dataDir?: string;
  /** 0 (default) lets the OS pick; pass the previous port to restart on the same address. */
  port?: number;
  /** How long to wait for the "is up" line before failing with the process output. */
  timeoutMs?: number;
  /** More flags for `minato up`, e.g. ['--watch-history', '20']. */
  extraArgs?: string[];
}

export interface HubProcess {
  url: string;
  port: number;
  kubeconfig: string;
  dataDir: string;
  pid: number;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM, then wait for exit (SIGKILL after a grace period, failing loudly). */
  stop(): Promise<void>;
  /** SIGKILL without warning (crash simulation); resolves once the process is gone. */
  kill9(): Promise<void>;
}

/** A fresh directory under the OS temp dir; callers remove it with removeDir in `after`. */
export function makeTempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `minato-e2e-${prefix}-`));
}

export function removeDir(dir: string | undefined): void {
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export async function startHubProcess(options: StartOptions = {}): Promise<HubProcess> {
  if (!existsSync(CLI_PATH)) {
    throw new Error(
      `the hub CLI is not built (${CLI_PATH} is missing): run "npx tsc -p tsconfig.json" first`,
    );
  }
  const dataDir = options.dataDir ?? makeTempDir('hub');
  const port = options.port ?? 0;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const args = [
    CLI_PATH,
    'up',
    '--data-dir',
    dataDir,
    '--port',
    String(port),
    '--host',
    '127.0.0.1',
    ...(options.extraArgs ?? []),
  ];
  const child: ChildProcess = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    out += chunk;
  });
  child.stderr!.on('data', (chunk: string) => {
    out += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const command = `node ${args.join(' ')}`;

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid) process.kill(child.pid, 'SIGKILL');
      reject(
        new Error(
          `hub did not print "minato hub is up at ..." within ${timeoutMs} ms\ncommand: ${command}\noutput:\n${out}`,
        ),
      );
    }, timeoutMs);
    const onData = () => {
      const m = UP_LINE.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off('data', onData);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(
        new Error(
          `hub exited (code ${code}, signal ${signal}) before it was up\ncommand: ${command}\noutput:\n${out}`,
        ),
      );
    });
  });

  const pid = child.pid!;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const waitGone = async (graceMs: number, what: string) => {
    const timer = setTimeout(() => {
      if (!gone) process.kill(pid, 'SIGKILL');
    }, graceMs);
    const result = await exited;
    clearTimeout(timer);
    return { result, what };
  };

  return {
    url,
    port: Number(new URL(url).port),
    kubeconfig: join(dataDir, 'admin.kubeconfig'),
    dataDir,
    pid,
    output: () => out,
    exited,
    async stop() {
      if (gone) return;
      process.kill(pid, 'SIGTERM');
      const { result } = await waitGone(10_000, 'SIGTERM');
      if (result.signal === 'SIGKILL') {
        throw new Error(
          `hub (pid ${pid}) did not stop within 10 s of SIGTERM and was killed\noutput:\n${out}`,
        );
      }
    },
    async kill9() {
      if (gone) return;
      process.kill(pid, 'SIGKILL');
      await exited;
    },
  };
}
