/**
 * A rate-limited work queue of keys, as client-go's workqueue: adding a key that is already queued is
 * a no-op, a key being processed is re-queued once after it finishes, failures retry with backoff.
 */
export interface WorkQueueOptions {
  baseDelayMs?: number;
  maxDelayMs?: number;
  workers?: number;
}

export class WorkQueue {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly dirtyWhileProcessing = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private active = 0;
  private stopped = false;
  private readonly base: number;
  private readonly max: number;
  private readonly workers: number;

  constructor(
    private readonly reconcile: (key: string) => Promise<void>,
    options: WorkQueueOptions = {},
  ) {
    this.base = options.baseDelayMs ?? 50;
    this.max = options.maxDelayMs ?? 30_000;
    this.workers = options.workers ?? 4;
  }

  add(key: string): void {
    if (this.stopped) return;
    if (this.processing.has(key)) {
      this.dirtyWhileProcessing.add(key);
      return;
    }
    if (this.queued.has(key)) return;
    this.queued.add(key);
    this.queue.push(key);
    this.pump();
  }

  addAfter(key: string, delayMs: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      this.add(key);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
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
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
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
      if (this.dirtyWhileProcessing.delete(key)) this.add(key);
      this.pump();
    }
  }
}
