/**
 * Shared pieces of the agent end-to-end tests (kept in an `agent-*.test.ts` file so it sits with
 * them; its own test checks the byte-counting proxy the others rely on): real `minato up` and
 * `minato agent` processes, a TCP proxy between them that counts bytes and can cut the link, and a
 * polling helper. Everything listens on 127.0.0.1 only.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/types.js';
import { KubeClient } from '../src/client/index.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { CLI_PATH, type HubProcess, startHubProcess } from './support/hub-process.js';

export interface JoinInfo {
  server: string;
  token: string;
  caCertHash: string;
}

/** The join command `minato up` prints (right after its "is up" line). */
export async function joinInfo(hub: HubProcess): Promise<JoinInfo> {
  const pattern = /minato agent --server (\S+) --token (\S+) --ca-cert-hash (\S+)/;
  const m = await eventually(
    () => pattern.exec(hub.output()) ?? undefined,
    `the join command in:\n${hub.output()}`,
    10_000,
  );
  return { server: m[1]!, token: m[2]!, caCertHash: m[3]! };
}

export function adminClient(hub: HubProcess): KubeClient {
  return new KubeClient(loadKubeconfig(hub.kubeconfig));
}

export async function startHub(options: { dataDir?: string; port?: number } = {}): Promise<HubProcess> {
  return startHubProcess(options);
}

export interface AgentProcess {
  pid: number;
  localApi: string;
  output(): string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output matches (after `from` characters), failing with the output on timeout. */
  waitFor(pattern: RegExp, timeoutMs?: number, from?: number): Promise<RegExpExecArray>;
  status(): Promise<AgentStatusJson>;
  stop(): Promise<void>;
  kill9(): Promise<void>;
}

// biome-ignore lint/suspicious/noExplicitAny: the /status document is inspected field by field
export type AgentStatusJson = Record<string, any>;

function spawnAgent(args: string[]): {
  child: ChildProcess;
  output: () => string;
  exited: AgentProcess['exited'];
} {
  const child = spawn(process.execPath, [CLI_PATH, 'agent', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (c: string) => {
    out += c;
  });
  child.stderr!.on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => out, exited };
}

export function agentArgs(join: JoinInfo, name: string, dataDir: string, extra: string[] = []): string[] {
  return [
    '--server',
    join.server,
    '--token',
    join.token,
    '--ca-cert-hash',
    join.caCertHash,
    '--name',
    name,
    '--data-dir',
    dataDir,
    '--local-api',
    '127.0.0.1:0',
    ...extra,
  ];
}

/** Starts `minato agent` and waits for its local API line. */
export async function startAgent(args: string[], timeoutMs = 20_000): Promise<AgentProcess> {
  const { child, output, exited } = spawnAgent(args);
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  const waitFor = async (pattern: RegExp, ms = 20_000, from = 0) => {
    const end = Date.now() + ms;
    for (;;) {
      const m = pattern.exec(output().slice(from));
      if (m) return m;
      if (gone) throw new Error(`agent exited before printing ${pattern}:\n${output()}`);
      if (Date.now() > end) throw new Error(`agent did not print ${pattern} within ${ms} ms:\n${output()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const m = await waitFor(/local API on (http:\/\/\S+)/, timeoutMs);
  const localApi = m[1]!;
  return {
    pid: child.pid!,
    localApi,
    output,
    exited,
    waitFor,
    async status() {
      const res = await fetch(`${localApi}/status`);
      return (await res.json()) as AgentStatusJson;
    },
    async stop() {
      if (gone) return;
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => {
        if (!gone) process.kill(child.pid!, 'SIGKILL');
      }, 15_000);
      await exited;
      clearTimeout(timer);
    },
    async kill9() {
      if (gone) return;
      process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}

/** Runs an agent that is expected to fail; returns its exit code, output and how long it took. */
export async function runAgentToExit(
  args: string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string; ms: number }> {
  const started = Date.now();
  const { child, output, exited } = spawnAgent(args);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const { code } = await exited;
  clearTimeout(timer);
  return { code, output: output(), ms: Date.now() - started };
}

export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > end) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A process pod running `node -e CODE` (the process runtime), with a marker to find its processes. */
export function processPod(
  name: string,
  nodeName: string,
  code: string,
  extra: Partial<KubeObject['spec']> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', annotations: { 'minato.dev/runtime': 'process' } },
    spec: {
      nodeName,
      terminationGracePeriodSeconds: 5,
      containers: [
        { name: 'main', image: 'node', command: [process.execPath, '-e', code, `marker-${name}`] },
      ],
      ...extra,
    },
  };
}

/** PIDs of processes whose command line contains `marker` (Linux /proc). */
export function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(join('/proc', entry, 'cmdline'), 'utf8');
      if (cmdline.includes(marker)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * A TCP proxy on 127.0.0.1 in front of the hub: counts bytes each way (TLS records, i.e. what the
 * link carries above TCP) and can cut the link (drop connections, refuse new ones) and restore it.
 */
export class TcpProxy {
  bytesUp = 0;
  bytesDown = 0;
  connections = 0;
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = 0): Promise<number> {
    this.server = createServer((client) => {
      this.connections++;
      const upstream = tcpConnect(this.target.port, this.target.host);
      this.sockets.add(client);
      this.sockets.add(upstream);
      client.on('data', (d: Buffer) => {
        this.bytesUp += d.length;
      });
      upstream.on('data', (d: Buffer) => {
        this.bytesDown += d.length;
      });
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      client.on('error', close);
      upstream.on('error', close);
      client.on('close', close);
      upstream.on('close', close);
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server!.address() as { port: number }).port;
    return this.port;
  }

  /** The link goes down: every connection is dropped and new ones are refused. */
  async cut(): Promise<void> {
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  /** The link comes back on the same port. */
  async restore(): Promise<void> {
    await this.start(this.port);
  }

  resetCounters(): void {
    this.bytesUp = 0;
    this.bytesDown = 0;
  }

  async stop(): Promise<void> {
    await this.cut();
  }
}

// Only when this file itself is the test file, not when another agent test imports the helpers.
const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];

if (isEntry)
  test('the proxy forwards and counts bytes both ways, and cuts the link', async () => {
    const echo = createServer((s) => s.pipe(s));
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', r));
    const proxy = new TcpProxy({ host: '127.0.0.1', port: (echo.address() as { port: number }).port });
    const port = await proxy.start();
    const reply = await new Promise<string>((resolve, reject) => {
      const c = tcpConnect(port, '127.0.0.1', () => c.write('hello'));
      c.on('data', (d) => {
        resolve(d.toString());
        c.destroy();
      });
      c.on('error', reject);
    });
    assert.equal(reply, 'hello');
    assert.equal(proxy.bytesUp, 5);
    assert.equal(proxy.bytesDown, 5);
    await proxy.cut();
    await assert.rejects(
      new Promise((resolve, reject) => {
        const c = tcpConnect(port, '127.0.0.1', () => resolve(c));
        c.on('error', reject);
      }),
    );
    echo.close();
  });
