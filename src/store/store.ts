import type { KubeObject } from '../api/types.js';

/** One stored object at one revision. `object` is frozen and shared: copy before changing it. */
export interface Entry {
  readonly key: string;
  /** Revision of the last change (the object's resourceVersion). */
  readonly rev: number;
  /** Revision at which the object was created. */
  readonly createRev: number;
  readonly object: KubeObject;
  /** The object serialised once, reused by every list and watch that sends it. */
  readonly json: string;
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  readonly type: EventType;
  readonly rev: number;
  readonly entry: Entry;
  /** The object before this change (for MODIFIED and DELETED), so selector watchers can tell transitions. */
  readonly previous: Entry | undefined;
}

export type Unsubscribe = () => void;

/**
 * A delivery hint for a watcher that only cares about objects whose `index` value, before or after a
 * change, is `value` (a kubelet's pods: spec.nodeName=NAME). Live events for which neither is `value`
 * may be skipped for it; it must still filter what it gets. `valueIn` must be the same function for
 * every route with the same prefix and index.
 */
export interface WatchRoute {
  index: string;
  value: string;
  valueIn(entry: Entry): string;
}

export interface ListResult {
  readonly revision: number;
  readonly entries: Entry[];
}

export interface UpdateOptions {
  /**
   * Soft state (a heartbeat): committed and visible at once and kept if the hub process dies, but
   * the store may wait up to a second before forcing it to disk, so a power cut can lose the last
   * second of soft writes (never a durable one, and never out of order). A store without that
   * distinction treats every write as durable.
   */
  soft?: boolean;
}

export interface Store {
  /** The newest revision the store has handed out. */
  readonly revision: number;
  /** The newest revision whose event has been committed and delivered to watchers. */
  readonly committedRevision: number;
  /** Events at or below this revision are gone; watching from it fails with 410 Expired. */
  readonly compactedRevision: number;

  get(key: string): Entry | undefined;
  /** Current objects whose key starts with `prefix`, sorted by key. */
  list(prefix: string): ListResult;
  /**
   * Keeps a secondary index over one collection ("/group/resource/"): objects by a value derived from
   * them (e.g. pods by node), exact at every moment like the objects themselves. Idempotent per name.
   */
  addIndex(name: string, collection: string, valueFor: (object: KubeObject) => string | undefined): void;
  /** Like `list`, restricted to the objects whose indexed value is `value`. */
  listIndexed(name: string, value: string, prefix: string): ListResult;
  /** Fails with AlreadyExists when the key is taken. */
  create(key: string, object: KubeObject): Promise<Entry>;
  /** Replaces the object; fails with Conflict when `expectedRev` is given and stale, NotFound when absent. */
  update(key: string, object: KubeObject, expectedRev?: number, options?: UpdateOptions): Promise<Entry>;
  /** Removes the object; fails with Conflict when `expectedRev` is given and stale. */
  delete(key: string, expectedRev?: number): Promise<Entry>;
  /**
   * Delivers every event after `fromRev` for keys under `prefix`, first from history then live.
   * Throws 410 Expired when `fromRev` is older than the retained history.
   */
  watch(
    prefix: string,
    fromRev: number,
    onEvent: (event: StoreEvent) => void,
    route?: WatchRoute,
  ): Unsubscribe;
  /** Drops history at or below `rev`. */
  compact(rev: number): void;
  /** Commits pending writes and releases the database. */
  close(): Promise<void>;
}

/** Thrown by the store; the hub turns these into Kubernetes Status errors with resource names. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly kind: 'NotFound' | 'AlreadyExists' | 'Conflict',
    readonly key: string,
  ) {
    super(`${kind}: ${key}`);
  }
}

export function isStoreError(err: unknown): err is StoreError {
  return err instanceof Error && err.name === 'StoreError';
}
