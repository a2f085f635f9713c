/**
 * Load shedding for joins. A device's join is the costliest thing the hub does for it (a CSR, its
 * Node and Lease, a pod per DaemonSet, their status writes), and a thousand devices coming into
 * range at once can bring that work faster than one thread finishes it. Without a brake every
 * request slows down, TLS handshakes time out, devices retry, and the retries keep the hub saturated.
 * So while the event loop lags, the first step of a join (a bootstrap token submitting its CSR) is
 * answered at once with 429 and a Retry-After; devices already in the cluster, people and
 * controllers are never refused. Joins then proceed at the pace the hub can take.
 */
import { tooManyRequests } from '../api/errors.js';
import { BOOTSTRAPPERS_GROUP } from './auth/bootstrap-tokens.js';
import type { UserInfo } from './http/server.js';

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

export interface JoinAdmissionOptions {
  /** Refuse new joins while the loop runs later than this. Default 100 ms; Infinity turns it off. */
  maxLagMs?: number;
  /** What the refusal asks devices to wait. Default 5 s (devices add jitter). */
  retryAfterSeconds?: number;
}

const CSR_COLLECTION = '/apis/certificates.k8s.io/v1/certificatesigningrequests';

export class JoinAdmission {
  private readonly maxLagMs: number;
  private readonly retryAfterSeconds: number;
  private refused = 0;

  constructor(
    private readonly lag: LoopLag,
    options: JoinAdmissionOptions = {},
  ) {
    this.maxLagMs = options.maxLagMs ?? 100;
    this.retryAfterSeconds = options.retryAfterSeconds ?? 5;
  }

  /** Joins refused so far. */
  get refusals(): number {
    return this.refused;
  }

  /** Throws 429 TooManyRequests for a join's first step while the hub is overloaded. */
  admit(user: UserInfo, method: string, path: string): void {
    if (method !== 'POST' || path !== CSR_COLLECTION || !user.groups.includes(BOOTSTRAPPERS_GROUP)) return;
    const lag = this.lag.lagMs;
    if (!(lag > this.maxLagMs)) return;
    this.refused++;
    throw tooManyRequests(
      `the hub is busy (its event loop runs ${Math.round(lag)} ms late) and takes no new devices for now; join again in ${this.retryAfterSeconds} s`,
      this.retryAfterSeconds,
    );
  }
}
