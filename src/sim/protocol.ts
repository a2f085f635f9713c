/** What a fleet process is told and what it reports (over IPC between processes, or in-process). */

export interface FleetConfig {
  /** A scenario file path or shipped name. */
  scenario: string;
  seed?: number;
  /** Scale the scenario's groups to this many devices in total. */
  nodes?: number;
  /** Simulated seconds per wall-clock second. */
  speed: number;
  /** The devices this process runs (names from the scenario); all when absent. */
  devices?: string[];
  /** Where the hub listens; each device's radio link connects here. */
  hub: { host: string; port: number };
  join: { token: string; caCertHash: string };
  /** Each device's data dir is simDir/devices/NAME; logs go to simDir/logs/. */
  simDir: string;
  /** Wall-clock ms at simulated t = 0, shared by every process of the fleet. */
  startedAt: number;
  /** Which process this is (0 for in-process), for log file names. */
  worker: number;
  agent: {
    leaseIntervalMs: number;
    /** Serve each agent's local API on its own loopback address (port 10250), or not at all. */
    localApi: boolean;
    /** Open the log tunnel (kubectl logs). */
    tunnel: boolean;
  };
  /** Least time between two position updates of one device. */
  positionIntervalMs: number;
  /** Agents joining at once in this process. */
  joinConcurrency: number;
  /** Report every this many ms. */
  reportIntervalMs: number;
  /** Shape links by distance (latency, loss, bandwidth); false: coverage only (up or down), no delay. */
  linkShaping?: boolean;
  /** Start with simulated time stopped (see `freeze`). */
  startFrozen?: boolean;
}

export type FleetEvent =
  /** The device entered or left coverage (simulated time t, wall clock `wall`); `initial` at the start. */
  | {
      type: 'coverage';
      device: string;
      up: boolean;
      t: number;
      wall: number;
      station?: string;
      initial?: boolean;
    }
  /** The device's agent was online for the first time, `ms` after it was started. */
  | { type: 'joined'; device: string; ms: number; wall: number }
  | { type: 'online'; device: string; wall: number; downForMs?: number }
  | { type: 'offline'; device: string; wall: number; reason: string }
  | { type: 'error'; device: string; wall: number; message: string };

export interface FleetReport {
  worker: number;
  /** Simulated seconds. */
  t: number;
  wall: number;
  devices: number;
  inRange: number;
  /** Agents whose link is online now. */
  online: number;
  /** Agents that have been online at least once. */
  joined: number;
  /** Lease renewal round trips since the last report, ms. */
  renewals: number[];
  /** Position updates sent since the last report (and how many failed). */
  positions: number;
  positionFailures: number;
  events: FleetEvent[];
  /** Bytes through every device's radio link so far, each way. */
  bytesUp: number;
  bytesDown: number;
  /** This process's resident memory and CPU seconds so far. */
  rssBytes: number;
  cpuSeconds: number;
  /** This process's event-loop delay since the last report (p99 and max, ms): is the fleet keeping up? */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

export type ParentMessage =
  | { type: 'start'; config: FleetConfig }
  | { type: 'freeze'; frozen: boolean }
  | { type: 'stop' };

export type ChildMessage =
  | { type: 'started'; devices: number }
  | { type: 'report'; report: FleetReport }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
