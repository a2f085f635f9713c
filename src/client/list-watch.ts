/**
 * List once, then watch for ever: resumes each new watch from the last resourceVersion seen and
 * relists only when the hub says that version has expired (410). Failures wait a jittered backoff;
 * `kick()` cuts the wait short when the caller learns the link is back.
 */
import type { ApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { Backoff, sleep } from './backoff.js';
import type { KubeClient } from './kube-client.js';
import type { WatchEvent, WatchHandle } from './watch.js';

export interface ListWatchOptions<T extends KubeObject> {
  client: KubeClient;
  /** Collection path, e.g. /api/v1/pods. */
  path: string;
  fieldSelector?: string;
  labelSelector?: string;
  /** Resume from here without listing first (e.g. a version persisted before a restart). */
  resourceVersion?: string;
  /** Full state after a (re)list. */
  onSync(items: T[], resourceVersion: string): void | Promise<void>;
  onEvent(event: WatchEvent<T>): void;
  /** Every time the resume point moves (events, bookmarks, lists); persist it to resume after restarts. */
  onResourceVersion?(resourceVersion: string): void;
  /** A failed list or watch; the loop retries by itself. */
  onError?(error: ApiError): void;
  allowWatchBookmarks?: boolean;
  /** Server-side watch timeout, so a stream is re-established periodically. Default: none. */
  timeoutSeconds?: number;
  backoff?: Backoff;
}

/** A watch that ends this quickly without events counts as a failure, so it cannot spin. */
const MIN_HEALTHY_WATCH_MS = 1_000;

export class ListWatcher<T extends KubeObject> {
  private resourceVersion: string | undefined;
  private running = false;
  private current: WatchHandle | undefined;
  private wake = new AbortController();
  private readonly backoff: Backoff;
  private loop: Promise<void> | undefined;

  constructor(private readonly options: ListWatchOptions<T>) {
    this.resourceVersion = options.resourceVersion;
    this.backoff = options.backoff ?? new Backoff();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.current?.stop();
    this.wake.abort();
    await this.loop;
  }

  /** Retry now instead of waiting out the backoff (the link came back). */
  kick(): void {
    this.backoff.reset();
    this.wake.abort();
  }

  /** Ends the current watch so the loop re-establishes it (e.g. after the connections were reset). */
  restartWatch(): void {
    this.current?.stop();
  }

  get lastResourceVersion(): string | undefined {
    return this.resourceVersion;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const ok = this.resourceVersion === undefined ? await this.relist() : await this.watchOnce();
      if (!this.running) break;
      if (!ok) await this.pause();
    }
  }

  private async pause(): Promise<void> {
    if (this.wake.signal.aborted) this.wake = new AbortController();
    await sleep(this.backoff.next(), this.wake.signal);
    if (this.wake.signal.aborted) this.wake = new AbortController();
  }

  private async relist(): Promise<boolean> {
    const { client, path, fieldSelector, labelSelector } = this.options;
    try {
      const list = await client.list<T>(path, { query: { fieldSelector, labelSelector } });
      const rv = list.metadata.resourceVersion ?? '';
      await this.options.onSync(list.items ?? [], rv);
      this.setResourceVersion(rv);
      return true;
    } catch (err) {
      this.options.onError?.(err as ApiError);
      return false;
    }
  }

  private async watchOnce(): Promise<boolean> {
    const { client, path } = this.options;
    const started = Date.now();
    let events = 0;
    const handle = client.watch<T>(path, {
      resourceVersion: this.resourceVersion,
      fieldSelector: this.options.fieldSelector,
      labelSelector: this.options.labelSelector,
      allowWatchBookmarks: this.options.allowWatchBookmarks,
      timeoutSeconds: this.options.timeoutSeconds,
      onEvent: (event) => {
        events++;
        this.backoff.reset();
        if (event.type !== 'BOOKMARK') this.options.onEvent(event);
        const rv = event.object.metadata?.resourceVersion;
        if (rv) this.setResourceVersion(rv);
      },
    });
    this.current = handle;
    const end = await handle.done;
    this.current = undefined;
    switch (end.reason) {
      case 'stopped':
        return true;
      case 'expired':
        this.resourceVersion = undefined;
        return true;
      case 'closed':
        return events > 0 || Date.now() - started >= MIN_HEALTHY_WATCH_MS;
      default:
        if (end.error) this.options.onError?.(end.error);
        return false;
    }
  }

  private setResourceVersion(rv: string): void {
    if (!rv || rv === this.resourceVersion) return;
    this.resourceVersion = rv;
    this.options.onResourceVersion?.(rv);
  }
}
