/**
 * The devices one process runs: for each, a radio link (a TCP proxy shaped by the world) and the
 * real agent (`runAgent`: join, lease, watches, pod sync, the Wasm runtime) talking to the hub only
 * through that link. A clock loop advances the world, reshapes the links, starts an agent when its
 * device first comes into range, and publishes positions over the device's own link.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type RunningAgent, runAgent } from '../agent/agent.js';
import { ModuleCache, WasmRuntime } from '../agent/runtimes/index.js';
import type { FleetConfig, FleetEvent, FleetReport } from './protocol.js';
import { PERFECT_LINK, RadioLink } from './radio-link.js';
import { devicesOf, loadScenario } from './scenario.js';
import { World, type WorldDevice } from './world.js';

export const POSITION_ANNOTATION = 'minato.dev/position';
export const SIMULATED_LABEL = 'minato.dev/simulated';
export const SIM_GROUP_LABEL = 'minato.dev/sim-group';

const TICK_MS = 100;
const RETRY_JOIN_MS = 5_000;

function isLoopback(host: string): boolean {
  return host === 'localhost' || host.startsWith('127.');
}

/** A device's own loopback address (127.100.x.y): its InternalIP, where its HTTP handlers listen. */
export function deviceAddress(index: number): string {
  return `127.100.${Math.floor(index / 250) % 256}.${(index % 250) + 1}`;
}

type AgentState = 'waiting' | 'starting' | 'running' | 'retrying' | 'stopped';

class SimDevice {
  state: AgentState = 'waiting';
  agent: RunningAgent | undefined;
  online = false;
  joined = false;
  startedAt = 0;
  retryAt = 0;
  runtime: WasmRuntime | undefined;
  lastPosition: [number, number] | undefined;
  nextPositionAt = 0;
  publishing = false;

  constructor(
    readonly world: WorldDevice,
    readonly link: RadioLink,
    readonly address: string,
    readonly dataDir: string,
  ) {}
}

export class Fleet {
  private world!: World;
  private readonly devices: SimDevice[] = [];
  private readonly cache = new ModuleCache();
  private timer: NodeJS.Timeout | undefined;
  private reportTimer: NodeJS.Timeout | undefined;
  private simTime = 0;
  private lastTick = 0;
  private frozen = false;
  private joining = 0;
  private stopping: Promise<void> | undefined;
  private events: FleetEvent[] = [];
  private renewals: number[] = [];
  private positions = 0;
  private positionFailures = 0;
  private logStream: WriteStream | undefined;
  private threshold = 1;
  private readonly loopDelay = monitorEventLoopDelay({ resolution: 20 });

  constructor(
    private readonly config: FleetConfig,
    private readonly report: (report: FleetReport) => void,
  ) {}

  get size(): number {
    return this.devices.length;
  }

  async start(): Promise<void> {
    const c = this.config;
    const scenario = loadScenario(c.scenario);
    const all = devicesOf(scenario, c.nodes);
    const only = c.devices ? new Set(c.devices) : undefined;
    this.world = new World(scenario, { seed: c.seed, nodes: c.nodes, only });
    // "Moved meaningfully": 0.2 % of the map's diagonal, at least half a metre.
    this.threshold = Math.max(0.5, 0.002 * Math.hypot(scenario.area.width, scenario.area.height));
    await mkdir(join(c.simDir, 'logs'), { recursive: true });
    this.logStream = createWriteStream(join(c.simDir, 'logs', `fleet-${c.worker}.log`), { flags: 'a' });
    this.logStream.on('error', () => {});
    const indexOf = new Map(all.map((d, i) => [d.name, i]));
    for (const wd of this.world.devices) {
      const address = deviceAddress(indexOf.get(wd.name) ?? 0);
      const link = new RadioLink({
        target: c.hub,
        // Loopback hubs only: a device's 127.100.x.y address cannot reach anything else.
        ...(isLoopback(c.hub.host) ? { localAddress: address } : {}),
        seed: (this.world.seed ^ (indexOf.get(wd.name) ?? 0)) >>> 0,
      });
      await link.start();
      this.devices.push(new SimDevice(wd, link, address, join(c.simDir, 'devices', wd.name)));
    }
    this.frozen = Boolean(c.startFrozen);
    this.simTime = this.frozen ? 0 : Math.max(0, ((Date.now() - c.startedAt) / 1000) * c.speed);
    this.world.advanceTo(this.simTime);
    for (const d of this.devices) {
      this.shape(d);
      this.event({
        type: 'coverage',
        device: d.world.name,
        up: d.world.link.up,
        t: this.world.time,
        wall: Date.now(),
        station: d.world.link.station,
        initial: true,
      });
    }
    this.lastTick = Date.now();
    this.loopDelay.enable();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.reportTimer = setInterval(() => this.flushReport(), c.reportIntervalMs);
    this.tick();
  }

  /** Stops (or restarts) simulated time: nothing moves while frozen, links stay as they are. */
  freeze(frozen: boolean): void {
    this.frozen = frozen;
  }

  async stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.timer) clearInterval(this.timer);
      if (this.reportTimer) clearInterval(this.reportTimer);
      this.loopDelay.disable();
      // Agents first (they stop their pods and save state), then the links.
      const running = this.devices.filter((d) => d.agent);
      await pool(running, 32, async (d) => {
        d.state = 'stopped';
        await d.agent!.stop().catch((err: Error) => this.log(d, `stop failed: ${err.message}`));
        await d.runtime?.close().catch(() => undefined);
      });
      for (const d of this.devices) d.state = 'stopped';
      await Promise.all(this.devices.map((d) => d.link.close()));
      this.flushReport();
      await new Promise<void>((r) => (this.logStream ? this.logStream.end(() => r()) : r()));
    })();
    return this.stopping;
  }

  private tick(): void {
    if (this.stopping) return;
    const now = Date.now();
    if (!this.frozen) this.simTime += ((now - this.lastTick) / 1000) * this.config.speed;
    this.lastTick = now;
    for (const change of this.world.advanceTo(this.simTime)) {
      this.event({
        type: 'coverage',
        device: change.device,
        up: change.up,
        t: change.t,
        wall: now,
        station: change.station,
      });
    }
    for (const d of this.devices) {
      this.shape(d);
      if (d.world.link.up) this.maybeStart(d, now);
      this.maybePublish(d, now);
    }
  }

  private shape(d: SimDevice): void {
    const l = d.world.link;
    const cameBack = l.up && !d.link.shape.up;
    if (this.config.linkShaping === false) {
      if (d.link.shape.up !== l.up) d.link.set({ ...PERFECT_LINK, up: l.up });
    } else {
      d.link.set({
        up: l.up,
        latencyMs: l.latencyMs,
        loss: l.loss,
        bandwidthBytesPerSecond: l.bandwidthBytesPerSecond,
      });
    }
    // A real modem reports coverage to its device; the agent then retries at once.
    if (cameBack) d.agent?.networkChanged();
  }

  private maybeStart(d: SimDevice, now: number): void {
    if (d.state === 'retrying' && now >= d.retryAt) d.state = 'waiting';
    if (d.state !== 'waiting' || this.joining >= this.config.joinConcurrency) return;
    d.state = 'starting';
    this.joining++;
    d.startedAt = now;
    void this.startAgent(d).finally(() => {
      this.joining--;
    });
  }

  private async startAgent(d: SimDevice): Promise<void> {
    const c = this.config;
    const spec = d.world.spec;
    d.runtime ??= new WasmRuntime({
      cache: this.cache,
      spareWorkers: 0,
      http: { host: d.address, minIdleWorkers: 0 },
    });
    try {
      const agent = await runAgent({
        server: d.link.url,
        token: c.join.token,
        caCertHash: c.join.caCertHash,
        nodeName: spec.name,
        dataDir: d.dataDir,
        labels: { ...spec.group.labels, [SIMULATED_LABEL]: 'true', [SIM_GROUP_LABEL]: spec.group.name },
        deviceClass: spec.group.class,
        leaseIntervalMs: c.agent.leaseIntervalMs,
        localApi: c.agent.localApi ? `${d.address}:10250` : 'off',
        nodeIP: d.address,
        tunnel: c.agent.tunnel,
        watchNetwork: false,
        runtimes: { wasm: d.runtime },
        log: (line) => this.log(d, line),
        observer: {
          online: (downForMs) => {
            d.online = true;
            const wall = Date.now();
            if (!d.joined) {
              d.joined = true;
              this.event({ type: 'joined', device: spec.name, ms: wall - d.startedAt, wall });
            } else this.event({ type: 'online', device: spec.name, wall, downForMs });
            d.nextPositionAt = 0;
          },
          offline: (reason) => {
            d.online = false;
            this.event({ type: 'offline', device: spec.name, wall: Date.now(), reason });
          },
          leaseRenewed: (rttMs) => {
            this.renewals.push(rttMs);
          },
        },
      });
      if (this.stopping) {
        await agent.stop();
        return;
      }
      d.agent = agent;
      d.state = 'running';
    } catch (err) {
      if (this.stopping) return;
      const message = (err as Error).message;
      this.log(d, `could not start the agent: ${message}; retrying in ${RETRY_JOIN_MS / 1000} s`);
      this.event({ type: 'error', device: spec.name, wall: Date.now(), message });
      d.state = 'retrying';
      d.retryAt = Date.now() + RETRY_JOIN_MS;
    }
  }

  /** At most once per interval per device, and only when it moved meaningfully (or just came online). */
  private maybePublish(d: SimDevice, now: number): void {
    if (!d.agent || !d.online || d.publishing || now < d.nextPositionAt) return;
    const [x, y] = d.world.position;
    if (d.lastPosition && Math.hypot(x - d.lastPosition[0], y - d.lastPosition[1]) < this.threshold) return;
    d.publishing = true;
    // Spread devices over the interval rather than all at the same tick.
    d.nextPositionAt = now + this.config.positionIntervalMs * (0.9 + 0.2 * Math.random());
    this.positions++;
    d.agent
      .annotateNode({ [POSITION_ANNOTATION]: `${x.toFixed(1)},${y.toFixed(1)}` })
      .then(
        () => {
          d.lastPosition = [x, y];
        },
        () => {
          this.positionFailures++;
        },
      )
      .finally(() => {
        d.publishing = false;
      });
  }

  private event(e: FleetEvent): void {
    this.events.push(e);
  }

  private log(d: SimDevice, line: string): void {
    this.logStream?.write(`${new Date().toISOString()} ${d.world.name} ${line}\n`);
  }

  private flushReport(): void {
    let inRange = 0;
    let online = 0;
    let joined = 0;
    let bytesUp = 0;
    let bytesDown = 0;
    for (const d of this.devices) {
      if (d.world.link.up) inRange++;
      if (d.online) online++;
      if (d.joined) joined++;
      bytesUp += d.link.bytesUp;
      bytesDown += d.link.bytesDown;
    }
    const cpu = process.cpuUsage();
    const report: FleetReport = {
      worker: this.config.worker,
      t: this.world.time,
      wall: Date.now(),
      devices: this.devices.length,
      inRange,
      online,
      joined,
      renewals: this.renewals,
      positions: this.positions,
      positionFailures: this.positionFailures,
      events: this.events,
      bytesUp,
      bytesDown,
      rssBytes: process.memoryUsage.rss(),
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      loopDelayP99Ms: this.loopDelay.percentile(99) / 1e6,
      loopDelayMaxMs: this.loopDelay.max / 1e6,
    };
    this.loopDelay.reset();
    this.renewals = [];
    this.events = [];
    this.positions = 0;
    this.positionFailures = 0;
    this.report(report);
  }
}

/** Runs `work` for every item with at most `limit` at once. */
export async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}
