/**
 * Exponential backoff with full jitter: the n-th wait is a random time in [0, min(cap, base·2^n)].
 * Full jitter spreads a fleet's reconnects evenly over the window, so a hub restart does not get
 * every device back in the same second (a reconnect storm).
 */

export interface BackoffOptions {
  /** First window, in ms. Default 500. */
  baseMs?: number;
  /** Largest window, in ms. Default 30 000. */
  capMs?: number;
  /** Source of randomness in [0, 1); tests pass a fixed one. */
  random?: () => number;
  /** Smallest wait returned, in ms, so a tight loop can never spin. Default 50. */
  floorMs?: number;
}

export class Backoff {
  private attempt = 0;
  private readonly baseMs: number;
  private readonly capMs: number;
  private readonly floorMs: number;
  private readonly random: () => number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 500;
    this.capMs = options.capMs ?? 30_000;
    this.floorMs = Math.min(options.floorMs ?? 50, this.capMs);
    this.random = options.random ?? Math.random;
    if (!(this.baseMs > 0) || !(this.capMs >= this.baseMs)) {
      throw new RangeError(`backoff needs 0 < base (${this.baseMs}) <= cap (${this.capMs})`);
    }
  }

  /** The current window (upper bound of the next wait) without consuming an attempt. */
  window(): number {
    // 2^attempt overflows to Infinity for large attempts; min() keeps it at the cap.
    return Math.min(this.capMs, this.baseMs * 2 ** this.attempt);
  }

  /** The next wait in ms; each call doubles the window up to the cap. */
  next(): number {
    const wait = Math.max(this.floorMs, Math.floor(this.random() * this.window()));
    if (this.baseMs * 2 ** this.attempt < this.capMs) this.attempt++;
    return wait;
  }

  /** After a success: the next failure starts from the base window again. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/** Resolves after ms, or at once when the signal aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
