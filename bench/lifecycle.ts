/**
 * `npm run bench -- lifecycle`: devices that dock and depart, measured with real processes.
 *
 * A real hub (`minato up`) and real agents (`node dist/src/agent/main.js`, the lean device entry) on
 * loopback; each agent reaches the hub through its own small TCP proxy, which is the "radio link" the
 * benchmark cuts (every connection dropped, new ones refused). Measured:
 * - join → Ready: agent process spawned with a bootstrap token → its Node Ready=True (CSR included);
 * - out of range: link cut → Node Ready=Unknown;
 * - relocation: link cut → the relocatable pod is evicted, and → its replacement Running on another
 *   device; also eviction → replacement Running;
 * - Wasm cold start: pod created (POST) → container running, as the device stamps it (startedAt) and
 *   as an API client sees it; and the runtime's own start (WasmRuntime.start → first output) in-process;
 * - density: idle Wasm service pods on one agent until its RSS passes the budget, with the RSS at 10
 *   and 100 pods (VmRSS from /proc/<agent pid>/status).
 * The anchors (Kubernetes defaults, KubeEdge, OpenYurt, k3s) are printed beside the figures. Everything
 * runs on this machine; processes are stopped by PID, the temp dir removed (unless --keep-data).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WasmRuntime } from '../src/agent/runtimes/index.js';
import type { KubeObject } from '../src/api/types.js';
import { KubeClient, ListWatcher } from '../src/client/index.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { machineBusyCpuSeconds, machineInfo } from './proc.js';
import { note, Progress } from './progress.js';
import { formatMs, formatRatio, renderTable, type Summary, summarize } from './stats.js';
import { barPanel, notePanel, svgDocument, xyPanel } from './svg.js';

export const description =
  'devices that dock and depart: join → Ready, out of range, eviction → Running elsewhere, Wasm cold start, pods per agent, agent RSS';

const HUB_CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const AGENT_MAIN = fileURLToPath(new URL('../src/agent/main.js', import.meta.url));
const TELEMETRY = fileURLToPath(new URL('../../examples/telemetry/build/telemetry.wasm', import.meta.url));
const OUT_DIR = fileURLToPath(new URL('../../bench/out/', import.meta.url));
const NS = 'bench';

/** The anchors of ../shared/reference/edge-anchors.md section 4 (and 3 for memory and pod startup). */
const ANCHORS = {
  k8sNotReadyS: [40, 50],
  k8sTolerationS: 300,
  k8sEvictionAfterHeartbeatS: [340, 350],
  kubeEdgeAgentMB: 70,
  openYurtNodeMB: 170,
  k3sAgentMB: 275,
  kubeEdgePodStartupMs: { p50: 1688, p99: 4087 },
};

interface Options {
  joins: number;
  trials: number;
  coldStarts: number;
  runtimeStarts: number;
  leaseInterval: string;
  nodeGrace?: number;
  relocateAfter?: number;
  budgetMiB: number;
  maxPods: number;
  keepData: boolean;
  quick: boolean;
}

class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function help(): string {
  return [
    'usage: npm run bench -- lifecycle [flags]',
    '  --joins N            fresh agents joined one after another, for join → Ready (default 8)',
    '  --trials N           link cuts, for out-of-range and relocation latency (default 5)',
    '  --cold-starts N      pods created one at a time on one agent (default 40)',
    '  --runtime-starts N   in-process WasmRuntime starts (default 200)',
    "  --lease-interval D   the agents' --lease-interval (default 2s, the agent default)",
    '  --node-grace S       minato up --node-grace (default: the hub default, the lease duration)',
    '  --relocate-after S   minato up --relocate-after (default: the hub default, 30 s)',
    '  --budget-mib M       memory budget for the pods-per-agent figure (default 512)',
    '  --max-pods N         most idle pods put on the density agent (default 150; at least 100)',
    '  --quick              2 joins, 2 trials, 15 cold starts, lease 1s, relocate after 5 s, 100 pods',
    '  --keep-data          keep the temp directory (hub and agent data)',
    'Writes bench/out/lifecycle.json and bench/out/lifecycle.svg.',
  ].join('\n');
}

function parse(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = {
    joins: quick ? 2 : 8,
    trials: quick ? 2 : 5,
    coldStarts: quick ? 15 : 40,
    runtimeStarts: quick ? 50 : 200,
    leaseInterval: quick ? '1s' : '2s',
    relocateAfter: quick ? 5 : undefined,
    budgetMiB: 512,
    maxPods: quick ? 100 : 150,
    keepData: false,
    quick,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const num = () => {
      const v = Number(argv[++i]);
      if (!Number.isFinite(v) || v < 0) throw new UsageError(`${flag} needs a non-negative number`);
      return v;
    };
    if (flag === '--joins') o.joins = Math.max(1, Math.round(num()));
    else if (flag === '--trials') o.trials = Math.max(1, Math.round(num()));
    else if (flag === '--cold-starts') o.coldStarts = Math.max(1, Math.round(num()));
    else if (flag === '--runtime-starts') o.runtimeStarts = Math.max(1, Math.round(num()));
    else if (flag === '--lease-interval') {
      const v = argv[++i];
      if (!v || !/^\d+(\.\d+)?(ms|s)$/.test(v))
        throw new UsageError('--lease-interval needs e.g. 2s or 500ms');
      o.leaseInterval = v;
    } else if (flag === '--node-grace') o.nodeGrace = Math.round(num());
    else if (flag === '--relocate-after') o.relocateAfter = Math.round(num());
    else if (flag === '--budget-mib') o.budgetMiB = num();
    else if (flag === '--max-pods') o.maxPods = Math.max(100, Math.round(num()));
    else if (flag === '--keep-data') o.keepData = true;
    else if (flag === '--quick') continue;
    else throw new UsageError(`unknown flag ${flag}\n${help()}`);
  }
  return o;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function leaseMs(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(text)!;
  return Number(m[1]) * (m[2] === 's' ? 1000 : 1);
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  child: ChildProcess;
  pid: number;
  output(): string;
  gone(): boolean;
  exited: Promise<unknown>;
}

const started = new Set<Proc>();

function launch(args: string[]): Proc {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let gone = false;
  const collect = (c: string) => {
    out += c;
    if (out.length > 256 * 1024) out = out.slice(-128 * 1024);
  };
  child.stdout!.setEncoding('utf8').on('data', collect);
  child.stderr!.setEncoding('utf8').on('data', collect);
  const exited = new Promise((r) =>
    child.once('exit', () => {
      gone = true;
      r(undefined);
    }),
  );
  const p: Proc = { child, pid: child.pid!, output: () => out, gone: () => gone, exited };
  started.add(p);
  void exited.then(() => started.delete(p));
  return p;
}

async function stopProc(p: Proc, graceMs = 15_000): Promise<void> {
  if (p.gone()) return;
  process.kill(p.pid, 'SIGTERM');
  const timer = setTimeout(() => {
    if (!p.gone()) process.kill(p.pid, 'SIGKILL');
  }, graceMs);
  await p.exited;
  clearTimeout(timer);
}

function killAllNow(): void {
  for (const p of started) {
    try {
      if (!p.gone()) process.kill(p.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

async function waitOutput(
  p: Proc,
  pattern: RegExp,
  timeoutMs: number,
  what: string,
): Promise<RegExpExecArray> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const m = pattern.exec(p.output());
    if (m) return m;
    if (p.gone()) throw new Error(`${what} exited before printing ${pattern}:\n${p.output()}`);
    if (Date.now() > end)
      throw new Error(`${what} did not print ${pattern} within ${timeoutMs} ms:\n${p.output()}`);
    await sleep(10);
  }
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : Number.NaN;
}

/** The device's link: a TCP proxy on loopback that can drop every connection and refuse new ones. */
class Link {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  constructor(private readonly target: number) {}

  async open(port = 0): Promise<number> {
    this.server = createServer((client) => {
      const upstream = tcpConnect(this.target, '127.0.0.1');
      this.sockets.add(client);
      this.sockets.add(upstream);
      client.pipe(upstream);
      upstream.pipe(client);
      const close = () => {
        client.destroy();
        upstream.destroy();
        this.sockets.delete(client);
        this.sockets.delete(upstream);
      };
      for (const s of [client, upstream]) {
        s.on('error', close);
        s.on('close', close);
      }
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
    return this.port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    await closed;
  }

  async restore(): Promise<void> {
    await this.open(this.port);
  }
}

interface Agent {
  name: string;
  proc: Proc;
  link: Link;
  localApi: string;
}

// ---------------------------------------------------------------------------------------------
// The cluster as the benchmark sees it: Nodes and the pods of the bench namespace, from watches.

type Predicate = () => boolean;

class Observer {
  readonly nodes = new Map<string, KubeObject>();
  readonly pods = new Map<string, KubeObject>();
  private waiters: { check: Predicate; resolve: (t: number) => void }[] = [];
  private readonly watchers: ListWatcher<KubeObject>[] = [];

  constructor(client: KubeClient) {
    for (const [path, map] of [
      ['/api/v1/nodes', this.nodes],
      [`/api/v1/namespaces/${NS}/pods`, this.pods],
    ] as const) {
      const w = new ListWatcher<KubeObject>({
        client,
        path,
        onSync: (items) => {
          map.clear();
          for (const o of items) map.set(o.metadata.uid!, o);
          this.changed();
        },
        onEvent: (e) => {
          if (e.type === 'BOOKMARK') return;
          if (e.type === 'DELETED') map.delete(e.object.metadata.uid!);
          else map.set(e.object.metadata.uid!, e.object);
          this.changed();
        },
      });
      w.start();
      this.watchers.push(w);
    }
  }

  /** Resolves with the time (Date.now()) at which `check` first holds: now, or after some event. */
  when(what: string, check: Predicate, timeoutMs: number): Promise<number> {
    if (check()) return Promise.resolve(Date.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w.check !== check);
        reject(new Error(`timed out after ${formatMs(timeoutMs)} waiting for ${what}`));
      }, timeoutMs);
      this.waiters.push({
        check,
        resolve: (t) => {
          clearTimeout(timer);
          resolve(t);
        },
      });
    });
  }

  node(name: string): KubeObject | undefined {
    for (const n of this.nodes.values()) if (n.metadata.name === name) return n;
    return undefined;
  }

  podsOf(app: string): KubeObject[] {
    return [...this.pods.values()].filter((p) => p.metadata.labels?.app === app);
  }

  async stop(): Promise<void> {
    await Promise.all(this.watchers.map((w) => w.stop()));
  }

  private changed(): void {
    const now = Date.now();
    const due = this.waiters.filter((w) => w.check());
    if (due.length === 0) return;
    this.waiters = this.waiters.filter((w) => !due.includes(w));
    for (const w of due) w.resolve(now);
  }
}

function readyStatus(node: KubeObject | undefined): string | undefined {
  return (node?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status;
}

function isRunningReady(pod: KubeObject): boolean {
  return (
    !pod.metadata.deletionTimestamp &&
    pod.status?.phase === 'Running' &&
    (pod.status?.containerStatuses ?? []).length > 0 &&
    pod.status.containerStatuses.every((c: { ready: boolean }) => c.ready)
  );
}

function telemetryPod(
  name: string,
  nodeName: string | undefined,
  labels: Record<string, string>,
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS, labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      terminationGracePeriodSeconds: 1,
      containers: [
        {
          name: 'telemetry',
          image: `file://${TELEMETRY}`,
          env: [{ name: 'INTERVAL_MS', value: '60000' }],
          resources: { limits: { memory: '16Mi' } },
        },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------

interface Results {
  joinMs: number[];
  detectMs: number[];
  evictMs: number[];
  cutToRunningMs: number[];
  evictToRunningMs: number[];
  coldStartDeviceMs: number[];
  coldStartApiMs: number[];
  runtimeStartMs: number[];
  runtimeFirstOutputMs: number[];
  rssSteps: { pods: number; rssBytes: number; startMs: number }[];
  idleRssJoinedBytes: number;
  idleRssCliBytes: number;
  podsWithinBudget: number;
  budgetReached: boolean;
}

export async function run(argv: string[]): Promise<void> {
  const o = parse(argv);
  for (const f of [HUB_CLI, AGENT_MAIN, TELEMETRY])
    if (!existsSync(f)) throw new Error(`${f} is missing: run "npm run build" first`);
  const root = mkdtempSync(join(tmpdir(), 'minato-bench-lifecycle-'));
  const progress = new Progress();
  const onSigint = () => {
    killAllNow();
    process.exit(130);
  };
  process.once('SIGINT', onSigint);
  const busy0 = machineBusyCpuSeconds();
  const t0 = Date.now();
  const r: Results = {
    joinMs: [],
    detectMs: [],
    evictMs: [],
    cutToRunningMs: [],
    evictToRunningMs: [],
    coldStartDeviceMs: [],
    coldStartApiMs: [],
    runtimeStartMs: [],
    runtimeFirstOutputMs: [],
    rssSteps: [],
    idleRssJoinedBytes: Number.NaN,
    idleRssCliBytes: Number.NaN,
    podsWithinBudget: 0,
    budgetReached: false,
  };
  let api: KubeClient | undefined;
  let observer: Observer | undefined;
  const hubArgs = [HUB_CLI, 'up', '--data-dir', join(root, 'hub'), '--port', '0', '--host', '127.0.0.1'];
  if (o.nodeGrace !== undefined) hubArgs.push('--node-grace', String(o.nodeGrace));
  if (o.relocateAfter !== undefined) hubArgs.push('--relocate-after', String(o.relocateAfter));
  try {
    // ---- the hub
    note(`lifecycle: starting the hub (minato ${hubArgs.slice(1).join(' ')})`);
    const hub = launch(hubArgs);
    await waitOutput(hub, /minato hub is up at (https:\/\/\S+)/, 60_000, 'the hub');
    const joinLine = await waitOutput(
      hub,
      /minato agent --server https:\/\/127\.0\.0\.1:(\d+) --token (\S+) --ca-cert-hash (\S+)/,
      10_000,
      'the hub',
    );
    const hubPort = Number(joinLine[1]);
    const token = joinLine[2]!;
    const caHash = joinLine[3]!;
    api = new KubeClient(loadKubeconfig(join(root, 'hub', 'admin.kubeconfig')));
    await api.create('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    observer = new Observer(api);
    const obs = observer;
    const client = api;

    const startAgent = async (name: string, entry = AGENT_MAIN): Promise<Agent> => {
      const link = new Link(hubPort);
      const port = await link.open();
      const proc = launch([
        entry,
        ...(entry === HUB_CLI ? ['agent'] : []),
        '--server',
        `https://127.0.0.1:${port}`,
        '--token',
        token,
        '--ca-cert-hash',
        caHash,
        '--name',
        name,
        '--data-dir',
        join(root, 'agents', name),
        '--local-api',
        '127.0.0.1:0',
        '--lease-interval',
        o.leaseInterval,
      ]);
      const m = await waitOutput(proc, /local API on (http:\/\/\S+)/, 30_000, `agent ${name}`);
      return { name, proc, link, localApi: m[1]! };
    };
    const nodeReady = (name: string) => () => readyStatus(obs.node(name)) === 'True';
    const retire = async (a: Agent) => {
      await stopProc(a.proc);
      await a.link.cut();
      await client.delete(`/api/v1/nodes/${a.name}`).catch(() => {});
    };

    // ---- 1. join → Ready
    const fleet: Agent[] = [];
    const joins = Math.max(o.joins, 3);
    for (let i = 1; i <= joins; i++) {
      const name = `device-${i}`;
      const t = Date.now();
      const ready = obs.when(`${name} Ready`, nodeReady(name), 60_000);
      const a = await startAgent(name);
      const readyAt = await ready;
      if (i <= o.joins) r.joinMs.push(readyAt - t);
      fleet.push(a);
      progress.update(`join → Ready: ${i}/${joins}, last ${formatMs(readyAt - t)}`);
      await sleep(300);
    }
    progress.done(`join → Ready: ${o.joins} agents, p50 ${formatMs(summarize(r.joinMs).p50)}`);
    for (const a of fleet.splice(3)) await retire(a);

    // ---- 2. link cut → out of range → eviction → Running elsewhere
    await client.create(`/apis/apps/v1/namespaces/${NS}/deployments`, {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'mover', namespace: NS },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'mover' } },
        template: {
          metadata: { labels: { app: 'mover' } },
          spec: { ...telemetryPod('x', undefined, {}).spec },
        },
      },
    });
    const lease = leaseMs(o.leaseInterval);
    const graceS = o.nodeGrace ?? Math.max(1, Math.round((lease * 4) / 1000));
    const relocateS = o.relocateAfter ?? 30;
    const trialTimeout = (graceS + relocateS + 60) * 1000;
    for (let i = 1; i <= o.trials; i++) {
      const steady = () =>
        fleet.every((a) => nodeReady(a.name)() && !(obs.node(a.name)?.spec?.taints ?? []).length) &&
        obs.podsOf('mover').length === 1 &&
        obs.podsOf('mover').every(isRunningReady);
      await obs.when('one mover Running and every device Ready', steady, 120_000);
      const old = obs.podsOf('mover')[0]!;
      const away = fleet.find((a) => a.name === old.spec.nodeName)!;
      await sleep(Math.random() * lease); // cut anywhere in the lease cycle
      const cutAt = Date.now();
      await away.link.cut();
      progress.update(`link cut ${i}/${o.trials}: ${away.name} cut, waiting for out of range`, true);
      const unknown = obs.when(
        `${away.name} Ready=Unknown`,
        () => readyStatus(obs.node(away.name)) === 'Unknown',
        trialTimeout,
      );
      const evicted = obs.when(
        'the mover evicted',
        () => Boolean(obs.pods.get(old.metadata.uid!)?.metadata.deletionTimestamp),
        trialTimeout,
      );
      const moved = obs.when(
        'a replacement Running elsewhere',
        () => obs.podsOf('mover').some((p) => p.spec.nodeName !== away.name && isRunningReady(p)),
        trialTimeout,
      );
      evicted.catch(() => {}); // awaited below; a timeout must not go unhandled meanwhile
      moved.catch(() => {});
      const tUnknown = await unknown;
      progress.update(
        `link cut ${i}/${o.trials}: out of range after ${formatMs(tUnknown - cutAt)}, waiting for the eviction (${relocateS} s)`,
        true,
      );
      const [tEvict, tMoved] = await Promise.all([evicted, moved]);
      r.detectMs.push(tUnknown - cutAt);
      r.evictMs.push(tEvict - cutAt);
      r.cutToRunningMs.push(tMoved - cutAt);
      r.evictToRunningMs.push(tMoved - tEvict);
      progress.update(
        `link cut ${i}/${o.trials}: out of range ${formatMs(tUnknown - cutAt)}, evicted ${formatMs(tEvict - cutAt)}, Running elsewhere ${formatMs(tMoved - cutAt)}; restoring`,
        true,
      );
      await away.link.restore();
      await obs.when(`${away.name} back`, nodeReady(away.name), 120_000);
      await obs.when('the evicted pod confirmed gone', () => !obs.pods.has(old.metadata.uid!), 60_000);
    }
    progress.done(
      `link cuts: ${o.trials}, out of range p50 ${formatMs(summarize(r.detectMs).p50)}, Running elsewhere p50 ${formatMs(summarize(r.cutToRunningMs).p50)}`,
    );
    await client.delete(`/apis/apps/v1/namespaces/${NS}/deployments/mover`);
    await obs.when('the movers gone', () => obs.podsOf('mover').length === 0, 60_000);

    // ---- 3. Wasm cold start through the API (one pod at a time, bound to device-1)
    const target = fleet[0]!.name;
    for (let i = 0; i < o.coldStarts; i++) {
      const name = `cold-${i}`;
      const t = Date.now();
      const created = await client.create<KubeObject>(
        `/api/v1/namespaces/${NS}/pods`,
        telemetryPod(name, target, { app: 'cold' }),
      );
      const uid = created.metadata.uid!;
      const running = () => Boolean(obs.pods.get(uid)?.status?.containerStatuses?.[0]?.state?.running);
      const seen = await obs.when(`${name} running`, running, 30_000);
      r.coldStartApiMs.push(seen - t);
      // The device's own clock: the timestamp of the container's first log line (its first output).
      const firstLine = await fetch(
        `${fleet[0]!.localApi}/logs/${NS}/${name}/telemetry?timestamps=true&limitBytes=200`,
      ).then((res) => res.text());
      const firstOutput = Date.parse(firstLine.split(' ')[0] ?? '');
      if (Number.isFinite(firstOutput)) r.coldStartDeviceMs.push(firstOutput - t);
      progress.update(`Wasm cold start: ${i + 1}/${o.coldStarts}, last ${formatMs(seen - t)}`);
      await sleep(100);
    }
    progress.done(
      `Wasm cold start: ${o.coldStarts} pods, create → running p50 ${formatMs(summarize(r.coldStartApiMs).p50)}`,
    );
    await Promise.all(
      obs.podsOf('cold').map((p) => client.delete(`/api/v1/namespaces/${NS}/pods/${p.metadata.name}`)),
    );
    await obs.when('the cold-start pods gone', () => obs.podsOf('cold').length === 0, 60_000);

    // ---- 3b. the runtime's own start, in this process (spare worker ready, compile cached)
    const runtime = new WasmRuntime();
    runtime.prewarm();
    await sleep(200);
    for (let i = -5; i < o.runtimeStarts; i++) {
      let firstOutput = 0;
      let gotOutput: () => void = () => {};
      const output = new Promise<void>((res) => {
        gotOutput = res;
      });
      const t = performance.now();
      const c = await runtime.start({
        podUid: `bench-${i}`,
        podName: `bench-${i}`,
        namespace: NS,
        containerName: 'telemetry',
        module: { path: TELEMETRY },
        args: [],
        env: { INTERVAL_MS: '60000' },
        ports: [],
        volumes: [],
        limits: {},
        kind: 'service',
        logSink: (stream) => {
          if (stream === 'stdout' && !firstOutput) {
            firstOutput = performance.now();
            gotOutput();
          }
        },
      });
      const startMs = performance.now() - t;
      await Promise.race([output, sleep(5_000)]);
      await c.stop(0);
      if (i >= 0) {
        r.runtimeStartMs.push(startMs);
        r.runtimeFirstOutputMs.push(firstOutput ? firstOutput - t : Number.NaN);
      }
      progress.update(`WasmRuntime.start: ${Math.max(0, i + 1)}/${o.runtimeStarts}`);
      await sleep(60); // the spare worker is refilled 25 ms after it is taken
    }
    await runtime.close?.();
    progress.done(
      `WasmRuntime.start: ${o.runtimeStarts} starts, p50 ${formatMs(summarize(r.runtimeStartMs).p50)}`,
    );

    // ---- 4. density: idle Wasm service pods on one fresh agent, RSS at each step
    for (const a of fleet) await retire(a);
    const joined = await startAgent('dense-1');
    await obs.when('dense-1 Ready', nodeReady('dense-1'), 60_000);
    await sleep(3_000);
    r.idleRssJoinedBytes = rssBytes(joined.proc.pid);
    // The steady state of a device: restarted with its saved identity (token, CSR and X.509 code unused).
    await stopProc(joined.proc);
    await joined.link.cut();
    const dense = await startAgent('dense-1');
    await waitOutput(dense.proc, /link: connected to/, 30_000, 'agent dense-1');
    const cli = await startAgent('cli-1', HUB_CLI);
    await obs.when('cli-1 Ready', nodeReady('cli-1'), 60_000);
    await sleep(3_000);
    r.idleRssCliBytes = rssBytes(cli.proc.pid);
    await retire(cli);
    await sleep(3_000);
    r.rssSteps.push({ pods: 0, rssBytes: rssBytes(dense.proc.pid), startMs: 0 });
    const budget = o.budgetMiB * 1024 * 1024;
    let count = 0;
    while (count < o.maxPods) {
      const step = 10;
      const t = Date.now();
      await Promise.all(
        Array.from({ length: step }, (_, k) =>
          client.create(
            `/api/v1/namespaces/${NS}/pods`,
            telemetryPod(`idle-${count + k}`, 'dense-1', { app: 'idle' }),
          ),
        ),
      );
      count += step;
      const want = count;
      await obs.when(
        `${want} idle pods running`,
        () =>
          obs.podsOf('idle').filter((p) => p.status?.containerStatuses?.[0]?.state?.running).length === want,
        120_000,
      );
      const startMs = Date.now() - t;
      await sleep(2_000);
      const rss = rssBytes(dense.proc.pid);
      r.rssSteps.push({ pods: count, rssBytes: rss, startMs });
      if (rss <= budget) r.podsWithinBudget = count;
      else r.budgetReached = true;
      progress.update(
        `density: ${count} idle pods, agent RSS ${(rss / 1048576).toFixed(0)} MiB (budget ${o.budgetMiB} MiB)`,
        true,
      );
      if (r.budgetReached && count >= 100) break;
    }
    progress.done(
      `density: ${r.podsWithinBudget} idle pods within ${o.budgetMiB} MiB${r.budgetReached ? '' : ` (budget not reached at ${count})`}`,
    );
    await stopProc(dense.proc);
    await dense.link.cut();
  } finally {
    process.off('SIGINT', onSigint);
    await observer?.stop().catch(() => {});
    api?.close();
    for (const p of [...started]) await stopProc(p).catch(() => {});
    if (!o.keepData) rmSync(root, { recursive: true, force: true });
    else note(`lifecycle: data kept in ${root}`);
  }
  const elapsedS = (Date.now() - t0) / 1000;
  const busyS = machineBusyCpuSeconds() - busy0;
  report(o, r, elapsedS, busyS);
}

// ---------------------------------------------------------------------------------------------

function rssAt(r: Results, pods: number): number {
  return r.rssSteps.find((s) => s.pods === pods)?.rssBytes ?? Number.NaN;
}

const mb = (bytes: number) => bytes / 1e6;
const mib = (bytes: number) => bytes / 1048576;

function report(o: Options, r: Results, elapsedS: number, busyS: number): void {
  const s = {
    join: summarize(r.joinMs),
    detect: summarize(r.detectMs),
    evict: summarize(r.evictMs),
    cutToRunning: summarize(r.cutToRunningMs),
    evictToRunning: summarize(r.evictToRunningMs),
    coldDevice: summarize(r.coldStartDeviceMs),
    coldApi: summarize(r.coldStartApiMs),
    runtimeStart: summarize(r.runtimeStartMs),
    runtimeFirst: summarize(r.runtimeFirstOutputMs.filter(Number.isFinite)),
  };
  const rss10 = rssAt(r, 10);
  const rss100 = rssAt(r, 100);
  const idle = rssAt(r, 0);
  const perPodMiB = mib(rss100 - rss10) / 90;
  const lease = leaseMs(o.leaseInterval);
  const graceS = o.nodeGrace ?? Math.max(1, Math.round((lease * 4) / 1000));
  const relocateS = o.relocateAfter ?? 30;
  const row = (label: string, x: Summary, unit = 'ms') =>
    unit === 'ms'
      ? [label, formatMs(x.p50), formatMs(x.p99), formatMs(x.max), String(x.n)]
      : [label, String(x.p50), String(x.p99), String(x.max), String(x.n)];
  const settings = `agent lease every ${o.leaseInterval} (lease ${graceS}s), hub --node-grace ${o.nodeGrace ?? `default (${graceS} s)`}, --relocate-after ${o.relocateAfter ?? 'default (30 s)'}`;
  const m = machineInfo();
  console.log(`\nlifecycle — ${settings}`);
  console.log(
    `machine: ${m.cpus} CPUs (${m.cpuModel}), ${(m.memoryBytes / 2 ** 30).toFixed(0)} GiB, Linux ${m.kernel}, Node ${m.node}; took ${elapsedS.toFixed(0)} s, in which all processes on the machine (these included) used ${busyS.toFixed(0)} CPU-s\n`,
  );
  console.log(
    renderTable([
      ['latency', 'p50', 'p99', 'max', 'n'],
      row('join → Node Ready (fresh token join, CSR)', s.join),
      row('link cut → Node Ready=Unknown', s.detect),
      row('link cut → relocatable pod evicted', s.evict),
      row('link cut → replacement Running elsewhere', s.cutToRunning),
      row('eviction → replacement Running elsewhere', s.evictToRunning),
      row('Wasm pod created → first output on the device (its log)', s.coldDevice),
      row('Wasm pod created → running seen through the API', s.coldApi),
      row('WasmRuntime.start() (in-process)', s.runtimeStart),
      row('WasmRuntime.start() → first output', s.runtimeFirst),
    ]),
  );
  console.log('\nagent memory (VmRSS of node dist/src/agent/main.js)');
  console.log(
    renderTable([
      ['', 'MiB', 'MB'],
      ['idle, lean entry, restarted (steady state)', mib(idle).toFixed(1), mb(idle).toFixed(0)],
      [
        'idle, lean entry, right after joining',
        mib(r.idleRssJoinedBytes).toFixed(1),
        mb(r.idleRssJoinedBytes).toFixed(0),
      ],
      [
        'idle, minato agent (full CLI), right after joining',
        mib(r.idleRssCliBytes).toFixed(1),
        mb(r.idleRssCliBytes).toFixed(0),
      ],
      ['10 idle Wasm service pods', mib(rss10).toFixed(1), mb(rss10).toFixed(0)],
      ['100 idle Wasm service pods', mib(rss100).toFixed(1), mb(rss100).toFixed(0)],
      ['per pod (10 → 100)', perPodMiB.toFixed(1), (perPodMiB * 1.048576).toFixed(1)],
    ]),
  );
  console.log(
    `pods per agent within ${o.budgetMiB} MiB: ${r.podsWithinBudget}${r.budgetReached ? '' : ` (budget not reached; stopped at ${r.rssSteps.at(-1)?.pods} pods)`}`,
  );
  const notReadyMid = (ANCHORS.k8sNotReadyS[0]! + ANCHORS.k8sNotReadyS[1]!) / 2;
  const anchorRows = [
    ['anchor', 'Kubernetes / edge', 'Minato p50', 'ratio'],
    [
      'silent node → NotReady / out of range',
      `${ANCHORS.k8sNotReadyS[0]}–${ANCHORS.k8sNotReadyS[1]} s`,
      formatMs(s.detect.p50),
      `${formatRatio((ANCHORS.k8sNotReadyS[0]! * 1000) / s.detect.p50)}–${formatRatio((ANCHORS.k8sNotReadyS[1]! * 1000) / s.detect.p50)} sooner`,
    ],
    [
      'unreachable toleration before eviction',
      `${ANCHORS.k8sTolerationS} s`,
      `${relocateS} s`,
      `${formatRatio(ANCHORS.k8sTolerationS / relocateS)} sooner`,
    ],
    [
      'silent node → pods evicted',
      `${ANCHORS.k8sEvictionAfterHeartbeatS[0]}–${ANCHORS.k8sEvictionAfterHeartbeatS[1]} s`,
      formatMs(s.evict.p50),
      `${formatRatio((ANCHORS.k8sEvictionAfterHeartbeatS[0]! * 1000) / s.evict.p50)} sooner`,
    ],
    [
      'agent memory, idle (lean entry)',
      `KubeEdge ≥ ${ANCHORS.kubeEdgeAgentMB} MB`,
      `${mb(idle).toFixed(0)} MB`,
      `${formatRatio(mb(idle) / ANCHORS.kubeEdgeAgentMB)} of it`,
    ],
    [
      '',
      `OpenYurt node ~${ANCHORS.openYurtNodeMB} MB`,
      '',
      `${formatRatio(mb(idle) / ANCHORS.openYurtNodeMB)} of it`,
    ],
    ['', `k3s agent ~${ANCHORS.k3sAgentMB} MB`, '', `${formatRatio(mb(idle) / ANCHORS.k3sAgentMB)} of it`],
    [
      'pod startup (KubeEdge 100k-node test)',
      `p50 ${formatMs(ANCHORS.kubeEdgePodStartupMs.p50)}, p99 ${formatMs(ANCHORS.kubeEdgePodStartupMs.p99)}`,
      `p50 ${formatMs(s.coldApi.p50)}, p99 ${formatMs(s.coldApi.p99)}`,
      `${formatRatio(ANCHORS.kubeEdgePodStartupMs.p50 / s.coldApi.p50)} sooner (p50)`,
    ],
  ];
  const defaults = o.leaseInterval === '2s' && o.nodeGrace === undefined && o.relocateAfter === undefined;
  console.log(
    `\nanchors (../shared/reference/edge-anchors.md §3–4; ${defaults ? 'defaults against defaults' : 'these settings against Kubernetes defaults'})`,
  );
  console.log(renderTable(anchorRows));
  console.log(
    `\nNotes: Kubernetes' 40–50 s is counted from the last heartbeat, ours from the cut (up to one lease interval later), so ours is if anything overstated. The memory anchors are the agent alone; container runtimes (containerd, shims) come on top there, while here the Wasm pods run inside the agent process (its RSS includes them). Mid-point NotReady ratio ${formatRatio((notReadyMid * 1000) / s.detect.p50)}.`,
  );

  mkdirSync(OUT_DIR, { recursive: true });
  const json = {
    benchmark: 'lifecycle',
    date: new Date().toISOString(),
    command: `npm run bench -- lifecycle${o.quick ? ' --quick' : ''}`,
    options: o,
    settings,
    machine: m,
    elapsedSeconds: elapsedS,
    machineBusyCpuSeconds: busyS,
    summaries: s,
    samples: {
      joinMs: r.joinMs,
      detectMs: r.detectMs,
      evictMs: r.evictMs,
      cutToRunningMs: r.cutToRunningMs,
      evictToRunningMs: r.evictToRunningMs,
      coldStartDeviceMs: r.coldStartDeviceMs,
      coldStartApiMs: r.coldStartApiMs,
      runtimeStartMs: r.runtimeStartMs,
      runtimeFirstOutputMs: r.runtimeFirstOutputMs,
    },
    memory: {
      idleLeanBytes: idle,
      idleLeanJustJoinedBytes: r.idleRssJoinedBytes,
      idleCliBytes: r.idleRssCliBytes,
      rss10Bytes: rss10,
      rss100Bytes: rss100,
      perPodMiB,
      budgetMiB: o.budgetMiB,
      podsWithinBudget: r.podsWithinBudget,
      budgetReached: r.budgetReached,
      steps: r.rssSteps,
    },
    anchors: ANCHORS,
  };
  writeFileSync(join(OUT_DIR, 'lifecycle.json'), `${JSON.stringify(json, null, 2)}\n`);
  const svg = svgDocument('Minato: devices that dock and depart', settings, [
    barPanel({
      title: 'Out of range and relocation, p50 (log scale) — Kubernetes defaults for comparison',
      log: true,
      format: (v) => formatMs(v),
      groups: [
        {
          label: 'silent → out of range',
          bars: [
            { label: 'Minato: cut → Ready=Unknown', value: s.detect.p50 },
            { label: 'Kubernetes: NotReady (40–50 s)', value: notReadyMid * 1000, color: '#999' },
          ],
        },
        {
          label: 'silent → pods evicted',
          bars: [
            { label: 'Minato: cut → evicted', value: s.evict.p50 },
            { label: 'Minato: cut → Running elsewhere', value: s.cutToRunning.p50 },
            { label: 'Kubernetes: 340–350 s', value: 345_000, color: '#999' },
          ],
        },
      ],
    }),
    barPanel({
      title: 'Start-up latency, p50 and p99 (log scale)',
      log: true,
      format: (v) => formatMs(v),
      groups: [
        {
          label: 'join',
          bars: [
            { label: 'join → Ready p50', value: s.join.p50 },
            { label: 'join → Ready p99', value: s.join.p99 },
          ],
        },
        {
          label: 'Wasm pod',
          bars: [
            { label: 'created → running (API) p50', value: s.coldApi.p50 },
            { label: 'created → running (API) p99', value: s.coldApi.p99 },
            { label: 'KubeEdge pod startup p50', value: ANCHORS.kubeEdgePodStartupMs.p50, color: '#999' },
            { label: 'runtime start → output p50', value: s.runtimeFirst.p50 },
            { label: 'runtime start → output p99', value: s.runtimeFirst.p99 },
          ],
        },
      ],
    }),
    xyPanel({
      title: `Agent RSS with idle Wasm service pods (dashed: budget ${o.budgetMiB} MiB, k3s agent ~275 MB, KubeEdge (KE) ≥ 70 MB)`,
      series: [{ label: 'agent VmRSS', points: r.rssSteps.map((x) => [x.pods, mib(x.rssBytes)]) }],
      xLabel: 'idle Wasm service pods on the agent',
      formatX: (v) => String(Math.round(v)),
      formatY: (v) => `${v.toFixed(0)} MiB`,
      guidesY: [
        { value: o.budgetMiB, label: 'budget' },
        { value: ANCHORS.k3sAgentMB / 1.048576, label: 'k3s' },
        { value: ANCHORS.kubeEdgeAgentMB / 1.048576, label: 'KE' },
      ],
    }),
    notePanel([
      `Idle agent ${mb(idle).toFixed(0)} MB (lean entry) vs KubeEdge ≥ 70 MB, OpenYurt ~170 MB, k3s agent ~275 MB (agents alone; their containers run outside the agent).`,
      `${r.podsWithinBudget} idle Wasm pods within ${o.budgetMiB} MiB; ${perPodMiB.toFixed(1)} MiB per pod between 10 and 100.`,
      `Everything on one machine (${m.cpus} CPUs), loopback links through a TCP proxy that the benchmark cuts.`,
    ]),
  ]);
  writeFileSync(join(OUT_DIR, 'lifecycle.svg'), svg);
  note('lifecycle: wrote bench/out/lifecycle.json and bench/out/lifecycle.svg');
}
