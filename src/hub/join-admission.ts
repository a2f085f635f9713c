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
import type { LoopLag } from '../common/loop-lag.js';
import { BOOTSTRAPPERS_GROUP } from './auth/bootstrap-tokens.js';
import type { UserInfo } from './http/server.js';

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
