/**
 * The node Lease (coordination.k8s.io/v1, kube-node-lease/NAME): the device's heartbeat. Renewal is
 * a heartbeat frame on the tunnel when the hub takes them (a few dozen bytes, no HTTP request), else
 * a tiny merge patch of spec.renewTime over the pooled keep-alive connection; the Lease is created
 * (owned by the Node, so it goes when the Node goes) when missing.
 */
import { ApiError, isApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { type KubeClient, resourcePath, TransportError } from '../../client/index.js';
import { HEARTBEAT_NO_LEASE } from '../../tunnel/frames.js';
import { type HeartbeatAnswer, TunnelUnavailableError } from '../../tunnel/tunnel-client.js';

/** The tunnel's side of heartbeats, as the lease needs it. */
export interface HeartbeatChannel {
  /** Resolves with the hub's answer; rejects with TunnelUnavailableError to fall back to HTTPS. */
  heartbeat(renewTime: string, timeoutMs: number): Promise<HeartbeatAnswer>;
  /** How long the hub has said nothing on the tunnel. */
  readonly silentForMs: number;
  /** Gives up on the tunnel. */
  drop(): void;
}

export const LEASE_NAMESPACE = 'kube-node-lease';

export interface Renewal {
  roundTripMs: number;
  /** The round trip less the hub's own time on it (the whole round trip when the hub does not say). */
  linkMs: number;
}

/** MicroTime as Kubernetes writes it: RFC 3339 with exactly six fractional digits. */
export function microTime(ms = Date.now(), micros = 0): string {
  const iso = new Date(ms).toISOString(); // 2026-11-29T04:05:26.123Z
  return `${iso.slice(0, 23)}${String(Math.floor(micros) % 1000).padStart(3, '0')}Z`;
}

/** Now as MicroTime, with the sub-millisecond part from the high-resolution clock. */
export function nowMicroTime(): string {
  const ns = process.hrtime.bigint();
  return microTime(Date.now(), Number((ns / 1000n) % 1000n));
}

export class LeaseRenewer {
  private exists = false;

  constructor(
    private readonly client: KubeClient,
    private readonly nodeName: string,
    private readonly durationSeconds: number,
    private readonly nodeUid: () => string | undefined,
    private readonly timeoutMs: number,
    /** The Lease vanished while we held it (the Node was deleted and its Lease collected): re-register first. */
    private readonly onLost: () => Promise<void> = async () => {},
    private readonly channel?: () => HeartbeatChannel | undefined,
    /** Silence on the tunnel after which the link counts as dead (a late answer only means a busy hub). */
    private readonly deadAfterMs: () => number = () => timeoutMs * 2,
  ) {}

  get path(): string {
    return resourcePath({
      apiVersion: 'coordination.k8s.io/v1',
      resource: 'leases',
      namespace: LEASE_NAMESPACE,
      name: this.nodeName,
    });
  }

  /**
   * One renewal; resolves with its round trip in ms and the link's part of it: the round trip less
   * the time the hub says the renewal spent inside it, which is what link quality is about.
   */
  async renew(): Promise<Renewal> {
    const started = performance.now();
    const took = (inHubMs = 0): Renewal => {
      const roundTripMs = performance.now() - started;
      return { roundTripMs, linkMs: Math.max(0, roundTripMs - inHubMs) };
    };
    const channel = this.channel?.();
    if (this.exists && channel) {
      const answer = await this.sendHeartbeat(channel);
      if (answer?.problem === '') return took(answer.inHubMs);
      if (answer?.problem === HEARTBEAT_NO_LEASE) {
        this.exists = false;
        await this.onLost();
        await this.ensure();
        return took();
      }
      // undefined: the tunnel cannot carry it now; renew over HTTPS below.
    }
    if (this.exists) {
      try {
        await this.client.patch(this.path, { spec: { renewTime: nowMicroTime() } }, 'merge', {
          timeoutMs: this.timeoutMs,
        });
        return took();
      } catch (err) {
        if (!isApiError(err) || err.code !== 404) throw err;
        this.exists = false;
        await this.onLost();
      }
    }
    await this.ensure();
    return took();
  }

  /** Renewed ("") or HEARTBEAT_NO_LEASE, or undefined when the tunnel cannot carry it. */
  private async sendHeartbeat(channel: HeartbeatChannel): Promise<HeartbeatAnswer | undefined> {
    let answer: HeartbeatAnswer;
    try {
      answer = await channel.heartbeat(nowMicroTime(), this.timeoutMs);
    } catch (err) {
      if (err instanceof TunnelUnavailableError) return undefined;
      const code = (err as { code?: string }).code;
      if (code === 'ETIMEDOUT' && channel.silentForMs < this.deadAfterMs()) {
        // The hub is slow, not gone: stay connected and renew again at the next interval.
        throw new ApiError(504, 'Timeout', `the hub is slow: ${(err as Error).message}`);
      }
      if (code === 'ETIMEDOUT') channel.drop();
      throw new TransportError(this.client.server, (err as Error).message, code, err);
    }
    if (answer.problem === '' || answer.problem === HEARTBEAT_NO_LEASE) return answer;
    throw new ApiError(500, 'InternalError', `the hub could not store the heartbeat: ${answer.problem}`);
  }

  private async ensure(): Promise<void> {
    const now = nowMicroTime();
    const uid = this.nodeUid();
    const lease: KubeObject = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.nodeName,
        namespace: LEASE_NAMESPACE,
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid }] } : {}),
      },
      spec: { holderIdentity: this.nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: now },
    };
    try {
      await this.client.create(
        resourcePath({
          apiVersion: 'coordination.k8s.io/v1',
          resource: 'leases',
          namespace: LEASE_NAMESPACE,
        }),
        lease,
        { timeoutMs: this.timeoutMs },
      );
    } catch (err) {
      if (!isApiError(err) || err.code !== 409) throw err;
      // It exists (e.g. from before a restart): take it over with our identity, duration and time.
      await this.client.patch(
        this.path,
        {
          spec: { holderIdentity: this.nodeName, leaseDurationSeconds: this.durationSeconds, renewTime: now },
        },
        'merge',
        { timeoutMs: this.timeoutMs },
      );
    }
    this.exists = true;
  }
}
