import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { expired } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { type Committer, InlineCommitter, WorkerCommitter } from './committer.js';
import type { ValueTransformer } from './encryption.js';
import { SecondaryIndex } from './secondary-index.js';
import { type CommitRow, EVENT_CODES, EVENT_TYPES, ensureSchema, SqliteWriter } from './sqlite-writer.js';
import {
  type Entry,
  type ListResult,
  type Store,
  StoreError,
  type StoreEvent,
  type Unsubscribe,
  type UpdateOptions,
  type WatchRoute,
} from './store.js';
import { WatchHub } from './watch-hub.js';

export interface SqliteStoreOptions {
  /** Database file; ":memory:" for tests that need no durability. */
  path: string;
  /** Keep at least this many events of history for watch resumption. */
  minHistoryEvents?: number;
  /** Keep at most this many events of history (memory bound). */
  maxHistoryEvents?: number;
  /** Events younger than this are kept even above minHistoryEvents. */
  historyRetentionMs?: number;
  /** Seals sensitive values (Secrets) before they reach the database file. */
  transformer?: ValueTransformer & { isStale(stored: string): boolean };
}

/** Soft writes wait at most this long for an fsync (a durable commit, or the sync timer). */
const SOFT_SYNC_MS = 1_000;
/** And at most this many of them; so an unclean stop can have lost at most this many revisions. */
const MAX_SOFT_UNSYNCED = 100_000;

interface PendingWrite {
  event: StoreEvent;
  soft: boolean;
  resolve: (entry: Entry) => void;
  reject: (err: unknown) => void;
}

interface HistoryEvent {
  event: StoreEvent;
  at: number;
}

/**
 * The embedded store. All current objects live in memory (a Map per collection prefix) so reads never
 * touch disk; SQLite holds the durable copy and the event log that lets watches resume across restarts.
 */
export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly objects = new Map<string, Entry>();
  /** Collection prefix ("/group/resource/") -> keys, to list one resource without scanning all. */
  private readonly collections = new Map<string, { keys: Set<string>; sorted: string[] | undefined }>();
  private readonly history: HistoryEvent[] = [];
  private readonly indexes = new Map<string, SecondaryIndex>();
  private readonly watchers = new WatchHub();
  private pending: PendingWrite[] = [];
  /** The batch whose commit is running (one at a time: the next one gathers meanwhile). */
  private committing: PendingWrite[] = [];
  private commitDone: Promise<void> = Promise.resolve();
  private flushScheduled = false;
  /** Soft writes committed since the last fsync, and when that fsync was. */
  private softUnsynced = 0;
  private lastSyncAt = Date.now();
  private syncTimer: NodeJS.Timeout | undefined;
  private readonly committer: Committer;
  private rev = 0;
  private compacted = 0;
  private closed = false;
  private readonly opts: Required<Omit<SqliteStoreOptions, 'path' | 'transformer'>>;
  private readonly transformer: SqliteStoreOptions['transformer'];

  constructor(options: SqliteStoreOptions) {
    this.opts = {
      minHistoryEvents: options.minHistoryEvents ?? 10_000,
      maxHistoryEvents: options.maxHistoryEvents ?? 500_000,
      historyRetentionMs: options.historyRetentionMs ?? 10 * 60_000,
    };
    this.transformer = options.transformer;
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    ensureSchema(this.db);
    // This connection loads the state (and re-seals rows when asked); commits go to the committer.
    const writer = new SqliteWriter(this.db);
    this.load(writer);
    this.committer =
      options.path === ':memory:' ? new InlineCommitter(writer) : new WorkerCommitter(options.path);
  }

  get revision(): number {
    return this.rev;
  }

  get compactedRevision(): number {
    return this.compacted;
  }

  /** Soft writes committed but not yet forced to disk. */
  get unsyncedSoftWrites(): number {
    return this.softUnsynced;
  }

  get watcherCount(): number {
    return this.watchers.size;
  }

  get(key: string): Entry | undefined {
    return this.objects.get(key);
  }

  list(prefix: string): ListResult {
    const collection = this.collections.get(collectionOf(prefix));
    if (!collection) return { revision: this.rev, entries: [] };
    if (!collection.sorted) collection.sorted = [...collection.keys].sort();
    const keys = collection.sorted;
    const entries: Entry[] = [];
    // Keys are sorted, so a namespace (or any deeper) prefix is one contiguous run.
    for (let i = lowerBound(keys, prefix); i < keys.length; i++) {
      const key = keys[i]!;
      if (!key.startsWith(prefix)) break;
      entries.push(this.objects.get(key)!);
    }
    return { revision: this.rev, entries };
  }

  addIndex(name: string, collection: string, valueFor: (object: KubeObject) => string | undefined): void {
    if (this.indexes.has(name)) return;
    const index = new SecondaryIndex(collection, valueFor);
    this.indexes.set(name, index);
    for (const entry of this.list(collection).entries) index.update(entry.key, undefined, entry.object);
  }

  listIndexed(name: string, value: string, prefix: string): ListResult {
    const index = this.indexes.get(name);
    if (!index) throw new Error(`no index "${name}"`);
    const entries: Entry[] = [];
    for (const key of index.keys(value)) if (key.startsWith(prefix)) entries.push(this.objects.get(key)!);
    return { revision: this.rev, entries };
  }

  create(key: string, object: KubeObject): Promise<Entry> {
    if (this.objects.has(key)) return Promise.reject(new StoreError('AlreadyExists', key));
    const rev = ++this.rev;
    const entry = makeEntry(key, rev, rev, object);
    return this.apply({ type: 'ADDED', rev, entry, previous: undefined });
  }

  update(key: string, object: KubeObject, expectedRev?: number, options?: UpdateOptions): Promise<Entry> {
    const previous = this.objects.get(key);
    if (!previous) return Promise.reject(new StoreError('NotFound', key));
    if (expectedRev !== undefined && expectedRev !== previous.rev)
      return Promise.reject(new StoreError('Conflict', key));
    const rev = ++this.rev;
    const entry = makeEntry(key, rev, previous.createRev, object);
    return this.apply({ type: 'MODIFIED', rev, entry, previous }, options?.soft === true);
  }

  delete(key: string, expectedRev?: number): Promise<Entry> {
    const previous = this.objects.get(key);
    if (!previous) return Promise.reject(new StoreError('NotFound', key));
    if (expectedRev !== undefined && expectedRev !== previous.rev)
      return Promise.reject(new StoreError('Conflict', key));
    const rev = ++this.rev;
    // Like Kubernetes, a deleted object is reported with the revision of its deletion.
    const entry = makeEntry(key, rev, previous.createRev, previous.object);
    return this.apply({ type: 'DELETED', rev, entry, previous });
  }

  watch(
    prefix: string,
    fromRev: number,
    onEvent: (event: StoreEvent) => void,
    route?: WatchRoute,
  ): Unsubscribe {
    if (fromRev < this.compacted) throw expired(fromRev, this.compacted + 1);
    for (let i = this.firstHistoryIndexAfter(fromRev); i < this.history.length; i++) {
      const { event } = this.history[i]!;
      if (event.entry.key.startsWith(prefix)) onEvent(event);
    }
    return this.watchers.add(
      prefix,
      (event) => {
        if (event.rev > fromRev) onEvent(event);
      },
      route,
    );
  }

  compact(rev: number): void {
    const upTo = Math.min(rev, this.committedRevision);
    if (upTo <= this.compacted) return;
    let drop = 0;
    while (drop < this.history.length && this.history[drop]!.event.rev <= upTo) drop++;
    this.history.splice(0, drop);
    this.compacted = upTo;
    // After the commits already queued, like every write; a failure only leaves more history on disk.
    this.committer.run({ op: 'compact', upTo }).catch((err: Error) => {
      console.error(`store: compaction to revision ${upTo} failed (history stays on disk): ${err.message}`);
    });
  }

  /** Compacts by the retention policy: bounded count, but never younger than the retention window. */
  compactByPolicy(now = Date.now()): void {
    const { minHistoryEvents, maxHistoryEvents, historyRetentionMs } = this.opts;
    const excess = this.history.length - minHistoryEvents;
    if (excess <= 0) return;
    let drop = 0;
    const overCap = this.history.length - maxHistoryEvents;
    while (drop < excess && (drop < overCap || now - this.history[drop]!.at > historyRetentionMs)) drop++;
    if (drop > 0) this.compact(this.history[drop - 1]!.event.rev);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    while (this.committing.length > 0 || this.pending.length > 0) {
      await this.commitDone;
      this.flush();
    }
    // A clean stop: everything is on disk, so the next start needs no revision gap.
    await this.committer.run({ op: 'meta', entries: [['clean', 1]], mode: 'FULL' });
    await this.committer.close();
    this.db.close();
  }

  get committedRevision(): number {
    const oldest = this.committing[0] ?? this.pending[0];
    return oldest ? oldest.event.rev - 1 : this.rev;
  }

  private apply(event: StoreEvent, soft = false): Promise<Entry> {
    if (this.closed) return Promise.reject(new Error('store is closed'));
    this.applyToMemory(event);
    return new Promise((resolve, reject) => {
      this.pending.push({ event, soft, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Group commit: one transaction (one fsync) for every write queued while the previous commit ran
   * (at least this turn of the event loop). A batch of soft writes only skips the fsync while the
   * last fsync is recent and few soft writes wait for one.
   */
  private flush(): void {
    this.flushScheduled = false;
    if (this.committing.length > 0 || this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.committing = batch;
    const soft =
      batch.every((w) => w.soft) &&
      Date.now() - this.lastSyncAt < SOFT_SYNC_MS &&
      this.softUnsynced + batch.length <= MAX_SOFT_UNSYNCED;
    const rows = batch.map((w) => this.rowOf(w.event));
    const revision = batch[batch.length - 1]!.event.rev;
    this.commitDone = this.committer
      .run({ op: 'commit', rows, revision, mode: soft ? 'NORMAL' : 'FULL' })
      .then(
        () => this.committed(batch, soft),
        (err: unknown) => {
          for (const write of batch) write.reject(err);
          commitFailed(err);
        },
      );
  }

  private committed(batch: PendingWrite[], soft: boolean): void {
    const now = Date.now();
    this.committing = [];
    if (soft) {
      this.softUnsynced += batch.length;
      this.syncTimer ??= setTimeout(() => this.syncSoftWrites(), SOFT_SYNC_MS).unref();
    } else this.synced(now);
    for (const write of batch) {
      this.history.push({ event: write.event, at: now });
      this.watchers.publish(write.event);
      write.resolve(write.event.entry);
    }
    // The writes that arrived meanwhile are the next batch.
    if (this.pending.length > 0 && !this.closed) this.flush();
    // The count bound is enforced as history grows; the age bound by the hub's periodic call.
    // With slack, so compaction (its own transaction) runs once per many commits, not every one.
    const slack = Math.max(1, Math.floor(this.opts.maxHistoryEvents / 10));
    if (this.history.length > this.opts.maxHistoryEvents + slack) this.compactByPolicy(now);
  }

  private synced(now: number): void {
    this.softUnsynced = 0;
    this.lastSyncAt = now;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
  }

  /** Soft writes went quiet before a durable commit came along: put them on disk now. */
  private syncSoftWrites(): void {
    this.syncTimer = undefined;
    if (this.closed || this.softUnsynced === 0) return;
    const at = Date.now();
    this.committer
      .run({ op: 'meta', entries: [['revision', this.committedRevision]], mode: 'FULL' })
      .then(() => this.synced(at), commitFailed);
  }

  /** The event as a database row, sealed where the transformer says so. */
  private rowOf(event: StoreEvent): CommitRow {
    const { entry } = event;
    const seal = (json: string) =>
      this.transformer?.applies(entry.key) ? this.transformer.encode(json) : json;
    return [
      event.rev,
      entry.key,
      EVENT_CODES[event.type],
      entry.createRev,
      seal(entry.json),
      event.previous ? seal(event.previous.json) : null,
    ];
  }

  private open(key: string, stored: string): string {
    return this.transformer?.applies(key) ? this.transformer.decode(stored) : stored;
  }

  /**
   * Rewrites sensitive rows not sealed with the current key (after a key rotation, or when
   * encryption is turned on for an existing store). Returns how many rows were rewritten.
   */
  resealSensitiveRows(): number {
    const t = this.transformer;
    if (!t) return 0;
    let count = 0;
    const updateObject = this.db.prepare('UPDATE objects SET value = ? WHERE key = ?');
    const updateEvent = this.db.prepare('UPDATE events SET value = ?, prev = ? WHERE rev = ?');
    this.db.transaction(() => {
      const objects = this.db.prepare('SELECT key, value FROM objects').all() as {
        key: string;
        value: string;
      }[];
      for (const row of objects) {
        if (!t.applies(row.key) || !t.isStale(row.value)) continue;
        updateObject.run(t.encode(t.decode(row.value)), row.key);
        count++;
      }
      const events = this.db.prepare('SELECT rev, key, value, prev FROM events').all() as {
        rev: number;
        key: string;
        value: string;
        prev: string | null;
      }[];
      for (const row of events) {
        if (!t.applies(row.key) || (!t.isStale(row.value) && (row.prev === null || !t.isStale(row.prev))))
          continue;
        const prev = row.prev === null ? null : t.encode(t.decode(row.prev));
        updateEvent.run(t.encode(t.decode(row.value)), prev, row.rev);
        count++;
      }
    })();
    return count;
  }

  private applyToMemory(event: StoreEvent): void {
    const { key } = event.entry;
    const prefix = collectionOf(key);
    let collection = this.collections.get(prefix);
    if (!collection) {
      collection = { keys: new Set(), sorted: undefined };
      this.collections.set(prefix, collection);
    }
    if (this.indexes.size > 0) this.reindex(prefix, this.objects.get(key), event);
    if (event.type === 'DELETED') {
      this.objects.delete(key);
      collection.keys.delete(key);
      collection.sorted = undefined;
    } else {
      if (event.type === 'ADDED') {
        collection.keys.add(key);
        collection.sorted = undefined;
      }
      this.objects.set(key, event.entry);
    }
  }

  private reindex(collection: string, before: Entry | undefined, event: StoreEvent): void {
    const after = event.type === 'DELETED' ? undefined : event.entry.object;
    for (const index of this.indexes.values())
      if (index.collection === collection) index.update(event.entry.key, before?.object, after);
  }

  private firstHistoryIndexAfter(rev: number): number {
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.event.rev <= rev) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private load(writer: SqliteWriter): void {
    const meta = new Map<string, number>(
      (this.db.prepare('SELECT name, value FROM meta').all() as { name: string; value: number }[]).map(
        (r) => [r.name, r.value],
      ),
    );
    this.compacted = meta.get('compacted') ?? 0;
    let maxRev = Math.max(this.compacted, meta.get('revision') ?? 0);
    const rows = this.db.prepare('SELECT key, rev, create_rev, value FROM objects').iterate() as Iterable<{
      key: string;
      rev: number;
      create_rev: number;
      value: string;
    }>;
    for (const row of rows) {
      const entry = entryFromJson(row.key, row.rev, row.create_rev, this.open(row.key, row.value));
      this.applyToMemory({ type: 'ADDED', rev: row.rev, entry, previous: undefined });
      if (row.rev > maxRev) maxRev = row.rev;
    }
    const events = this.db
      .prepare('SELECT rev, key, type, create_rev, value, prev FROM events WHERE rev > ? ORDER BY rev')
      .iterate(this.compacted) as Iterable<{
      rev: number;
      key: string;
      type: number;
      create_rev: number;
      value: string;
      prev: string | null;
    }>;
    const loadedAt = Date.now();
    for (const row of events) {
      const type = EVENT_TYPES[row.type]!;
      const entry = entryFromJson(row.key, row.rev, row.create_rev, this.open(row.key, row.value));
      const previous =
        row.prev === null
          ? undefined
          : previousEntryFromJson(row.key, row.create_rev, this.open(row.key, row.prev));
      this.history.push({ event: { type, rev: row.rev, entry, previous }, at: loadedAt });
      if (row.rev > maxRev) maxRev = row.rev;
    }
    // After an unclean stop (kill -9, power cut) the last soft writes may be gone while clients saw
    // their revisions; skip past every revision they could have had so none is handed out twice.
    const unclean = meta.get('clean') === 0;
    this.rev = unclean ? maxRev + MAX_SOFT_UNSYNCED + 1 : maxRev;
    writer.setMeta(
      [
        ['revision', this.rev],
        ['clean', 0],
      ],
      'FULL',
    );
  }
}

/** Memory is ahead of disk after a failed commit; the only safe course is to stop before anyone reads it. */
function commitFailed(err: unknown): never {
  console.error('store: commit failed, stopping to protect data:', err);
  process.exit(70);
}

/** "/apps/deployments/ns/name" -> "/apps/deployments/"; keys always have at least group and resource. */
function collectionOf(key: string): string {
  const first = key.indexOf('/', 1);
  const second = key.indexOf('/', first + 1);
  return second < 0 ? `${key}/` : key.slice(0, second + 1);
}

function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The store takes ownership of `source`: its nested values are frozen, not copied. */
function makeEntry(key: string, rev: number, createRev: number, source: KubeObject): Entry {
  const object = { ...source, metadata: { ...source.metadata, resourceVersion: String(rev) } };
  const json = JSON.stringify(object);
  return { key, rev, createRev, object: deepFreeze(object), json };
}

function entryFromJson(key: string, rev: number, createRev: number, json: string): Entry {
  const object = JSON.parse(json) as KubeObject;
  if (object.metadata.resourceVersion !== String(rev)) {
    object.metadata.resourceVersion = String(rev);
    return { key, rev, createRev, object: deepFreeze(object), json: JSON.stringify(object) };
  }
  return { key, rev, createRev, object: deepFreeze(object), json };
}

function previousEntryFromJson(key: string, createRev: number, json: string): Entry {
  const object = JSON.parse(json) as KubeObject;
  return { key, rev: Number(object.metadata.resourceVersion), createRev, object: deepFreeze(object), json };
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
