/**
 * The device's link to the hub as one state machine: connecting → online ⇄ offline. The lease
 * renewal is the heartbeat and the probe: while online it runs every interval and feeds link
 * quality; when it fails on the transport the agent goes offline, drops its pooled connections
 * (a silently dead socket would otherwise hold the watches for minutes) and retries with jittered
 * exponential backoff. Each reconnect runs `connect` (refresh the Node, renew the Lease) before
 * announcing `online`, so the rest of the agent resumes against a hub that knows the device is back.
 * Nothing here touches containers: a flapping link never restarts a workload.
 *
 * Link quality hears only about the link: a renewal that failed on the transport is a failure, and
 * a round trip counts without the time the hub says it spent on it. A busy hub answering late or
 * with an error is not the radio's fault, and a fleet that reported its hub's load as bad links
 * would rewrite every Node and make that hub busier still.
 */
import { isApiError } from '../../api/errors.js';
import { type Backoff, isTransportError, type KubeClient, sleep } from '../../client/index.js';
import type { LeaseRenewer } from './lease.js';
import type { LinkQuality } from './link-quality.js';

export type LinkState = 'connecting' | 'online' | 'offline';

export interface ConnectionOptions {
  client: KubeClient;
  lease: LeaseRenewer;
  link: LinkQuality;
  backoff: Backoff;
  /** Renewal interval now (the hub may pace a large fleet slower than the device's own setting). */
  intervalMs: () => number;
  /** Brings the hub up to date after a (re)connect: Node registration and status. */
  connect(): Promise<void>;
  onOnline(downForMs: number | undefined): void;
  onOffline(reason: string): void;
  /** After every successful renewal while online, with its whole round trip (the hub's time included). */
  onRenewed(rttMs: number): void;
  log(line: string): void;
}

export class Connection {
  private current: LinkState = 'connecting';
  private changedAt = Date.now();
  private running = false;
  /** Ends the current wait early (`stop`, or a network change); replaced after each use. */
  private wake = new AbortController();
  private loop: Promise<void> | undefined;
  private lastError = '';
  private renewals = 0;

  constructor(private readonly options: ConnectionOptions) {}

  get state(): LinkState {
    return this.current;
  }

  get stateSince(): number {
    return this.changedAt;
  }

  get renewCount(): number {
    return this.renewals;
  }

  get lastProblem(): string {
    return this.lastError;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * The device's network changed (an interface came up, a new cell, the radio back in coverage):
   * while not online, retry now from the first backoff window instead of waiting out a window that
   * grew while the hub was out of reach. A no-op while online.
   */
  retryNow(): void {
    if (!this.running || this.current === 'online') return;
    this.options.backoff.reset();
    this.wake.abort();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { backoff } = this.options;
    while (this.running) {
      if (this.current !== 'online') {
        const wait = await this.tryConnect();
        if (wait > 0) await this.pause(wait);
        continue;
      }
      const started = Date.now();
      try {
        const renewal = await this.options.lease.renew();
        this.renewals++;
        this.options.link.recordSuccess(renewal.linkMs);
        this.options.onRenewed(renewal.roundTripMs);
      } catch (err) {
        if (isTransportError(err)) {
          // Only the transport failing is the link's fault; a slow or failing hub is not (see note).
          this.options.link.recordFailure();
          this.goOffline(err.message);
          await this.pause(backoff.next());
          continue;
        }
        this.note(`lease renewal failed: ${(err as Error).message}`);
      }
      await this.pause(Math.max(0, this.options.intervalMs() - (Date.now() - started)));
    }
  }

  /** One connect attempt; returns how long to wait before the next step (0 when now online). */
  private async tryConnect(): Promise<number> {
    try {
      await this.options.connect();
      const started = Date.now();
      try {
        const renewal = await this.options.lease.renew();
        this.renewals++;
        this.options.link.recordSuccess(renewal.linkMs);
      } catch (err) {
        if (isTransportError(err)) throw err;
        // The registration just went through, so the link works; a slow or failing renewal is retried
        // at the next interval like any other.
        this.note(`lease renewal failed: ${(err as Error).message}`);
      }
      const downFor = this.current === 'offline' ? Date.now() - this.changedAt : undefined;
      this.setState('online');
      this.lastError = '';
      this.options.backoff.reset();
      this.options.onOnline(downFor);
      return Math.max(0, this.options.intervalMs() - (Date.now() - started));
    } catch (err) {
      if (!this.running) return 0;
      this.options.link.recordFailure();
      const message = isApiError(err) ? err.message : String(err);
      if (this.current === 'connecting' && !isTransportError(err))
        this.note(`cannot register with the hub: ${message}`);
      else this.note(message);
      if (this.current === 'connecting' && isTransportError(err)) this.setState('offline');
      return this.options.backoff.next();
    }
  }

  /** Waits before the next step; `stop` or `retryNow` ends the wait early, even one not begun yet. */
  private async pause(ms: number): Promise<void> {
    if (this.wake.signal.aborted) {
      if (this.running) this.wake = new AbortController();
      return;
    }
    await sleep(ms, this.wake.signal);
  }

  private goOffline(reason: string): void {
    if (this.current !== 'online') return;
    this.setState('offline');
    this.options.client.resetConnections();
    this.options.log(`link: lost the hub (${reason}); pods keep running, retrying with backoff`);
    this.options.onOffline(reason);
  }

  private setState(state: LinkState): void {
    if (this.current === state) return;
    this.current = state;
    this.changedAt = Date.now();
  }

  /** Logs a problem once, not on every retry. */
  private note(message: string): void {
    if (message === this.lastError) return;
    this.lastError = message;
    this.options.log(`link: ${message}`);
  }
}
