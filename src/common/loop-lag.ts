/**
 * How late the hub's event loop runs: the one measure of "busy" that covers everything sharing the
 * thread (requests, controllers, TLS, GC). Join admission refuses new devices on it, and controllers
 * pace their bulk writes by it, so the API stays responsive under a fleet's load.
 */

/** How late the event loop runs, smoothed over about a second. */
export interface LoopLag {
  readonly lagMs: number;
}

/** Measures the event loop's lateness with a timer: a busy loop runs it late. */
export class LoopLagMonitor implements LoopLag {
  private smoothed = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sampleMs = 50) {}

  get lagMs(): number {
    return this.smoothed;
  }

  start(): this {
    let expected = performance.now() + this.sampleMs;
    this.timer = setInterval(() => {
      const now = performance.now();
      const late = Math.max(0, now - expected);
      expected = now + this.sampleMs;
      // One stalled turn counts fully at once; calm decays over about twenty samples (a second).
      this.smoothed = late > this.smoothed ? late : this.smoothed * 0.9 + late * 0.1;
    }, this.sampleMs);
    this.timer.unref();
    return this;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

/**
 * Resolves once the loop runs less than `maxLagMs` late, or after `maxWaitMs` at most (work that is
 * paced must still progress on a hub that stays busy).
 */
export async function waitForCalm(lag: LoopLag, maxLagMs: number, maxWaitMs: number): Promise<void> {
  const until = Date.now() + maxWaitMs;
  while (lag.lagMs > maxLagMs && Date.now() < until) await new Promise((r) => setTimeout(r, 25));
}
