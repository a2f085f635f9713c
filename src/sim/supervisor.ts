/**
 * Runs a whole simulated fleet: in this process for small fleets, or split round robin over several
 * fleet processes (forked, with an IPC channel) for large ones. All of them share the scenario, the
 * seed and the wall-clock instant of simulated t = 0, so together they are one world. Their reports
 * are merged here; `stop` ends exactly the processes started here, by PID.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Fleet } from './fleet.js';
import type { ChildMessage, FleetConfig, FleetEvent, FleetReport, ParentMessage } from './protocol.js';
import { devicesOf, loadScenario, type Scenario } from './scenario.js';

const WORKER = fileURLToPath(new URL('./worker.js', import.meta.url));
const FLEET_NICENESS = 10;

export interface SimOptions extends Omit<FleetConfig, 'devices' | 'worker' | 'startedAt'> {
  /** Fleet processes to fork; 0 runs every device in this process. */
  processes: number;
  /** Node flags for the fleet processes (e.g. --cpu-prof). */
  execArgv?: string[];
  /**
   * Scheduling priority (nice) of the fleet processes. Default 10: real devices bring their own CPUs,
   * so on a machine shared with the hub the simulated fleet yields the CPU to the hub rather than
   * slowing it down by taking an equal share per process.
   */
  niceness?: number;
  onReport?(report: FleetReport, status: SimStatus): void;
  /** A fleet process ended before it was asked to. */
  onWorkerExit?(worker: number, code: number | null, signal: NodeJS.Signals | null): void;
}

export interface SimStatus {
  t: number;
  devices: number;
  inRange: number;
  online: number;
  joined: number;
  bytesUp: number;
  bytesDown: number;
  /** Memory and CPU of the fleet processes (this process's when in-process). */
  rssBytes: number;
  cpuSeconds: number;
}

export interface RunningSim {
  scenario: Scenario;
  devices: string[];
  /** PIDs of the fleet processes (empty when in-process). */
  pids: number[];
  startedAt: number;
  status(): SimStatus;
  freeze(frozen: boolean): void;
  stop(): Promise<void>;
}

export async function startSim(options: SimOptions): Promise<RunningSim> {
  const scenario = loadScenario(options.scenario);
  const devices = devicesOf(scenario, options.nodes).map((d) => d.name);
  const startedAt = Date.now();
  const latest = new Map<number, FleetReport>();
  const status = (): SimStatus => {
    const s: SimStatus = {
      t: Number.POSITIVE_INFINITY,
      devices: 0,
      inRange: 0,
      online: 0,
      joined: 0,
      bytesUp: 0,
      bytesDown: 0,
      rssBytes: 0,
      cpuSeconds: 0,
    };
    for (const r of latest.values()) {
      s.t = Math.min(s.t, r.t);
      s.devices += r.devices;
      s.inRange += r.inRange;
      s.online += r.online;
      s.joined += r.joined;
      s.bytesUp += r.bytesUp;
      s.bytesDown += r.bytesDown;
      s.rssBytes += r.rssBytes;
      s.cpuSeconds += r.cpuSeconds;
    }
    if (!Number.isFinite(s.t)) s.t = 0;
    return s;
  };
  const onReport = (report: FleetReport) => {
    latest.set(report.worker, report);
    options.onReport?.(report, status());
  };
  const { processes, execArgv, onReport: _r, onWorkerExit, ...base } = options;

  if (processes <= 0) {
    const fleet = new Fleet({ ...base, startedAt, worker: 0 }, onReport);
    try {
      await fleet.start();
    } catch (err) {
      await fleet.stop().catch(() => undefined);
      throw err;
    }
    return {
      scenario,
      devices,
      pids: [],
      startedAt,
      status,
      freeze: (frozen) => fleet.freeze(frozen),
      stop: () => fleet.stop(),
    };
  }

  const count = Math.min(processes, Math.max(1, devices.length));
  const children: { child: ChildProcess; exited: Promise<void>; stopping: boolean }[] = [];
  const started: Promise<void>[] = [];
  for (let w = 0; w < count; w++) {
    const mine = devices.filter((_, i) => i % count === w);
    const child = fork(WORKER, [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      execArgv: execArgv ?? [],
    });
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, options.niceness ?? FLEET_NICENESS);
      } catch {
        // Not permitted here (e.g. a container without the capability): run at normal priority.
      }
    }
    const entry = {
      child,
      stopping: false,
      exited: new Promise<void>((resolve) => child.once('exit', () => resolve())),
    };
    children.push(entry);
    const worker = w + 1;
    started.push(
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`fleet process ${worker} did not start within 60 s`)),
          60_000,
        );
        child.on('message', (msg: ChildMessage) => {
          if (msg.type === 'report') onReport(msg.report);
          else if (msg.type === 'started') {
            clearTimeout(timer);
            resolve();
          } else if (msg.type === 'failed') {
            clearTimeout(timer);
            reject(new Error(`fleet process ${worker}: ${msg.message}`));
          }
        });
        child.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(new Error(`fleet process ${worker} exited (code ${code}, signal ${signal}) while starting`));
          if (!entry.stopping) onWorkerExit?.(worker, code, signal);
        });
      }),
    );
    const config: FleetConfig = { ...base, devices: mine, startedAt, worker };
    child.send({ type: 'start', config } satisfies ParentMessage);
  }

  const stop = async () => {
    await Promise.all(
      children.map(async (c) => {
        c.stopping = true;
        if (c.child.exitCode !== null || c.child.signalCode !== null) return;
        if (c.child.connected) c.child.send({ type: 'stop' } satisfies ParentMessage);
        else if (c.child.pid) process.kill(c.child.pid, 'SIGTERM');
        const timer = setTimeout(() => {
          if (c.child.pid && c.child.exitCode === null) process.kill(c.child.pid, 'SIGKILL');
        }, 40_000);
        await c.exited;
        clearTimeout(timer);
      }),
    );
  };
  try {
    await Promise.all(started);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    scenario,
    devices,
    pids: children.map((c) => c.child.pid!),
    startedAt,
    status,
    freeze: (frozen) => {
      for (const c of children)
        if (c.child.connected) c.child.send({ type: 'freeze', frozen } satisfies ParentMessage);
    },
    stop,
  };
}

export type { FleetEvent, FleetReport };
