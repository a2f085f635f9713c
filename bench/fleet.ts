/**
 * `npm run bench -- fleet --nodes N[,N2,…]`: a simulated fleet against one hub, on this machine.
 *
 * The hub runs in its own process (`minato up`); N devices run in separate fleet processes (the
 * simulator: real agents, each behind its own radio-link proxy, moving through a scenario). For each N,
 * with a fresh hub:
 * 1. join: every device in coverage joins (bootstrap token, CSR, Node, Lease) while the world is
 *    frozen; join rate and per-device join time;
 * 2. idle: 20 s frozen; bytes per second per device on its link (TLS included), lease renewals;
 * 3. move: the world runs; devices leave and enter coverage; an API probe writes and lists meanwhile;
 *    15 s in, the DaemonSet on every device is updated and its rollout followed to 99 % of the
 *    devices in range.
 * Measured: join rate, lease-renewal round trip p50/p99 (at the agents), hub CPU and RSS, API latency
 * vs the Kubernetes SLOs (mutating p99 ≤ 1 s, list p99 ≤ 5 s), out-of-range detection latency (link
 * cut → the hub's Ready=Unknown, seen through a watch), rollout time, bytes/s per idle device.
 * Figures go to stdout, bench/out/fleet.json, bench/out/fleet.svg and bench/RESULTS.md.
 */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/types.js';
import { KubeClient, ListWatcher } from '../src/client/index.js';
import { resolveHubAccess } from '../src/sim/hub-access.js';
import type { FleetEvent, FleetReport } from '../src/sim/protocol.js';
import { type RunningSim, startSim } from '../src/sim/supervisor.js';
import { type CpuProfile, sourceMapResolver, summarizeProfile } from './cpu-profile.js';
import { type HubProcess, startHubProcess } from './hub-process.js';
import { machineBusyCpuSeconds, machineInfo, sampleProcess } from './proc.js';
import { note, Progress } from './progress.js';
import { formatInt, formatMiB, formatMs, renderTable, type Summary, summarize } from './stats.js';
import { notePanel, type Series, svgDocument, xyPanel } from './svg.js';

export const description =
  'a simulated fleet (real agents) against one hub: joins, leases, API SLOs, out-of-range detection, rollout';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OUT_DIR = join(ROOT, 'bench', 'out');
const RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const MODULE = join(ROOT, 'examples', 'hello-http', 'build', 'hello-http.wasm');
const MUTATING_SLO_MS = 1000;
/** Kubernetes' SLO for lists across the whole cluster (all Nodes, all Pods); namespaced lists get 5 s. */
const CLUSTER_LIST_SLO_MS = 30_000;

class UsageError extends Error {
  override readonly name = 'UsageError';
}

interface Options {
  nodes: number[];
  processes?: number;
  scenario: string;
  leaseIntervalMs: number;
  positionIntervalMs: number;
  joinConcurrency: number;
  idleSeconds: number;
  moveSeconds: number;
  apiRate: number;
  shaping: boolean;
  profile: boolean;
  keepData: boolean;
  results: boolean;
  podsPerDevice: number;
  frozen: boolean;
}

export function help(): string {
  return [
    'usage: npm run bench -- fleet [flags]',
    '  --nodes N[,N…]         devices; several values run one after another, each with a fresh hub (default 200)',
    '  --processes P          fleet processes (default: one per 250 devices, at least 1)',
    '  --scenario NAME|FILE   the world (default city: vehicles passing roadside units)',
    '  --lease-interval MS    agent lease renewal interval in ms (default 2000; the lease lasts 4 of them)',
    '  --position-interval MS least time between position updates of a moving device (default 1000)',
    '  --join-concurrency C   agents joining at once per fleet process (default 16)',
    '  --idle-seconds S       frozen idle window for bytes/s and renewals (default 20)',
    '  --move-seconds S       moving window (default 60; the rollout starts 15 s in and is followed to the end)',
    '  --api-rate R           mutating API calls per second by the probe (default 10; plus 2 lists every 2 s)',
    '  --pods-per-device K    DaemonSets of WAGI handlers, so every device runs K pods (default 1)',
    '  --frozen               the world never moves: phase 3 runs the probe and the rollout on a still fleet',
    '  --shaped               links get latency/loss/bandwidth from distance (default: only up or down, so',
    "                         latencies are the hub's and the machine's, not the simulated radio's)",
    '  --profile              run the hub and fleet processes under node --cpu-prof; print where time goes',
    '  --keep-data            keep the hub data directories',
    '  --no-results           do not update bench/RESULTS.md',
  ].join('\n');
}

function parse(argv: string[]): Options {
  const o: Options = {
    nodes: [200],
    scenario: 'city',
    leaseIntervalMs: 2000,
    positionIntervalMs: 1000,
    joinConcurrency: 16,
    idleSeconds: 20,
    moveSeconds: 60,
    apiRate: 10,
    shaping: false,
    profile: false,
    keepData: false,
    results: true,
    podsPerDevice: 1,
    frozen: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const num = () => {
      const v = Number(value());
      if (!Number.isFinite(v) || v <= 0) throw new UsageError(`${flag} needs a positive number`);
      return v;
    };
    if (flag === '--nodes') {
      o.nodes = value()
        .split(',')
        .map((s) => Number(s.trim()));
      if (o.nodes.some((n) => !Number.isInteger(n) || n < 1))
        throw new UsageError('--nodes needs whole numbers ≥ 1, comma-separated');
    } else if (flag === '--processes') o.processes = Math.round(num());
    else if (flag === '--scenario') o.scenario = value();
    else if (flag === '--lease-interval') o.leaseIntervalMs = num();
    else if (flag === '--position-interval') o.positionIntervalMs = num();
    else if (flag === '--join-concurrency') o.joinConcurrency = Math.round(num());
    else if (flag === '--idle-seconds') o.idleSeconds = num();
    else if (flag === '--move-seconds') o.moveSeconds = num();
    else if (flag === '--api-rate') o.apiRate = num();
    else if (flag === '--shaped') o.shaping = true;
    else if (flag === '--pods-per-device') o.podsPerDevice = Math.round(num());
    else if (flag === '--frozen') o.frozen = true;
    else if (flag === '--profile') o.profile = true;
    else if (flag === '--keep-data') o.keepData = true;
    else if (flag === '--no-results') o.results = false;
    else throw new UsageError(`unknown flag ${flag}; see npm run bench -- fleet --help`);
  }
  return o;
}

// ---- one run ------------------------------------------------------------------------------------

interface Sample {
  /** Seconds since the fleet started. */
  t: number;
  inRange: number;
  online: number;
  hubReady: number;
  hubCpuPercent: number;
  hubRssBytes: number;
  fleetRssBytes: number;
}

interface Phase {
  name: string;
  fromS: number;
  toS: number;
  /** Monotonic µs (the clock of node --cpu-prof timestamps), to cut profiles at the phase boundaries. */
  fromUs: number;
  toUs: number;
  hubCpuSeconds: number;
  fleetCpuSeconds: number;
  machineCpuSeconds: number;
}

export interface RunResult {
  nodes: number;
  processes: number;
  command: string;
  joined: number;
  /** Devices in coverage when the fleet started (the ones expected to join in phase 1). */
  joinTarget: number;
  joinSeconds: number;
  joinRate: number;
  joinMs: Summary;
  renewalMs: { idle: Summary; moving: Summary };
  renewalsPerSecond: number;
  api: {
    mutating: Summary;
    listNodes: Summary;
    listPods: Summary;
    errors: number;
    errorKinds: Record<string, number>;
    /** The slowest calls: seconds after the rollout started (negative: before), ms, what. */
    slowest: [number, number, string][];
  };
  outOfRange: { detectMs: Summary; blips: number; falseMarks: number; backMs: Summary };
  rollout: { seconds: number; updated: number; inRange: number; reached: boolean };
  /** After the joins: every device's K daemon pods Ready (time from the last join). */
  pods: { perDevice: number; expected: number; ready: number; seconds: number; reached: boolean };
  frozen: boolean;
  idle: { bytesUpPerSecond: number; bytesDownPerSecond: number; devices: number };
  hub: { idleCpuPercent: number; movingCpuPercent: number; rssIdleBytes: number; rssPeakBytes: number };
  /** Event-loop delay of the fleet processes: the median over reports of each report's p99, and the worst. */
  fleet: { rssBytes: number; cpuPercent: number; loopDelayP99Ms: number; loopDelayMaxMs: number };
  /** Why agents lost the hub while moving (their own words, addresses left out), most frequent first. */
  offlineReasons: [string, number][];
  positionsPerSecond: number;
  phases: Phase[];
  samples: Sample[];
  cdfs: Record<string, number[]>;
  otherCpuPercent: number;
  profile?: string[];
}

interface NodeView {
  ready: string;
  /** Wall ms of the last change of Ready as seen by the watch. */
  since: number;
}

async function runOne(n: number, o: Options, progress: Progress): Promise<RunResult> {
  if (!existsSync(MODULE)) throw new UsageError(`${MODULE} is missing: run "npm run build"`);
  const processes = o.processes ?? Math.max(1, Math.ceil(n / 250));
  const dataDir = mkdtempSync(join(tmpdir(), 'minato-bench-fleet-'));
  const profileDir = o.profile ? join(OUT_DIR, `fleet-profile-${n}`) : undefined;
  if (profileDir) {
    rmSync(profileDir, { recursive: true, force: true });
    mkdirSync(profileDir, { recursive: true });
  }
  const hub: HubProcess = await startHubProcess({
    dataDir,
    // Tens of thousands of pods and devices outgrow Node's default heap limit (about 4 GiB).
    heapMiB: 12_288,
    ...(profileDir ? { cpuProfileDir: join(profileDir, 'hub') } : {}),
  });
  let sim: RunningSim | undefined;
  // Ctrl-C ends the run: the hub and every fleet process this run started (by PID), then the bench.
  const stopAll = () => {
    hub.killNow();
    for (const pid of sim?.pids ?? []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    console.error(`\nfleet ${n}: interrupted; the hub and the fleet processes are stopped`);
    process.exit(130);
  };
  process.once('SIGINT', stopAll);
  const api = new KubeClient({
    server: hub.url,
    caPem: hub.credentials.ca,
    certPem: hub.credentials.cert,
    keyPem: hub.credentials.key,
    timeoutMs: 60_000,
    userAgent: 'minato-bench-fleet',
  });
  const watchers: ListWatcher<KubeObject>[] = [];
  const timers: NodeJS.Timeout[] = [];
  let probe: ApiProbe | undefined;
  try {
    // The DaemonSets every device runs: the hello-http WAGI handler (a worker starts only per request).
    for (let i = 0; i < o.podsPerDevice; i++)
      await api.create('/apis/apps/v1/namespaces/default/daemonsets', daemonSet('1', i));
    await api.create('/api/v1/namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'bench-api' },
    });

    // What the hub says: Ready per node, the daemon pod per node.
    const nodes = new Map<string, NodeView>();
    const readyChanges: { name: string; ready: string; wall: number }[] = [];
    const onNode = (type: string, node: KubeObject) => {
      const name = node.metadata.name!;
      if (type === 'DELETED') {
        nodes.delete(name);
        return;
      }
      const ready =
        (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready')?.status ??
        'Unknown';
      const prev = nodes.get(name);
      if (prev?.ready !== ready) {
        nodes.set(name, { ready, since: Date.now() });
        readyChanges.push({ name, ready, wall: Date.now() });
      }
    };
    const pods = new Map<string, { app: string; node: string; hash: string; ready: boolean }>();
    const onPod = (type: string, pod: KubeObject) => {
      const key = pod.metadata.name!;
      if (type === 'DELETED') pods.delete(key);
      else
        pods.set(key, {
          app: pod.metadata.labels?.app ?? '',
          node: pod.spec?.nodeName ?? '',
          hash: pod.metadata.labels?.['controller-revision-hash'] ?? '',
          ready: (pod.status?.conditions ?? []).some(
            (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
          ),
        });
    };
    watchers.push(
      new ListWatcher<KubeObject>({
        client: api,
        path: '/api/v1/nodes',
        onSync: (items) => {
          for (const item of items) onNode('ADDED', item);
        },
        onEvent: (e) => {
          if (e.type !== 'BOOKMARK') onNode(e.type, e.object);
        },
      }),
      new ListWatcher<KubeObject>({
        client: api,
        path: '/api/v1/namespaces/default/pods',
        labelSelector: 'minato.dev/bench=fleet',
        onSync: (items) => {
          pods.clear();
          for (const item of items) onPod('ADDED', item);
        },
        onEvent: (e) => {
          if (e.type !== 'BOOKMARK') onPod(e.type, e.object);
        },
      }),
    );
    for (const w of watchers) w.start();

    // The fleet.
    const access = await resolveHubAccess({ dataDir });
    const events: FleetEvent[] = [];
    const renewals: { wall: number; ms: number }[] = [];
    let positions = 0;
    let latestStatus = {
      inRange: 0,
      online: 0,
      joined: 0,
      devices: 0,
      bytesUp: 0,
      bytesDown: 0,
      rssBytes: 0,
      cpuSeconds: 0,
    };
    const samples: Sample[] = [];
    let t0 = Date.now();
    let lastHubCpu = sampleProcess(hub.pid).cpuSeconds;
    let lastSampleAt = Date.now();
    let phaseLabel = 'starting';
    let simStarted = Date.now();
    const loopDelays: { wall: number; p99: number; max: number }[] = [];
    const onReport = (report: FleetReport, status: typeof latestStatus) => {
      latestStatus = status;
      loopDelays.push({ wall: report.wall, p99: report.loopDelayP99Ms, max: report.loopDelayMaxMs });
      for (const e of report.events) events.push(e);
      for (const ms of report.renewals) renewals.push({ wall: report.wall, ms });
      positions += report.positions;
    };
    const sampler = setInterval(() => {
      const now = Date.now();
      const p = sampleProcess(hub.pid);
      const cpuPercent = (100 * (p.cpuSeconds - lastHubCpu)) / ((now - lastSampleAt) / 1000);
      lastHubCpu = p.cpuSeconds;
      lastSampleAt = now;
      let hubReady = 0;
      for (const v of nodes.values()) if (v.ready === 'True') hubReady++;
      samples.push({
        t: (now - t0) / 1000,
        inRange: latestStatus.inRange,
        online: latestStatus.online,
        hubReady,
        hubCpuPercent: cpuPercent,
        hubRssBytes: p.rssBytes,
        fleetRssBytes: latestStatus.rssBytes,
      });
      progress.update(
        `fleet ${n}: ${phaseLabel} — ${latestStatus.joined} joined, ${latestStatus.online} online, ${latestStatus.inRange}/${n} in coverage, ` +
          `hub sees ${hubReady} Ready · hub ${cpuPercent.toFixed(0)}% CPU ${formatMiB(p.rssBytes)} · fleet ${formatMiB(latestStatus.rssBytes)}`,
      );
    }, 1000);
    timers.push(sampler);

    const phases: Phase[] = [];
    const monoUs = () => Number(process.hrtime.bigint() / 1000n);
    let phaseStart = { wall: Date.now(), us: monoUs(), hub: 0, fleet: 0, machine: 0 };
    const beginPhase = (name: string) => {
      phaseLabel = name;
      phaseStart = {
        wall: Date.now(),
        us: monoUs(),
        hub: sampleProcess(hub.pid).cpuSeconds,
        fleet: latestStatus.cpuSeconds,
        machine: machineBusyCpuSeconds(),
      };
    };
    const endPhase = (name: string) => {
      phases.push({
        name,
        fromS: (phaseStart.wall - t0) / 1000,
        toS: (Date.now() - t0) / 1000,
        fromUs: phaseStart.us,
        toUs: monoUs(),
        hubCpuSeconds: sampleProcess(hub.pid).cpuSeconds - phaseStart.hub,
        fleetCpuSeconds: latestStatus.cpuSeconds - phaseStart.fleet,
        machineCpuSeconds: machineBusyCpuSeconds() - phaseStart.machine,
      });
    };

    // 1. Join, frozen.
    beginPhase('joining');
    simStarted = Date.now();
    t0 = simStarted;
    sim = await startSim({
      scenario: o.scenario,
      nodes: n,
      speed: 1,
      hub: { host: access.host, port: access.port },
      join: { token: access.token, caCertHash: access.caCertHash },
      simDir: join(dataDir, 'sim'),
      agent: { leaseIntervalMs: o.leaseIntervalMs, localApi: false, tunnel: true },
      positionIntervalMs: o.positionIntervalMs,
      joinConcurrency: o.joinConcurrency,
      reportIntervalMs: 1000,
      linkShaping: o.shaping,
      startFrozen: true,
      processes,
      ...(profileDir ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', join(profileDir, 'fleet')] } : {}),
      onReport,
      onWorkerExit: (w, code, signal) =>
        note(`fleet process ${w} ended unexpectedly (code ${code}, signal ${signal})`),
    });
    const joinTarget = await waitFor(
      () => latestStatus.devices === n && latestStatus.inRange > 0,
      30_000,
    ).then(() => latestStatus.inRange);
    let lastProgress = Date.now();
    let lastJoined = 0;
    await waitFor(
      () => {
        if (latestStatus.joined !== lastJoined) {
          lastJoined = latestStatus.joined;
          lastProgress = Date.now();
        }
        return latestStatus.joined >= joinTarget || Date.now() - lastProgress > 30_000;
      },
      60_000 + n * 1000,
    );
    const joinEvents = events.filter(
      (e): e is Extract<FleetEvent, { type: 'joined' }> => e.type === 'joined',
    );
    const lastJoin = Math.max(...joinEvents.map((e) => e.wall), simStarted);
    const joinSeconds = (lastJoin - simStarted) / 1000;
    endPhase('join');
    progress.done(
      `fleet ${n}: ${joinEvents.length}/${joinTarget} devices in coverage joined in ${joinSeconds.toFixed(1)} s (${(joinEvents.length / joinSeconds).toFixed(1)}/s)`,
    );

    // 2. Pods: every joined device's K daemon pods Ready, as the hub reports them.
    beginPhase('pods');
    const podsFrom = Math.max(lastJoin, Date.now());
    const podCheck = {
      perDevice: o.podsPerDevice,
      expected: 0,
      ready: 0,
      seconds: Number.NaN,
      reached: false,
    };
    let podsProgressAt = Date.now();
    await waitFor(
      () => {
        let ready = 0;
        for (const p of pods.values()) if (p.ready) ready++;
        if (ready !== podCheck.ready) podsProgressAt = Date.now();
        podCheck.ready = ready;
        podCheck.expected = o.podsPerDevice * joinEvents.length;
        if (ready >= podCheck.expected) {
          podCheck.seconds = (Date.now() - podsFrom) / 1000;
          podCheck.reached = true;
          return true;
        }
        phaseLabel = `pods ${ready}/${podCheck.expected} Ready`;
        return Date.now() - podsProgressAt > 30_000;
      },
      600_000,
      200,
    );
    endPhase('pods');
    progress.done(
      podCheck.reached
        ? `fleet ${n}: ${podCheck.ready} pods Ready (${o.podsPerDevice} per device) ${podCheck.seconds.toFixed(1)} s after the last join`
        : `fleet ${n}: only ${podCheck.ready}/${podCheck.expected} pods Ready; no progress for 30 s`,
    );

    // 3. Idle, frozen: let the first link-quality and status writes settle, then count.
    // Long enough for the link-quality annotations devices publish once their RTT settles after the joins.
    beginPhase('settling');
    await sleep(20_000);
    beginPhase('idle');
    const idleFrom = Date.now();
    const bytes0 = { up: latestStatus.bytesUp, down: latestStatus.bytesDown, online: latestStatus.online };
    const hubRssIdle = sampleProcess(hub.pid).rssBytes;
    await sleep(o.idleSeconds * 1000);
    const idleTo = Date.now();
    const idleSeconds = (idleTo - idleFrom) / 1000;
    const onlineIdle = Math.max(1, Math.min(bytes0.online, latestStatus.online));
    const idle = {
      bytesUpPerSecond: (latestStatus.bytesUp - bytes0.up) / idleSeconds / onlineIdle,
      bytesDownPerSecond: (latestStatus.bytesDown - bytes0.down) / idleSeconds / onlineIdle,
      devices: onlineIdle,
    };
    endPhase('idle');
    progress.done(
      `fleet ${n}: idle ${idleSeconds.toFixed(0)} s: ${idle.bytesUpPerSecond.toFixed(0)} B/s up, ${idle.bytesDownPerSecond.toFixed(0)} B/s down per device`,
    );

    // 4. Moving (or, --frozen, still), with the API probe and, 15 s in, the rollout.
    beginPhase('moving');
    const moveFrom = Date.now();
    const positions0 = positions;
    if (!o.frozen) sim.freeze(false);
    probe = new ApiProbe(api, o.apiRate);
    probe.start();
    await sleep(15_000);
    const oldHashes = new Set([...pods.values()].filter((p) => p.app === 'bench-daemon').map((p) => p.hash));
    const rolloutStart = Date.now();
    const rolloutFromUs = monoUs();
    phaseLabel = 'moving, rolling out';
    await retry(() =>
      api.patch(
        '/apis/apps/v1/namespaces/default/daemonsets/bench-daemon',
        {
          spec: {
            template: { spec: { containers: [{ name: 'hello', env: [{ name: 'VERSION', value: '2' }] }] } },
          },
        },
        'strategic',
      ),
    );
    const rollout = { seconds: Number.NaN, updated: 0, inRange: 0, reached: false };
    const rolloutDeadline = Math.max(moveFrom + o.moveSeconds * 1000, rolloutStart + 180_000);
    await waitFor(
      () => {
        const inRange = [...nodes.entries()].filter(([, v]) => v.ready === 'True').map(([name]) => name);
        const updatedOn = new Set(
          [...pods.values()]
            .filter((p) => p.app === 'bench-daemon' && p.ready && !oldHashes.has(p.hash))
            .map((p) => p.node),
        );
        const updated = inRange.filter((name) => updatedOn.has(name)).length;
        rollout.updated = updated;
        rollout.inRange = inRange.length;
        if (inRange.length > 0 && updated / inRange.length >= 0.99) {
          rollout.seconds = (Date.now() - rolloutStart) / 1000;
          rollout.reached = true;
          return true;
        }
        return Date.now() > rolloutDeadline;
      },
      rolloutDeadline - Date.now() + 5_000,
      100,
    );
    progress.done(
      rollout.reached
        ? `fleet ${n}: DaemonSet rolled out to ${rollout.updated}/${rollout.inRange} devices in range in ${rollout.seconds.toFixed(1)} s`
        : `fleet ${n}: DaemonSet rollout reached ${rollout.updated}/${rollout.inRange} devices in range, not 99 %`,
    );
    const rest = moveFrom + o.moveSeconds * 1000 - Date.now();
    if (rest > 0) await sleep(rest);
    await probe.stop();
    const finishedProbe = probe;
    probe = undefined;
    const moveTo = Date.now();
    const positionsPerSecond = (positions - positions0) / ((moveTo - moveFrom) / 1000);
    endPhase('moving');
    phaseLabel = 'stopping';

    // Out of range: link cut (the world's coverage event) → the hub's Ready=Unknown.
    const outOfRange = detectionLatencies(events, readyChanges, moveFrom, moveTo - 15_000);

    const fleetStatus = latestStatus;
    await sim.stop();
    sim = undefined;
    for (const w of watchers) await w.stop();
    clearInterval(sampler);
    await hub.stop();
    // The rollout as a window of its own (inside "moving"), for the profile only.
    const rolloutWindow = {
      name: 'rollout',
      fromUs: rolloutFromUs,
      toUs: rolloutFromUs + (rollout.seconds || 30) * 1e6,
    };
    const profile = profileDir ? summarizeProfiles(profileDir, [...phases, rolloutWindow]) : undefined;

    const inWindow = (from: number, to: number) =>
      renewals.filter((r) => r.wall >= from && r.wall < to).map((r) => r.ms);
    const idleRenewals = inWindow(idleFrom, idleTo);
    const movingRenewals = inWindow(moveFrom, moveTo);
    const movingDelays = loopDelays.filter((d) => d.wall >= moveFrom && d.wall < moveTo);
    const idlePhase = phases.find((p) => p.name === 'idle')!;
    const movingPhase = phases.find((p) => p.name === 'moving')!;
    const pct = (cpu: number, p: Phase) => (100 * cpu) / (p.toS - p.fromS);
    const other = phases.reduce(
      (s, p) => s + Math.max(0, p.machineCpuSeconds - p.hubCpuSeconds - p.fleetCpuSeconds),
      0,
    );
    const wall = phases.reduce((s, p) => s + (p.toS - p.fromS), 0);
    const joinMs = joinEvents.map((e) => e.ms);
    return {
      nodes: n,
      processes,
      command: `npm run bench -- fleet --nodes ${n}${o.podsPerDevice > 1 ? ` --pods-per-device ${o.podsPerDevice}` : ''}${o.frozen ? ' --frozen' : ''}`,
      joined: joinEvents.length,
      joinTarget,
      joinSeconds,
      joinRate: joinEvents.length / joinSeconds,
      joinMs: summarize(joinMs),
      renewalMs: { idle: summarize(idleRenewals), moving: summarize(movingRenewals) },
      renewalsPerSecond: idleRenewals.length / idleSeconds,
      api: finishedProbe.result(rolloutStart),
      outOfRange,
      rollout,
      pods: podCheck,
      frozen: o.frozen,
      idle,
      hub: {
        idleCpuPercent: pct(idlePhase.hubCpuSeconds, idlePhase),
        movingCpuPercent: pct(movingPhase.hubCpuSeconds, movingPhase),
        rssIdleBytes: hubRssIdle,
        rssPeakBytes: Math.max(...samples.map((s) => s.hubRssBytes)),
      },
      fleet: {
        rssBytes: fleetStatus.rssBytes,
        cpuPercent: pct(movingPhase.fleetCpuSeconds, movingPhase),
        loopDelayP99Ms: median(movingDelays.map((d) => d.p99)),
        loopDelayMaxMs: Math.max(0, ...movingDelays.map((d) => d.max)),
      },
      offlineReasons: countReasons(events, moveFrom, moveTo),
      positionsPerSecond,
      phases,
      samples,
      cdfs: {
        'lease renewal (moving)': sortedCopy(movingRenewals),
        'mutating API call': sortedCopy(finishedProbe.mutating),
        'list nodes': sortedCopy(finishedProbe.listNodes),
        'out-of-range detection': sortedCopy(outOfRange.samples),
      },
      otherCpuPercent: (100 * other) / wall,
      ...(profile ? { profile } : {}),
    };
  } finally {
    await probe?.stop();
    process.off('SIGINT', stopAll);
    for (const t of timers) clearInterval(t);
    for (const w of watchers) await w.stop().catch(() => undefined);
    if (sim) await sim.stop().catch(() => undefined);
    api.close();
    if (hub.alive()) await hub.stop();
    if (!o.keepData) rmSync(dataDir, { recursive: true, force: true });
    else note(`kept ${dataDir}`);
  }
}

/** DaemonSet `index`: 0 is `bench-daemon` (the one rolled out), others `bench-app-N`, each on its own port. */
function daemonSet(version: string, index: number): KubeObject {
  const name = index === 0 ? 'bench-daemon' : `bench-app-${index}`;
  const port = 8080 + index;
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%' } },
      template: {
        metadata: {
          labels: { app: name, 'minato.dev/bench': 'fleet' },
          annotations: { 'minato.dev/runtime': 'wagi' },
        },
        spec: {
          containers: [
            {
              name: 'hello',
              image: MODULE,
              ports: [{ containerPort: port, hostPort: port }],
              env: [{ name: 'VERSION', value: version }],
            },
          ],
        },
      },
    },
  };
}

/**
 * For each device that left coverage while the hub had it Ready: the time until the hub marked it
 * Ready=Unknown, unless it came back first (a blip shorter than the lease, rightly not marked). And
 * for each that came back while marked: the time until it was Ready again (includes the agent's
 * reconnect backoff).
 */
function detectionLatencies(
  events: FleetEvent[],
  changes: { name: string; ready: string; wall: number }[],
  from: number,
  to: number,
): RunResult['outOfRange'] & { samples: number[] } {
  const coverage = events
    .filter((e): e is Extract<FleetEvent, { type: 'coverage' }> => e.type === 'coverage' && !e.initial)
    .sort((a, b) => a.wall - b.wall);
  const byNode = new Map<string, { ready: string; wall: number }[]>();
  for (const c of changes) {
    const list = byNode.get(c.name) ?? [];
    list.push(c);
    byNode.set(c.name, list);
  }
  const readyAt = (name: string, wall: number) => {
    let state = 'Unknown';
    for (const c of byNode.get(name) ?? []) {
      if (c.wall > wall) break;
      state = c.ready;
    }
    return state;
  };
  const detect: number[] = [];
  const back: number[] = [];
  let blips = 0;
  let falseMarks = 0;
  for (const [i, e] of coverage.entries()) {
    if (e.wall < from || e.wall > to) continue;
    const next = coverage.slice(i + 1).find((c) => c.device === e.device);
    const until = next?.wall ?? Number.POSITIVE_INFINITY;
    const mark = (byNode.get(e.device) ?? []).find((c) => c.wall > e.wall);
    if (!e.up) {
      if (readyAt(e.device, e.wall) !== 'True') continue;
      if (mark && mark.ready !== 'True' && mark.wall <= until) detect.push(mark.wall - e.wall);
      else if (next) blips++;
    } else if (readyAt(e.device, e.wall) !== 'True') {
      if (mark?.ready === 'True' && mark.wall <= until) back.push(mark.wall - e.wall);
    } else if (mark && mark.ready !== 'True' && mark.wall <= until && mark.wall - e.wall > 30_000)
      falseMarks++;
  }
  return { detectMs: summarize(detect), blips, falseMarks, backMs: summarize(back), samples: detect };
}

/** Writes at `rate`/s (create, patch, delete a ConfigMap in turn) and lists nodes and pods every 2 s. */
class ApiProbe {
  readonly mutating: number[] = [];
  readonly listNodes: number[] = [];
  readonly listPods: number[] = [];
  /** [wall ms, latency ms, what] of every call, to see when the slow ones happened. */
  readonly log: [number, number, string][] = [];
  readonly errorKinds = new Map<string, number>();
  private errors = 0;
  private running = false;
  private readonly pending = new Set<Promise<void>>();
  private timers: NodeJS.Timeout[] = [];
  private readonly listing = new Set<string>();
  private readonly continueTokens = new Map<string, string>();
  skippedLists = 0;

  constructor(
    private readonly api: KubeClient,
    private readonly rate: number,
  ) {}

  start(): void {
    this.running = true;
    let i = 0;
    const path = '/api/v1/namespaces/bench-api/configmaps';
    // Each chain creates, patches and deletes one ConfigMap, one call after the other.
    this.timers.push(
      setInterval(() => {
        if (this.pending.size > 32) return;
        const name = `probe-${i++}`;
        const chain = (async () => {
          await this.track(
            this.mutating,
            () =>
              this.api.create(path, {
                apiVersion: 'v1',
                kind: 'ConfigMap',
                metadata: { name },
                data: { k: '0' },
              }),
            'create',
          );
          await this.track(
            this.mutating,
            () => this.api.patch(`${path}/${name}`, { data: { k: '1' } }, 'merge'),
            'patch',
          );
          await this.track(this.mutating, () => this.api.delete(`${path}/${name}`), 'delete');
        })();
        const done: Promise<void> = chain.finally(() => this.pending.delete(done));
        this.pending.add(done);
      }, 3000 / this.rate),
      setInterval(() => {
        this.pageThrough('nodes', this.listNodes);
        this.pageThrough('pods', this.listPods);
      }, 2000),
    );
  }

  /**
   * One page (500 items, as kubectl asks) of every Node or every Pod per tick, the next tick going on
   * from the continue token, so the whole collection is walked as `kubectl get -A` does. A tick whose
   * previous page is still being served is skipped: a client waits for its answer, and piling up
   * lists would measure the probe's own backlog, not the hub.
   */
  private pageThrough(resource: 'nodes' | 'pods', into: number[]): void {
    if (this.listing.has(resource)) {
      this.skippedLists++;
      return;
    }
    this.listing.add(resource);
    const token = this.continueTokens.get(resource);
    const query = token ? `&continue=${encodeURIComponent(token)}` : '';
    const page = this.track(
      into,
      async () => {
        const reply = await this.api.raw('GET', `/api/v1/${resource}?limit=500${query}`);
        if (reply.status === 410)
          this.continueTokens.delete(resource); // expired: start over
        else if (reply.status !== 200) throw new Error(`HTTP ${reply.status}: ${reply.body.slice(0, 120)}`);
        else {
          const next = (JSON.parse(reply.body) as { metadata?: { continue?: string } }).metadata?.continue;
          if (next) this.continueTokens.set(resource, next);
          else this.continueTokens.delete(resource);
        }
      },
      `list ${resource}`,
    );
    const done: Promise<void> = page.finally(() => {
      this.listing.delete(resource);
      this.pending.delete(done);
    });
    this.pending.add(done);
  }

  private async track(into: number[], call: () => Promise<unknown>, what: string): Promise<void> {
    if (!this.running) return;
    const started = performance.now();
    const wall = Date.now();
    try {
      await call();
      const ms = performance.now() - started;
      into.push(ms);
      this.log.push([wall, ms, what]);
    } catch (err) {
      const e = err as Error & { code?: number };
      this.errors++;
      const kind = `${what}: ${e.code ?? ''} ${e.message.slice(0, 80)}`;
      this.errorKinds.set(kind, (this.errorKinds.get(kind) ?? 0) + 1);
    }
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers) clearInterval(t);
    await Promise.all(this.pending);
  }

  result(rolloutStart: number): RunResult['api'] {
    return {
      mutating: summarize(this.mutating),
      listNodes: summarize(this.listNodes),
      listPods: summarize(this.listPods),
      errors: this.errors,
      errorKinds: Object.fromEntries(this.errorKinds),
      slowest: [...this.log]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([wall, ms, what]) => [Math.round((wall - rolloutStart) / 100) / 10, Math.round(ms), what]),
    };
  }
}

function summarizeProfiles(dir: string, phases: { name: string; fromUs: number; toUs: number }[]): string[] {
  const lines: string[] = [];
  const resolver = sourceMapResolver(ROOT);
  for (const who of ['hub', 'fleet']) {
    const sub = join(dir, who);
    if (!existsSync(sub)) continue;
    for (const file of readdirSync(sub).filter((f) => f.endsWith('.cpuprofile'))) {
      const profile = JSON.parse(readFileSync(join(sub, file), 'utf8')) as CpuProfile;
      const pid = file.split('.')[2] ?? '';
      const windows = phases.map((p) => ({
        label: `${who} (pid ${pid}), ${p.name}`,
        fromUs: p.fromUs,
        toUs: p.toUs,
      }));
      for (const s of summarizeProfile(profile, windows, resolver, 14)) {
        lines.push(`${s.label}: busy ${(s.busyMs / 1000).toFixed(1)} s of ${(s.wallMs / 1000).toFixed(1)} s`);
        lines.push('  self time:');
        for (const f of s.self) lines.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
        lines.push('  including callees (Minato code):');
        for (const f of s.inclusive.filter((x) => /src\//.test(x.name)).slice(0, 14))
          lines.push(`    ${f.percent.toFixed(1).padStart(5)}%  ${f.name}`);
      }
    }
  }
  return lines;
}

// ---- helpers ------------------------------------------------------------------------------------

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** The benchmark's own one-off calls survive a hub that is briefly overwhelmed (3 tries). */
async function retry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (attempt >= 3) throw err;
      note(`retrying after: ${(err as Error).message}`);
      await sleep(2000);
    }
  }
}

async function waitFor(check: () => boolean, timeoutMs: number, everyMs = 250): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (check()) return true;
    if (Date.now() > end) return false;
    await sleep(everyMs);
  }
}

function median(values: number[]): number {
  return values.length === 0 ? Number.NaN : summarize(values).p50;
}

function countReasons(events: FleetEvent[], from: number, to: number): [string, number][] {
  const counts = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'offline' || e.wall < from || e.wall > to) continue;
    const reason = e.reason.replace(/https:\/\/[^ :]+:\d+/g, 'the hub').replace(/\d+ ms/g, 'N ms');
    counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1]).slice(0, 6);
}

function sortedCopy(values: number[]): number[] {
  return Float64Array.from(values)
    .sort()
    .reduce<number[]>((a, v) => {
      a.push(v);
      return a;
    }, []);
}

// ---- report -------------------------------------------------------------------------------------

const fmtP = (s: Summary) => `${formatMs(s.p50)} / ${formatMs(s.p99)}`;
const slo = (p99: number, limit: number) => (Number.isNaN(p99) ? '–' : p99 <= limit ? 'met' : 'MISSED');

function table(results: RunResult[]): string[][] {
  const head = ['', ...results.map((r) => `${formatInt(r.nodes)} devices`)];
  const row = (label: string, f: (r: RunResult) => string) => [label, ...results.map(f)];
  return [
    head,
    row('fleet processes', (r) => String(r.processes)),
    row('joined / in coverage at start', (r) => `${r.joined} / ${r.joinTarget}`),
    row('join rate', (r) => `${r.joinRate.toFixed(1)}/s`),
    row('join time p50 / p99', (r) => fmtP(r.joinMs)),
    row('pods per device: all Ready after the last join', (r) =>
      r.pods.reached
        ? `${r.pods.perDevice}: ${r.pods.seconds.toFixed(1)} s (${formatInt(r.pods.ready)} pods)`
        : `${r.pods.perDevice}: not reached (${formatInt(r.pods.ready)}/${formatInt(r.pods.expected)})`,
    ),
    row('lease renewals/s (idle)', (r) => r.renewalsPerSecond.toFixed(0)),
    // Devices renew every 2 s unless the hub paces a large fleet slower: measured, not configured.
    row('renewal interval per device (idle)', (r) => `${(r.joined / r.renewalsPerSecond).toFixed(1)} s`),
    row('lease renewal p50 / p99, idle', (r) => fmtP(r.renewalMs.idle)),
    row('lease renewal p50 / p99, moving', (r) => fmtP(r.renewalMs.moving)),
    row(
      'mutating API p50 / p99 (SLO 1 s)',
      (r) => `${fmtP(r.api.mutating)} ${slo(r.api.mutating.p99, MUTATING_SLO_MS)}`,
    ),
    row(
      'list nodes, 500 a page, p50 / p99 (SLO 30 s)',
      (r) => `${fmtP(r.api.listNodes)} ${slo(r.api.listNodes.p99, CLUSTER_LIST_SLO_MS)}`,
    ),
    row(
      'list pods, 500 a page, p50 / p99 (SLO 30 s)',
      (r) => `${fmtP(r.api.listPods)} ${slo(r.api.listPods.p99, CLUSTER_LIST_SLO_MS)}`,
    ),
    row('API probe errors', (r) => String(r.api.errors)),
    row(
      'out-of-range detection p50 / p99',
      (r) => `${fmtP(r.outOfRange.detectMs)} (n=${r.outOfRange.detectMs.n})`,
    ),
    row('blips not marked / false marks', (r) => `${r.outOfRange.blips} / ${r.outOfRange.falseMarks}`),
    row(
      'back in range → Ready p50 / p99',
      (r) => `${fmtP(r.outOfRange.backMs)} (n=${r.outOfRange.backMs.n})`,
    ),
    row('DaemonSet update → 99 % of in-range', (r) =>
      r.rollout.reached
        ? `${r.rollout.seconds.toFixed(1)} s (${r.rollout.updated}/${r.rollout.inRange})`
        : `not reached (${r.rollout.updated}/${r.rollout.inRange})`,
    ),
    row(
      'bytes/s per idle device, up / down',
      (r) => `${r.idle.bytesUpPerSecond.toFixed(0)} / ${r.idle.bytesDownPerSecond.toFixed(0)}`,
    ),
    row('position updates/s (moving)', (r) => r.positionsPerSecond.toFixed(0)),
    row(
      'hub CPU idle / moving',
      (r) => `${r.hub.idleCpuPercent.toFixed(0)}% / ${r.hub.movingCpuPercent.toFixed(0)}%`,
    ),
    row('hub RSS idle / peak', (r) => `${formatMiB(r.hub.rssIdleBytes)} / ${formatMiB(r.hub.rssPeakBytes)}`),
    row(
      'fleet CPU (moving) / RSS',
      (r) => `${r.fleet.cpuPercent.toFixed(0)}% / ${formatMiB(r.fleet.rssBytes)}`,
    ),
    row(
      'fleet event-loop delay p99 (median) / max',
      (r) => `${formatMs(r.fleet.loopDelayP99Ms)} / ${formatMs(r.fleet.loopDelayMaxMs)}`,
    ),
    row('agents losing the hub while moving', (r) => {
      const timeouts = r.offlineReasons.filter(([w]) => /timed out/.test(w)).reduce((n, [, c]) => n + c, 0);
      const all = r.offlineReasons.reduce((n, [, c]) => n + c, 0);
      return `${all} (${timeouts} timeouts)`;
    }),
    row('other processes on the machine', (r) => `${r.otherCpuPercent.toFixed(0)}% of a core`),
  ];
}

function svg(results: RunResult[]): string {
  const last = results[results.length - 1]!;
  const panels = [];
  const series: Series[] = [
    { label: 'in coverage (the world)', points: last.samples.map((s) => [s.t, s.inRange]) },
    { label: 'agents online', points: last.samples.map((s) => [s.t, s.online]) },
    { label: 'Ready at the hub', points: last.samples.map((s) => [s.t, s.hubReady]) },
  ];
  panels.push(
    xyPanel({
      title: `${last.nodes} simulated devices: in coverage, online, and Ready as the hub sees it`,
      series,
      xLabel: 'seconds since the fleet started',
      yLabel: 'devices',
      formatX: (v) => `${v}`,
      formatY: (v) => formatInt(v),
      markersX: last.phases.map((p) => ({ value: p.fromS, label: p.name })),
    }),
    xyPanel({
      title: 'hub CPU (% of one core)',
      series: [{ label: 'hub CPU', points: last.samples.map((s) => [s.t, s.hubCpuPercent]) }],
      xLabel: 'seconds since the fleet started',
      formatX: (v) => `${v}`,
      formatY: (v) => `${v}%`,
    }),
  );
  const cdf = (values: number[]): [number, number][] =>
    values
      .map((v, i) => [Math.max(v, 0.1), (i + 1) / values.length] as [number, number])
      .filter((_, i, a) => a.length < 400 || i % Math.ceil(a.length / 400) === 0 || i === a.length - 1);
  panels.push(
    xyPanel({
      title: `latency distributions at ${last.nodes} devices (CDF)`,
      series: Object.entries(last.cdfs).map(([label, values]) => ({
        label: `${label} (n=${values.length})`,
        points: cdf(values),
      })),
      xLabel: 'milliseconds (log scale)',
      formatX: (v) => formatMs(v),
      formatY: (v) => `${Math.round(v * 100)}%`,
      logX: true,
      yMax: 1,
      guidesY: [
        { value: 0.5, label: 'p50' },
        { value: 0.99, label: 'p99' },
      ],
    }),
  );
  if (results.length > 1) {
    panels.push(
      xyPanel({
        title: 'as the fleet grows: p99 latencies',
        series: [
          {
            label: 'lease renewal p99 (moving)',
            points: results.map((r) => [r.nodes, r.renewalMs.moving.p99]),
          },
          { label: 'mutating API p99', points: results.map((r) => [r.nodes, r.api.mutating.p99]) },
          { label: 'list nodes p99', points: results.map((r) => [r.nodes, r.api.listNodes.p99]) },
          {
            label: 'out-of-range detection p99',
            points: results.map((r) => [r.nodes, r.outOfRange.detectMs.p99]),
          },
        ],
        xLabel: 'devices',
        formatX: (v) => formatInt(v),
        formatY: (v) => formatMs(v),
      }),
    );
  }
  panels.push(
    notePanel([
      `Each run: a fresh hub process, devices in ${last.processes} fleet process(es) on the same 2-core machine; phases: join (world frozen), idle, moving (API probe; DaemonSet update 15 s in). Every figure: bench/out/fleet.json.`,
    ]),
  );
  return svgDocument(
    'Minato fleet benchmark',
    `npm run bench -- fleet --nodes ${results.map((r) => r.nodes).join(',')}`,
    panels,
  );
}

/** Each kind of run (moving or still, pods per device) keeps its own generated block in RESULTS.md. */
function markers(o: Options): { begin: string; end: string } {
  const variant = [o.frozen ? 'still' : '', o.podsPerDevice > 1 ? `${o.podsPerDevice} pods per device` : '']
    .filter(Boolean)
    .join(', ');
  const tag = variant ? `fleet (${variant})` : 'fleet';
  return {
    begin: `<!-- ${tag}: generated by npm run bench -- fleet; the text after the end marker is kept -->`,
    end: `<!-- ${tag}: end of generated figures -->`,
  };
}

function writeResults(results: RunResult[], o: Options, command: string, wallSeconds: number): void {
  const m = machineInfo();
  const { begin: BEGIN, end: END } = markers(o);
  const rows = table(results);
  const widths = rows[0]!.map((_, i) => Math.max(3, ...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => `| ${row.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const generated = [
    BEGIN,
    '',
    `Command: \`${command}\` (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${Math.round(wallSeconds / 60)} min; ${m.cpus} CPUs, ${m.cpuModel}; Node ${m.node}). ` +
      `Scenario ${o.scenario}; lease interval ${o.leaseIntervalMs} ms; position updates at most every ${o.positionIntervalMs} ms per moving device; ` +
      `${o.joinConcurrency} joins at once per fleet process; idle window ${o.idleSeconds} s, moving ${o.moveSeconds} s; API probe ${o.apiRate} mutating calls/s and, every 2 s, one page (500) of all Nodes and one of all Pods, walking each collection like kubectl; ` +
      `${o.podsPerDevice} DaemonSet(s), so ${o.podsPerDevice} pod(s) per device; the first rolled out with maxUnavailable 25 %; links ${o.shaping ? 'shaped by distance' : 'only up or down (no simulated latency)'}.` +
      (o.frozen
        ? ' World frozen throughout (--frozen): the "moving" rows are the third phase, probe and rollout on a still fleet.'
        : ''),
    '',
    [line(rows[0]!), line(widths.map((w) => '-'.repeat(w))), ...rows.slice(1).map(line)].join('\n'),
    '',
    END,
  ].join('\n');
  let text = existsSync(RESULTS)
    ? readFileSync(RESULTS, 'utf8')
    : '# Benchmark results\n\nFigures recorded by `npm run bench -- NAME`, one section per benchmark.\n\n';
  const start = text.search(/^## fleet\s*$/m);
  if (start < 0) {
    text = `${text.trimEnd()}\n\n## fleet\n\n${generated}\n`;
  } else {
    const b = text.indexOf(BEGIN, start);
    const e = text.indexOf(END, start);
    if (b >= 0 && e > b) text = text.slice(0, b) + generated + text.slice(e + END.length);
    else {
      // A new kind of run goes after the last generated block of the section.
      const lastEnd = text.lastIndexOf('end of generated figures -->');
      const at = lastEnd > start ? text.indexOf('\n', lastEnd) + 1 : text.indexOf('\n', start) + 1;
      text = `${text.slice(0, at)}\n${generated}\n${text.slice(at)}`;
    }
  }
  writeFileSync(RESULTS, text);
}

export async function run(argv: string[]): Promise<void> {
  const o = parse(argv);
  const progress = new Progress();
  const started = Date.now();
  const results: RunResult[] = [];
  for (const n of o.nodes) {
    const r = await runOne(n, o, progress);
    results.push(r);
    console.log(`\nfleet, ${n} devices:`);
    console.log(renderTable(table([r]).slice(1)));
    console.log(
      `  slowest API calls (s after the rollout started, ms, call): ${r.api.slowest.map((x) => x.join(' ')).join(' · ')}`,
    );
    if (r.api.errors > 0) console.log(`  API probe errors: ${JSON.stringify(r.api.errorKinds)}`);
    if (r.offlineReasons.length > 0)
      console.log(`  why agents went offline: ${r.offlineReasons.map(([w, n]) => `${n}× ${w}`).join(' · ')}`);
    if (r.profile) console.log(`\nwhere the time went (node --cpu-prof):\n${r.profile.join('\n')}`);
  }
  if (results.length > 1) {
    console.log('\nfleet, all sizes:');
    console.log(renderTable(table(results)));
  }
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(
    join(OUT_DIR, 'fleet.json'),
    `${JSON.stringify({ options: o, machine: machineInfo(), results }, null, 1)}\n`,
  );
  writeFileSync(join(OUT_DIR, 'fleet.svg'), svg(results));
  const command = `npm run bench -- fleet ${argv.join(' ')}`.trim();
  if (o.results) writeResults(results, o, command, (Date.now() - started) / 1000);
  console.log(
    `\nfigures: bench/out/fleet.json, picture: bench/out/fleet.svg${o.results ? ', summary: bench/RESULTS.md (fleet)' : ''}`,
  );
}
