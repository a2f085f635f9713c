/**
 * Live data: informers (list, then watch from the list's resourceVersion) whose watches all share one
 * multiplexed stream from the hub (/dashboard/api/watch), because a browser opens at most six
 * HTTP/1.1 connections per host. The hub runs each watch as the signed-in user against its own
 * Kubernetes API, so what arrives is exactly what `kubectl get -w` would see.
 *
 * Changes are applied to the informer's cache as they arrive and announced to views once per
 * animation frame, with the set of keys that changed, so a burst of 1,000 events costs one render.
 */
import { ApiError } from '../../../api/errors.js';
import type { KubeObject, Status } from '../../../api/types.js';
import { asApiError, errorFrom, type KubeClient } from './client.js';

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR' | 'CLOSED';

export interface WatchEvent {
  type: EventType;
  object: KubeObject;
}

export type StreamState = 'connecting' | 'live' | 'reconnecting';

interface Subscription {
  id: string;
  path: string;
  resourceVersion: string;
  onEvent(event: WatchEvent): void;
}

const MUX_PATH = '/dashboard/api/watch';

// --- one callback per animation frame, however many informers changed -------------------------------

const frameCallbacks = new Set<() => void>();
let frameRequested = false;

/** Runs `cb` once before the next frame (deduplicated), for batching DOM updates. */
export function onNextFrame(cb: () => void): void {
  frameCallbacks.add(cb);
  if (frameRequested) return;
  frameRequested = true;
  const run = () => {
    frameRequested = false;
    const callbacks = [...frameCallbacks];
    frameCallbacks.clear();
    for (const c of callbacks) {
      try {
        c();
      } catch (err) {
        console.error('dashboard: a view failed to update', err);
      }
    }
    if (probing()) probeFlush();
  };
  // Hidden tabs get no animation frames; fall back to a timer so caches stay current.
  if (document.hidden) setTimeout(run, 250);
  else requestAnimationFrame(run);
}

/**
 * Opt-in measurement for the benchmark (`globalThis.minatoProbe = true`): after the views have
 * updated for a frame's events, one `performance.measure('minato:watch-to-dom')` spans from the
 * oldest event's arrival to now.
 */
const probe = { oldest: Number.POSITIVE_INFINITY, events: 0 };
function probing(): boolean {
  return (globalThis as { minatoProbe?: boolean }).minatoProbe === true;
}
function probeFlush(): void {
  if (probe.events === 0) return;
  performance.measure('minato:watch-to-dom', {
    start: probe.oldest,
    end: performance.now(),
    detail: { events: probe.events },
  });
  probe.oldest = Number.POSITIVE_INFINITY;
  probe.events = 0;
}

// --- the shared stream ------------------------------------------------------------------------------

export class WatchHub {
  private readonly subs = new Map<string, Subscription>();
  private controller: AbortController | undefined;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private nextId = 0;
  private stopped = false;
  private readonly stateListeners = new Set<(s: StreamState, detail?: string) => void>();
  state: StreamState = 'connecting';

  constructor(
    private readonly token: string,
    private readonly onUnauthorized: (error: ApiError) => void,
  ) {}

  onState(listener: (s: StreamState, detail?: string) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /** Watches `path` (a list path) from `resourceVersion`; returns how to stop. */
  subscribe(path: string, resourceVersion: string, onEvent: (e: WatchEvent) => void): () => void {
    const id = `w${++this.nextId}`;
    this.subs.set(id, { id, path, resourceVersion, onEvent });
    this.scheduleRestart(20);
    return () => {
      if (this.subs.delete(id)) this.scheduleRestart(200);
    };
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.controller?.abort();
    this.subs.clear();
  }

  private setState(s: StreamState, detail?: string): void {
    this.state = s;
    for (const l of this.stateListeners) l(s, detail);
  }

  /** Re-opens the stream with the current subscriptions (coalesced); each resumes where it was. */
  private scheduleRestart(delayMs: number): void {
    if (this.stopped) return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.open();
    }, delayMs);
  }

  private async open(): Promise<void> {
    this.controller?.abort();
    if (this.subs.size === 0) {
      this.controller = undefined;
      return;
    }
    const controller = new AbortController();
    this.controller = controller;
    const params = new URLSearchParams();
    const subs = [...this.subs.values()];
    for (const s of subs) {
      const sep = s.path.includes('?') ? '&' : '?';
      params.append('w', `${s.id} ${s.path}${sep}resourceVersion=${encodeURIComponent(s.resourceVersion)}`);
    }
    try {
      const res = await fetch(`${MUX_PATH}?${params}`, {
        headers: { Authorization: `Bearer ${this.token}` },
        signal: controller.signal,
        cache: 'no-store',
      });
      if (!res.ok || !res.body) {
        const error = await errorFrom(res);
        if (res.status === 401) {
          this.onUnauthorized(error);
          return;
        }
        throw error;
      }
      this.failures = 0;
      this.setState('live');
      await this.read(res.body, controller);
      if (controller.signal.aborted) return;
      throw new Error('the hub closed the stream');
    } catch (err) {
      if (controller.signal.aborted || this.stopped) return;
      this.failures++;
      const delay = Math.min(10_000, 500 * 2 ** Math.min(this.failures, 5));
      this.setState('reconnecting', asApiError(err).message);
      this.scheduleRestart(delay);
    }
  }

  private async read(body: NonNullable<Response['body']>, controller: AbortController): Promise<void> {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffered = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done || controller.signal.aborted) return;
      buffered += value;
      let nl = buffered.indexOf('\n');
      while (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line) this.dispatch(line);
        if (controller.signal.aborted) return;
        nl = buffered.indexOf('\n');
      }
    }
  }

  private dispatch(line: string): void {
    const space = line.indexOf(' ');
    const sub = this.subs.get(line.slice(0, space));
    if (!sub) return;
    let event: WatchEvent;
    try {
      event = JSON.parse(line.slice(space + 1)) as WatchEvent;
    } catch {
      return;
    }
    if (probing()) {
      probe.oldest = Math.min(probe.oldest, performance.now());
      probe.events++;
    }
    const rv = event.object?.metadata?.resourceVersion;
    if (rv && event.type !== 'ERROR') sub.resourceVersion = rv;
    if (event.type === 'CLOSED') {
      // The API ended this watch (e.g. its timeout): reopen, resuming from the last version seen.
      this.scheduleRestart(100);
      return;
    }
    sub.onEvent(event);
  }
}

// --- informers --------------------------------------------------------------------------------------

export type InformerState = 'loading' | 'ready' | 'error';

export interface Changes {
  /** Keys (namespace/name) added, changed or deleted since the last announcement. */
  keys: ReadonlySet<string>;
  /** True after a (re)list: everything may have changed. */
  reset: boolean;
}

export function keyOf(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export class Informer<T extends KubeObject = KubeObject> {
  readonly items = new Map<string, T>();
  /** Grows with every change to `items`, so derived indexes know when to rebuild. */
  revision = 0;
  state: InformerState = 'loading';
  error: ApiError | undefined;
  private readonly listeners = new Set<(c: Changes) => void>();
  private pending = new Set<string>();
  private pendingReset = false;
  private unsubscribe: (() => void) | undefined;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private kind = '';
  private apiVersion = '';

  constructor(
    private readonly client: KubeClient,
    private readonly hub: WatchHub,
    /** A list path, e.g. /api/v1/nodes or /api/v1/namespaces/x/configmaps?fieldSelector=… */
    readonly path: string,
  ) {}

  start(): this {
    void this.relist();
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.unsubscribe?.();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.listeners.clear();
  }

  /** Calls `listener` once per frame with what changed (and once right away if already loaded). */
  onChange(listener: (c: Changes) => void): () => void {
    this.listeners.add(listener);
    if (this.state !== 'loading') listener({ keys: new Set(), reset: true });
    return () => this.listeners.delete(listener);
  }

  values(): T[] {
    return [...this.items.values()];
  }

  private async relist(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    try {
      const list = await this.client.list<T>(this.path);
      if (this.stopped) return;
      this.kind = list.kind.replace(/List$/, '');
      this.apiVersion = list.apiVersion;
      this.items.clear();
      for (const item of list.items) this.items.set(keyOf(item), this.complete(item));
      this.state = 'ready';
      this.error = undefined;
      this.announce(undefined, true);
      this.unsubscribe = this.hub.subscribe(this.path, list.metadata.resourceVersion ?? '0', (e) =>
        this.apply(e),
      );
    } catch (err) {
      if (this.stopped) return;
      this.state = 'error';
      this.error = asApiError(err);
      this.announce(undefined, true);
      // Refusals (401/403/404) will not fix themselves soon; other failures are retried sooner.
      const code = this.error.code;
      this.retryTimer = setTimeout(() => void this.relist(), code === 403 || code === 404 ? 30_000 : 3_000);
    }
  }

  /** List items come without kind/apiVersion; watch events and plugins expect whole objects. */
  private complete(obj: T): T {
    if (!obj.kind && this.kind) obj.kind = this.kind;
    if (!obj.apiVersion && this.apiVersion) obj.apiVersion = this.apiVersion;
    return obj;
  }

  private apply(event: WatchEvent): void {
    if (event.type === 'BOOKMARK') return;
    if (event.type === 'ERROR') {
      const status = event.object as unknown as Partial<Status>;
      if (status.code === 410) {
        void this.relist(); // our resourceVersion is too old: start over from a fresh list
        return;
      }
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      this.state = 'error';
      this.error = ApiError.fromStatus(status, status.code ?? 500);
      this.announce(undefined, true);
      this.retryTimer = setTimeout(() => void this.relist(), status.code === 403 ? 30_000 : 3_000);
      return;
    }
    const obj = this.complete(event.object as T);
    const key = keyOf(obj);
    if (event.type === 'DELETED') this.items.delete(key);
    else this.items.set(key, obj);
    this.announce(key, false);
  }

  private announce(key: string | undefined, reset: boolean): void {
    this.revision++;
    if (key !== undefined) this.pending.add(key);
    if (reset) this.pendingReset = true;
    onNextFrame(this.flush);
  }

  private readonly flush = () => {
    const changes: Changes = { keys: this.pending, reset: this.pendingReset };
    this.pending = new Set();
    this.pendingReset = false;
    for (const l of this.listeners) l(changes);
  };
}

/**
 * Informers shared by path and counted: views acquire what they show and release it when they go;
 * an informer nobody uses for a while is stopped.
 */
export class InformerCache {
  private readonly entries = new Map<
    string,
    { informer: Informer; users: number; idle?: ReturnType<typeof setTimeout> }
  >();

  constructor(
    private readonly client: KubeClient,
    private readonly hub: WatchHub,
  ) {}

  acquire<T extends KubeObject = KubeObject>(path: string): Informer<T> {
    let entry = this.entries.get(path);
    if (!entry) {
      entry = { informer: new Informer(this.client, this.hub, path).start(), users: 0 };
      this.entries.set(path, entry);
    }
    if (entry.idle) clearTimeout(entry.idle);
    entry.idle = undefined;
    entry.users++;
    return entry.informer as unknown as Informer<T>;
  }

  /** Stops every informer (on sign-out). */
  stopAll(): void {
    for (const entry of this.entries.values()) {
      if (entry.idle) clearTimeout(entry.idle);
      entry.informer.stop();
    }
    this.entries.clear();
  }

  release(path: string): void {
    const entry = this.entries.get(path);
    if (!entry) return;
    entry.users--;
    if (entry.users > 0) return;
    entry.idle = setTimeout(() => {
      entry.informer.stop();
      this.entries.delete(path);
    }, 30_000);
  }
}
