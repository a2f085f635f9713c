/**
 * Paces a large fleet's lease heartbeats to what the hub can take. Each renewal is a write and a
 * TLS answer on the hub's one thread; at 2 s per device, 10,000 devices would bring 5,000 a second,
 * the whole thread. So the hub keeps renewals near a budget (default 1,000 a second): beyond
 * `budget × 2 s` connected devices it asks every device, through its tunnel, to renew every
 * ⌈devices / budget⌉ seconds (at most every 10 s, the kubelet's default). Out-of-range detection
 * slows by the same factor (four intervals), which the node lifecycle controller learns from here:
 * it allows four of the slowest intervals asked for in the last minute, so devices still sleeping
 * out a longer interval are never marked out of range when the pace quickens again.
 */
export interface HeartbeatPaceOptions {
  /** Renewals per second the hub aims to stay under. Default 1,000; Infinity never paces. */
  budgetPerSecond?: number;
  /** How often the fleet's size is looked at. Default 5 s. */
  checkEveryMs?: number;
}

/** Devices renew every 2 s unless paced; pacing never goes beyond the kubelet's 10 s. */
const UNPACED_MS = 2_000;
const SLOWEST_MS = 10_000;
/** How long a slower pace still counts for the grace after the pace quickened. */
const REMEMBER_MS = 60_000;

/** The interval to ask for with this many devices connected, in ms; 0 when no pacing is needed. */
export function pacedIntervalMs(devices: number, budgetPerSecond: number): number {
  if (!(budgetPerSecond > 0) || !Number.isFinite(budgetPerSecond)) return 0;
  const seconds = Math.ceil(devices / budgetPerSecond);
  const ms = Math.min(SLOWEST_MS, seconds * 1000);
  return ms > UNPACED_MS ? ms : 0;
}

export class HeartbeatPacer {
  private current = 0;
  private readonly recent: { intervalMs: number; until: number }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly devices: () => number,
    private readonly apply: (intervalMs: number) => void,
    private readonly options: HeartbeatPaceOptions = {},
    private readonly log: (line: string) => void = () => {},
  ) {}

  start(): this {
    this.timer = setInterval(() => this.update(), this.options.checkEveryMs ?? 5_000);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Looks at the fleet's size and changes the pace when it calls for another one. */
  update(now = Date.now()): void {
    const devices = this.devices();
    const next = pacedIntervalMs(devices, this.options.budgetPerSecond ?? 1_000);
    if (next === this.current) return;
    if (this.current > 0) this.recent.push({ intervalMs: this.current, until: now + REMEMBER_MS });
    this.current = next;
    this.apply(next);
    this.log(
      next > 0
        ? `heartbeats: ${devices} devices connected; asking them to renew every ${next / 1000} s`
        : `heartbeats: ${devices} devices connected; renewals at the devices' own pace again`,
    );
  }

  /** The silence to allow before a device counts as out of range: four of the slowest recent intervals. */
  graceSeconds(now = Date.now()): number {
    while (this.recent.length > 0 && this.recent[0]!.until <= now) this.recent.shift();
    const slowest = Math.max(this.current, ...this.recent.map((r) => r.intervalMs));
    return (slowest * 4) / 1000;
  }
}
