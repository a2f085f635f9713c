/**
 * Link quality from the lease renewals the agent makes anyway: no extra probes, no extra bytes.
 *
 * - rttMs: exponentially weighted moving average of successful renewal round trips (α = 0.2, so
 *   about the last 10 renewals dominate).
 * - failures: failed renewals among the last `window` attempts (default 20, i.e. 40 s at 2 s).
 * - score (0–100) = 100 · (1 − lossRate)² · 1 / (1 + max(0, rttMs − 100) / 900)
 *   Loss weighs most: 10 % loss gives 81, 50 % gives 25. Latency up to 100 ms is free, 1 s halves
 *   the score, 1.9 s divides it by three. A link that has never worked scores 0.
 * - degraded: true once score < 50, false again once score ≥ 60 (hysteresis, so a link that
 *   hovers near the threshold does not flap the LinkDegraded condition).
 *
 * `shouldPublish` decides when the Node's annotations are rewritten: only on a meaningful change
 * (degraded flips, the score moves ≥ 10 points, failures appear or clear, the RTT moves by both
 * ≥ 50 % and ≥ 100 ms), and never more often than `minPublishIntervalMs` except for a flip. The RTT
 * bar is high on purpose: the round trip includes the hub's own delay, and a fleet whose devices all
 * rewrote their Nodes whenever a busy hub answered 50 ms later would only make it busier.
 */

export interface LinkSnapshot {
  rttMs: number | undefined;
  failures: number;
  attempts: number;
  score: number;
  degraded: boolean;
}

export interface LinkQualityOptions {
  window?: number;
  alpha?: number;
  degradedBelow?: number;
  recoveredAt?: number;
  minPublishIntervalMs?: number;
}

export function scoreLink(rttMs: number | undefined, lossRate: number): number {
  if (rttMs === undefined) return lossRate > 0 || Number.isNaN(lossRate) ? 0 : 100;
  const loss = Math.min(1, Math.max(0, lossRate));
  const latencyFactor = 1 / (1 + Math.max(0, rttMs - 100) / 900);
  return Math.round(100 * (1 - loss) ** 2 * latencyFactor);
}

export class LinkQuality {
  private rtt: number | undefined;
  private readonly outcomes: boolean[] = [];
  private degraded = false;
  private published: (LinkSnapshot & { at: number }) | undefined;
  private readonly window: number;
  private readonly alpha: number;
  private readonly degradedBelow: number;
  private readonly recoveredAt: number;
  private readonly minPublishIntervalMs: number;

  constructor(options: LinkQualityOptions = {}) {
    this.window = options.window ?? 20;
    this.alpha = options.alpha ?? 0.2;
    this.degradedBelow = options.degradedBelow ?? 50;
    this.recoveredAt = options.recoveredAt ?? 60;
    this.minPublishIntervalMs = options.minPublishIntervalMs ?? 10_000;
  }

  recordSuccess(rttMs: number): void {
    this.rtt = this.rtt === undefined ? rttMs : this.alpha * rttMs + (1 - this.alpha) * this.rtt;
    this.push(true);
  }

  recordFailure(): void {
    this.push(false);
  }

  snapshot(): LinkSnapshot {
    const attempts = this.outcomes.length;
    const failures = this.outcomes.filter((ok) => !ok).length;
    const score = attempts === 0 ? 0 : scoreLink(this.rtt, failures / attempts);
    return {
      rttMs: this.rtt === undefined ? undefined : Math.round(this.rtt),
      failures,
      attempts,
      score,
      degraded: this.degraded,
    };
  }

  /** True when the current snapshot differs enough from the last published one to be worth a write. */
  shouldPublish(now = Date.now()): boolean {
    const current = this.snapshot();
    if (current.attempts === 0 || current.rttMs === undefined) return false;
    const last = this.published;
    if (!last) return true;
    if (current.degraded !== last.degraded) return true;
    if (now - last.at < this.minPublishIntervalMs) return false;
    if (Math.abs(current.score - last.score) >= 10) return true;
    if ((current.failures === 0) !== (last.failures === 0)) return true;
    const lastRtt = last.rttMs ?? 0;
    const rttDelta = Math.abs(current.rttMs - lastRtt);
    return rttDelta >= 100 && rttDelta >= 0.5 * Math.max(lastRtt, 1);
  }

  markPublished(snapshot: LinkSnapshot, now = Date.now()): void {
    this.published = { ...snapshot, at: now };
  }

  /** Forget what was published (e.g. the Node was recreated), so the next check writes again. */
  forgetPublished(): void {
    this.published = undefined;
  }

  private push(ok: boolean): void {
    this.outcomes.push(ok);
    if (this.outcomes.length > this.window) this.outcomes.shift();
    const { score } = this.snapshot();
    if (!this.degraded && score < this.degradedBelow) this.degraded = true;
    else if (this.degraded && score >= this.recoveredAt) this.degraded = false;
  }
}
