/**
 * Shared pieces of the device lifecycle end-to-end tests (`lifecycle-*.test.ts`): a real `minato up`
 * process with fast lifecycle timings, and several real `minato agent` processes, each in its own
 * network namespace (its own loopback, so every device can serve the same port) joined to the hub by
 * a veth pair on a bridge that this file creates. Cutting a device's link takes the host end of its
 * veth down: packets vanish, no RST, the way a device drives out of radio range.
 *
 * Needs Linux, root and iproute2; the tests skip with the reason otherwise. Everything is torn down
 * by name in `Fleet.stop()`: agents and the hub by PID, the namespaces, the bridge and the temp dir.
 * When run as a test file itself, it checks its own network plumbing.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { KubeObject } from '../src/api/types.js';
import { KubeClient } from '../src/client/index.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { CLI_PATH, type HubProcess, makeTempDir, removeDir, startHubProcess } from './support/hub-process.js';
import { Kubectl, kubectlOnPath } from './support/kubectl.js';
import { eventually as pollUntil } from './support/suite.js';

export const HELLO_HTTP = fileURLToPath(
  new URL('../../examples/hello-http/build/hello-http.wasm', import.meta.url),
);
export const TELEMETRY = fileURLToPath(
  new URL('../../examples/telemetry/build/telemetry.wasm', import.meta.url),
);
const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

export const UNREACHABLE = 'node.kubernetes.io/unreachable';

/** Why these tests cannot run here, or undefined when they can. */
export function whyNoNetns(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating network namespaces needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 ("ip") is not installed';
  }
  return undefined;
}

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const ipQuiet = (...args: string[]) => {
  try {
    ip(...args);
  } catch {
    // already gone
  }
};

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The suite's poller, checking every 100 ms: lifecycle timings are measured in a few seconds. */
export function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  return pollUntil(what, check, timeoutMs, everyMs);
}

interface Proc {
  child: ChildProcess;
  pid: number;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  gone(): boolean;
}

function run(command: string, args: string[], cwd?: string): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd });
  let out = '';
  let gone = false;
  child.stdout!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  child.stderr!.setEncoding('utf8').on('data', (c: string) => {
    out += c;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.once('exit', (code, signal) => {
      gone = true;
      r({ code, signal });
    }),
  );
  return { child, pid: child.pid!, output: () => out, exited, gone: () => gone };
}

async function stopProc(p: Proc | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.gone()) return;
  process.kill(p.pid, signal);
  const timer = setTimeout(() => {
    if (!p.gone()) process.kill(p.pid, 'SIGKILL');
  }, 15_000);
  await p.exited;
  clearTimeout(timer);
}

/** One device: a network namespace, its veth, and (while started) a `minato agent` inside it. */
export class Device {
  agent: Proc | undefined;
  localApi = '';
  private mark = 0;

  constructor(
    readonly fleet: Fleet,
    readonly name: string,
    readonly netns: string,
    readonly hostIf: string,
    readonly ip: string,
    readonly dataDir: string,
  ) {}

  get pid(): number {
    return this.agent!.pid;
  }

  output(): string {
    return this.agent?.output() ?? '';
  }

  /** Starts the agent (joining with the token unless its identity is saved) and waits for its local API. */
  async start(extra: string[] = []): Promise<void> {
    const j = this.fleet.join;
    this.agent = run('ip', [
      'netns',
      'exec',
      this.netns,
      process.execPath,
      CLI_PATH,
      'agent',
      '--server',
      j.server,
      '--token',
      j.token,
      '--ca-cert-hash',
      j.caCertHash,
      '--name',
      this.name,
      '--data-dir',
      this.dataDir,
      '--local-api',
      '127.0.0.1:0',
      '--lease-interval',
      this.fleet.leaseInterval,
      ...extra,
    ]);
    this.mark = 0;
    const m = await this.waitFor(/local API on (http:\/\/\S+)/, 20_000);
    this.localApi = m[1]!;
  }

  /** Resolves when the agent's output (since its start, or since `from`) matches. */
  async waitFor(pattern: RegExp, timeoutMs = 20_000, from = this.mark): Promise<RegExpExecArray> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const m = pattern.exec(this.output().slice(from));
      if (m) return m;
      if (this.agent?.gone())
        throw new Error(`agent ${this.name} exited before printing ${pattern}:\n${this.output()}`);
      if (Date.now() > end)
        throw new Error(
          `agent ${this.name} did not print ${pattern} within ${timeoutMs} ms:\n${this.output()}`,
        );
      await sleep(50);
    }
  }

  /** SIGTERM: the agent stops its containers and keeps its state, like a device powering off. */
  async stop(): Promise<void> {
    await stopProc(this.agent);
  }

  /** HTTP from inside the device's namespace (its loopback is its own). */
  async fetch(url: string, method = 'GET'): Promise<{ status: number; body: string }> {
    const code = `fetch(${JSON.stringify(url)}, { method: ${JSON.stringify(method)}, signal: AbortSignal.timeout(4000) })
      .then(async (r) => process.stdout.write(JSON.stringify({ status: r.status, body: await r.text() })))
      .catch((e) => { process.stdout.write(JSON.stringify({ error: String(e.cause?.code ?? e.message) })); });`;
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn('ip', ['netns', 'exec', this.netns, process.execPath, '-e', code], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let text = '';
      let err = '';
      p.stdout.setEncoding('utf8').on('data', (c: string) => {
        text += c;
      });
      p.stderr.setEncoding('utf8').on('data', (c: string) => {
        err += c;
      });
      const timer = setTimeout(() => p.kill('SIGKILL'), 10_000);
      p.once('close', (exitCode) => {
        clearTimeout(timer);
        if (exitCode === 0) resolve(text);
        else reject(new Error(`fetch ${url} in ${this.netns} exited ${exitCode}: ${err}`));
      });
    });
    const parsed = JSON.parse(out) as { status?: number; body?: string; error?: string };
    if (parsed.error) throw new Error(`${method} ${url} on ${this.name}: ${parsed.error}`);
    return { status: parsed.status!, body: parsed.body! };
  }

  /** The agent's local API `/status` (node, link, pods as the device sees them). */
  // biome-ignore lint/suspicious/noExplicitAny: the /status document is inspected field by field
  async status(): Promise<Record<string, any>> {
    const r = await this.fetch(`${this.localApi}/status`);
    assert.equal(r.status, 200, r.body);
    return JSON.parse(r.body);
  }

  /** The link goes silent: the hub side of the veth goes down, packets vanish (no RST). */
  cut(): void {
    ip('link', 'set', this.hostIf, 'down');
  }

  restore(): void {
    ip('link', 'set', this.hostIf, 'up');
  }

  /** Resident memory of the agent process (the PID is the node process: `ip netns exec` execs it). */
  rssMiB(): number {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return Number(m![1]) / 1024;
  }
}

export interface FleetOptions {
  /** `minato up --node-grace`: seconds without a lease renewal before a device is out of range. */
  nodeGraceSeconds?: number;
  /** `minato up --relocate-after`: default unreachable toleration for relocatable pods. */
  relocateAfterSeconds?: number;
  /** `minato agent --lease-interval`. */
  leaseInterval?: string;
  devices: string[];
}

let fleets = 0;

/** A hub on a bridge address and N devices in their own namespaces. */
export class Fleet {
  hub!: HubProcess;
  api!: KubeClient;
  kubectl!: Kubectl;
  join!: { server: string; token: string; caCertHash: string };
  readonly devices = new Map<string, Device>();
  readonly root: string;
  readonly leaseInterval: string;
  private readonly bridge: string;
  private readonly hubIp: string;
  private readonly prefix: string;
  private readonly netnses: string[] = [];

  private constructor(
    label: string,
    readonly options: FleetOptions,
  ) {
    const id = (process.pid % 5_000) * 2 + fleets++;
    this.prefix = `mzl${id}`;
    this.bridge = `${this.prefix}b`;
    this.hubIp = `10.${200 + (id % 50)}.${Math.floor(id / 50) % 250}.1`;
    this.root = makeTempDir(label);
    this.leaseInterval = options.leaseInterval ?? '1s';
  }

  device(name: string): Device {
    const d = this.devices.get(name);
    if (!d) throw new Error(`no device ${name}`);
    return d;
  }

  static async start(label: string, options: FleetOptions): Promise<Fleet> {
    const fleet = new Fleet(label, options);
    try {
      await fleet.setUp();
      return fleet;
    } catch (err) {
      await fleet.stop();
      throw err;
    }
  }

  private async setUp(): Promise<void> {
    const binary = kubectlOnPath();
    ipQuiet('link', 'delete', this.bridge);
    ip('link', 'add', 'name', this.bridge, 'type', 'bridge');
    ip('addr', 'add', `${this.hubIp}/24`, 'dev', this.bridge);
    ip('link', 'set', this.bridge, 'up');
    const extraArgs = ['--host', this.hubIp, '--advertise', this.hubIp];
    if (this.options.nodeGraceSeconds !== undefined)
      extraArgs.push('--node-grace', String(this.options.nodeGraceSeconds));
    if (this.options.relocateAfterSeconds !== undefined)
      extraArgs.push('--relocate-after', String(this.options.relocateAfterSeconds));
    this.hub = await startHubProcess({ dataDir: join(this.root, 'hub'), extraArgs });
    this.api = new KubeClient(loadKubeconfig(this.hub.kubeconfig));
    const cache = join(this.root, 'kube-cache');
    mkdirSync(cache);
    this.kubectl = new Kubectl(this.hub.kubeconfig, cache, binary);
    const m = await eventually(
      'the join command printed by minato up',
      () =>
        /minato agent --server (\S+) --token (\S+) --ca-cert-hash (\S+)/.exec(this.hub.output()) ?? undefined,
      10_000,
    );
    this.join = { server: m[1]!, token: m[2]!, caCertHash: m[3]! };
    const net = this.hubIp.slice(0, this.hubIp.lastIndexOf('.'));
    this.options.devices.forEach((name, i) => {
      const netns = `${this.prefix}-${name}`;
      const hostIf = `${this.prefix}h${i}`;
      const devIf = `${this.prefix}d${i}`;
      const addr = `${net}.${10 + i}`;
      ipQuiet('netns', 'delete', netns);
      ip('netns', 'add', netns);
      this.netnses.push(netns);
      ip('link', 'add', hostIf, 'type', 'veth', 'peer', 'name', devIf);
      ip('link', 'set', devIf, 'netns', netns);
      ip('link', 'set', hostIf, 'master', this.bridge);
      ip('link', 'set', hostIf, 'up');
      ip('netns', 'exec', netns, 'ip', 'addr', 'add', `${addr}/24`, 'dev', devIf);
      ip('netns', 'exec', netns, 'ip', 'link', 'set', devIf, 'up');
      ip('netns', 'exec', netns, 'ip', 'link', 'set', 'lo', 'up');
      this.devices.set(name, new Device(this, name, netns, hostIf, addr, join(this.root, `device-${name}`)));
    });
    await Promise.all([...this.devices.values()].map((d) => d.start()));
    await Promise.all([...this.devices.values()].map((d) => d.waitFor(/link: connected to/, 30_000)));
    await Promise.all([...this.devices.keys()].map((name) => this.nodeReady(name, 'True', 15_000)));
  }

  /** Waits for the Node's Ready condition to have `status`; returns the Node. */
  nodeReady(name: string, status: 'True' | 'Unknown' | 'False', timeoutMs = 15_000): Promise<KubeObject> {
    return eventually(
      `node ${name} Ready=${status}`,
      async () => {
        const node = await this.api.get<KubeObject>(`/api/v1/nodes/${name}`);
        return readyOf(node)?.status === status ? node : undefined;
      },
      timeoutMs,
    );
  }

  /** kubectl apply -f - with these objects as YAML documents. */
  async apply(...objects: KubeObject[]): Promise<string> {
    return this.kubectl.ok(['apply', '-f', '-'], {
      stdin: objects.map((o) => stringify(o)).join('---\n'),
    });
  }

  async pods(namespace: string, selector: string): Promise<KubeObject[]> {
    const list = await this.api.list<KubeObject>(
      `/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(selector)}`,
    );
    return list.items;
  }

  /** Records every event of the pods of a namespace (and the Nodes) with its arrival time. */
  record(namespace: string): Recorder {
    return new Recorder(this.api, namespace);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.devices.values()].map((d) => d.stop().catch(() => {})));
    this.api?.close();
    await this.hub?.stop().catch(() => {});
    for (const ns of this.netnses) ipQuiet('netns', 'delete', ns);
    // Deleting a namespace normally takes its veth pair along, but not always at once.
    for (const d of this.devices.values()) ipQuiet('link', 'delete', d.hostIf);
    ipQuiet('link', 'delete', this.bridge);
    removeDir(this.root);
  }
}

export interface Recorded {
  at: number;
  type: string;
  kind: 'Pod' | 'Node';
  object: KubeObject;
}

/** Two watches (pods of a namespace, all Nodes); events kept in arrival order with a timestamp. */
export class Recorder {
  readonly events: Recorded[] = [];
  private readonly stops: (() => void)[] = [];

  constructor(api: KubeClient, namespace: string) {
    for (const [kind, path] of [
      ['Pod', `/api/v1/namespaces/${namespace}/pods`],
      ['Node', '/api/v1/nodes'],
    ] as const) {
      const h = api.watch(path, {
        onEvent: (e) => {
          if (e.type !== 'BOOKMARK')
            this.events.push({ at: Date.now(), type: e.type, kind, object: e.object });
        },
      });
      this.stops.push(() => h.stop());
    }
  }

  stop(): void {
    for (const s of this.stops) s();
  }

  pods(since = 0): Recorded[] {
    return this.events.filter((e) => e.kind === 'Pod' && e.at >= since);
  }

  nodes(name: string, since = 0): Recorded[] {
    return this.events.filter((e) => e.kind === 'Node' && e.object.metadata.name === name && e.at >= since);
  }
}

// biome-ignore lint/suspicious/noExplicitAny: conditions are plain JSON
export function readyOf(node: KubeObject): Record<string, any> | undefined {
  return (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
}

export function hasTaint(node: KubeObject, key: string, effect: string): boolean {
  return (node.spec?.taints ?? []).some(
    (t: { key: string; effect: string }) => t.key === key && t.effect === effect,
  );
}

/** Running with every container ready, not being deleted. */
export function isRunningReady(pod: KubeObject): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    (pod.status?.containerStatuses ?? []).length > 0 &&
    pod.status.containerStatuses.every((c: { ready: boolean }) => c.ready)
  );
}

// biome-ignore lint/suspicious/noExplicitAny: a summary entry of the agent's /status
export function devicePod(status: Record<string, any>, name: string): Record<string, any> | undefined {
  return status.pods.find((p: { name: string }) => p.name === name);
}

/** The fleet workload: the telemetry example as a DaemonSet (one pod per device, stays when away). */
export function telemetryDaemonSet(namespace: string): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name: 'telemetry', namespace },
    spec: {
      selector: { matchLabels: { app: 'telemetry' } },
      template: {
        metadata: { labels: { app: 'telemetry' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          volumes: [{ name: 'data', emptyDir: {} }],
          containers: [
            {
              name: 'telemetry',
              image: `file://${TELEMETRY}`,
              env: [
                { name: 'INTERVAL_MS', value: '500' },
                { name: 'DEVICE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              ],
              volumeMounts: [{ name: 'data', mountPath: '/data' }],
            },
          ],
        },
      },
    },
  };
}

export const HTTP_PORT = 8080;

/** The hello-http WAGI handler as a Deployment, serving on port 8080 of its device. */
export function helloDeployment(
  namespace: string,
  options: {
    name?: string;
    replicas?: number;
    module?: string;
    tolerationSeconds?: number;
    // biome-ignore lint/suspicious/noExplicitAny: strategy is plain JSON
    strategy?: Record<string, any>;
  } = {},
): KubeObject {
  const name = options.name ?? 'hello';
  const port = HTTP_PORT;
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas: options.replicas ?? 1,
      selector: { matchLabels: { app: name } },
      ...(options.strategy ? { strategy: options.strategy } : {}),
      template: {
        metadata: { labels: { app: name }, annotations: { 'minato.dev/runtime': 'wagi' } },
        spec: {
          terminationGracePeriodSeconds: 2,
          ...(options.tolerationSeconds !== undefined
            ? {
                tolerations: [
                  {
                    key: UNREACHABLE,
                    operator: 'Exists',
                    effect: 'NoExecute',
                    tolerationSeconds: options.tolerationSeconds,
                  },
                ],
              }
            : {}),
          containers: [
            {
              name: 'web',
              image: `file://${options.module ?? HELLO_HTTP}`,
              // Host networking on a device: the port is the device's, hence hostPort for the scheduler.
              ports: [{ containerPort: port, hostPort: port }],
              env: [{ name: 'DEVICE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
            },
          ],
        },
      },
    },
  };
}

/**
 * Builds hello-http with a different answer (`{"version":"v2",…}`): the same handler, a new module
 * version, compiled with the repository's AssemblyScript toolchain into `dir`.
 */
export async function buildHelloV2(dir: string): Promise<string> {
  const source = readFileSync(join(REPO_ROOT, 'examples/hello-http/assembly/index.ts'), 'utf8');
  const changed = source.replace(`'{"path":'`, `'{"version":"v2","path":'`);
  assert.notEqual(
    changed,
    source,
    'hello-http no longer starts its answer with {"path": — update buildHelloV2',
  );
  const src = join(dir, 'hello-v2.ts');
  const out = join(dir, 'hello-v2.wasm');
  writeFileSync(src, changed);
  // asc resolves the shim's library folder against the working directory: the repository root.
  const asc = run(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules/assemblyscript/bin/asc.js'),
      src,
      '--config',
      'node_modules/@assemblyscript/wasi-shim/asconfig.json',
      '--optimizeLevel',
      '3',
      '--noAssert',
      '--outFile',
      out,
    ],
    REPO_ROOT,
  );
  const { code } = await asc.exited;
  if (code !== 0) throw new Error(`compiling hello-http v2 failed (${code}):\n${asc.output()}`);
  return out;
}

// Only when this file itself is the test file: check the plumbing the other files rely on.
const isEntry = process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1];
const skip = whyNoNetns();

if (isEntry)
  test('a device namespace reaches the hub over the bridge, and a cut link is silent', { skip }, async () => {
    const fleet = await Fleet.start('lifecycle-harness', { devices: ['probe'] });
    try {
      const d = fleet.device('probe');
      const status = await d.status();
      assert.equal(status.connected, true);
      assert.equal(status.node, 'probe');
      const node = await fleet.api.get<KubeObject>('/api/v1/nodes/probe');
      const internal = node.status.addresses.find((a: { type: string }) => a.type === 'InternalIP');
      assert.equal(internal.address, d.ip, 'the device reports its own namespace address');
      // With the link up the hub answers (its TLS chain is not trusted by a bare fetch: that error
      // is an answer); with the link cut nothing comes back at all.
      const up = await d.fetch(`${fleet.join.server}/healthz`).catch((e: Error) => e);
      assert.doesNotMatch(String(up), /timeout|abort|EHOSTUNREACH/i);
      d.cut();
      const down = await d.fetch(`${fleet.join.server}/healthz`).catch((e: Error) => e);
      // Nothing answers: the request times out, or ARP finds nobody (EHOSTUNREACH after a few seconds).
      assert.match(String(down), /timeout|abort|EHOSTUNREACH/i, 'no answer across a cut link');
      d.restore();
      await fleet.nodeReady('probe', 'True');
    } finally {
      await fleet.stop();
    }
  });
