/**
 * A rate-limited work queue of keys, as client-go's workqueue: adding a key that is already queued is
 * a no-op, a key being processed is re-queued once after it finishes, failures retry with backoff.
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  workers?: number;
  /**
   * How long a key rests after a reconcile that took `ms` before it runs again (changes meanwhile are
   * kept and handled then). For controllers whose reconcile grows with the fleet (a DaemonSet over
   * every node): under a stream of events they then spend a bounded share of the hub, not all of it.
   */
  restAfter?: (ms: number) => number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  /** One pending delayed add per key: the earliest asked for (as client-go's delaying queue). */
  private readonly delayed = new Map<string, { timer: NodeJS.Timeout; at: number }>();
  /** Keys resting after a reconcile (see restAfter), until when. */
  private readonly resting = new Map<string, number>();
  private active = 0;
  private stopped = false;
  private readonly base: number;
  private readonly max: number;
  private readonly workers: number;
  private readonly restAfter: ((ms: number) => number) | undefined;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    options: WorkQueueOptions = {},
  ) {
    this.base = options.baseDelayMs ?? 50;
    this.max = options.maxDelayMs ?? 30_000;
    this.workers = options.workers ?? 4;
    this.restAfter = options.restAfter;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    const restUntil = this.resting.get(key);
    if (restUntil !== undefined) {
      const wait = restUntil - Date.now();
      if (wait > 0) {
        this.addAfter(key, wait);
        return;
      }
      this.resting.delete(key);
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  /**
   * Adds the key after delayMs. A key already waiting for an earlier time keeps it; one waiting for a
   * later time is moved to this one. So "look again at T" never piles up timers for one key (a
   * controller that asks after every reconcile would otherwise multiply its own wake-ups).
   */
  addAfter(key: string, delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      clearTimeout(pending.timer);
    }
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.resting.delete(key);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.delayed.set(key, { timer, at });
  }

  get length(): number {
    return this.queue.length;
  }

  /** Resolves once nothing is queued or running (for tests and orderly shutdown). */
  async drained(): Promise<void> {
    while (this.queue.length > 0 || this.active > 0) await new Promise((r) => setTimeout(r, 5));
  }

  stop(): void {
    this.stopped = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
  }

  private pump(): void {
    while (!this.stopped && this.active < this.workers && this.queue.length > 0) {
      const key = this.queue.shift()!;
      this.queued.delete(key);
      this.processing.add(key);
      this.active++;
      this.run(key);
    }
  }

  private async run(key: string): Promise<void> {
    const started = performance.now();
    try {
      await this.reconcile(key);
      this.failures.delete(key);
    } catch (err) {
      const n = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, n);
      const delay = Math.min(this.max, this.base * 2 ** (n - 1));
      if (n === 1 || n % 10 === 0)
        console.warn(`controller: ${key}: ${(err as Error).message} (retry ${n} in ${delay} ms)`);
      this.addAfter(key, delay);
    } finally {
      this.processing.delete(key);
      this.active--;
      const rest = this.restAfter?.(performance.now() - started) ?? 0;
      if (rest > 0) this.resting.set(key, Date.now() + rest);
      if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      this.pump();
    }
  }
}
