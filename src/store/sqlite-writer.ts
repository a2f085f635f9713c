/**
 * Every write the store makes to its SQLite file, as plain synchronous calls on one connection. The
 * store runs it on its own thread for `:memory:` databases and in a commit worker for files (see
 * committer.ts), so the rows, not the objects, cross the thread boundary.
 */
import type Database from 'better-sqlite3';

/** One event as stored: the objects table follows it (upsert, or delete for type 2). */
export type CommitRow = [
  rev: number,
  key: string,
  type: number,
  createRev: number,
  value: string,
  prev: string | null,
];

export type Synchronous = 'FULL' | 'NORMAL';

import type { EventType } from './store.js';

/** How event types are stored (the `type` column). */
export const EVENT_CODES: Record<EventType, number> = { ADDED: 0, MODIFIED: 1, DELETED: 2 };
export const EVENT_TYPES: EventType[] = ['ADDED', 'MODIFIED', 'DELETED'];

/** What a committer is asked to do, in order. */
export type WriteOperation =
  | { op: 'commit'; rows: CommitRow[]; revision: number; mode: Synchronous }
  | { op: 'meta'; entries: [name: string, value: number][]; mode: Synchronous }
  | { op: 'compact'; upTo: number }
  | { op: 'close' };

export function ensureSchema(db: Database.Database): void {
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the write is acknowledged, so it survives power loss, not just
  // kill -9. Batches of soft writes only (heartbeats) commit with NORMAL: in WAL mode that is still
  // safe from a process crash, and the next FULL commit puts them on disk in order.
  db.pragma('synchronous = FULL');
  // The commit worker and the store's own connection (start-up, re-sealing) take turns writing.
  db.pragma('busy_timeout = 10000');
  db.exec(`
    CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, rev INTEGER NOT NULL, create_rev INTEGER NOT NULL, value TEXT NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS events (rev INTEGER PRIMARY KEY, key TEXT NOT NULL, type INTEGER NOT NULL, create_rev INTEGER NOT NULL, value TEXT NOT NULL, prev TEXT);
    CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
  `);
}

export class SqliteWriter {
  private synchronous: Synchronous = 'FULL';
  private readonly upsert: Database.Statement;
  private readonly remove: Database.Statement;
  private readonly logEvent: Database.Statement;
  private readonly setMetaStmt: Database.Statement;
  private readonly compactLog: Database.Statement;

  constructor(private readonly db: Database.Database) {
    this.upsert = db.prepare(
      'INSERT INTO objects (key, rev, create_rev, value) VALUES (?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET rev = excluded.rev, value = excluded.value',
    );
    this.remove = db.prepare('DELETE FROM objects WHERE key = ?');
    this.logEvent = db.prepare(
      'INSERT INTO events (rev, key, type, create_rev, value, prev) VALUES (?, ?, ?, ?, ?, ?)',
    );
    this.setMetaStmt = db.prepare(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value',
    );
    this.compactLog = db.prepare('DELETE FROM events WHERE rev <= ?');
  }

  apply(operation: WriteOperation): void {
    if (operation.op === 'commit') this.commit(operation.rows, operation.revision, operation.mode);
    else if (operation.op === 'meta') this.setMeta(operation.entries, operation.mode);
    else if (operation.op === 'compact') this.compact(operation.upTo);
    else this.db.close();
  }

  /** One transaction for the batch: the event log, the current objects, the revision. */
  commit(rows: CommitRow[], revision: number, mode: Synchronous): void {
    this.setSynchronous(mode);
    this.db.transaction(() => {
      for (const [rev, key, type, createRev, value, prev] of rows) {
        this.logEvent.run(rev, key, type, createRev, value, prev);
        if (type === EVENT_CODES.DELETED) this.remove.run(key);
        else this.upsert.run(key, rev, createRev, value);
      }
      this.setMetaStmt.run('revision', revision);
    })();
  }

  setMeta(entries: [name: string, value: number][], mode: Synchronous): void {
    this.setSynchronous(mode);
    this.db.transaction(() => {
      for (const [name, value] of entries) this.setMetaStmt.run(name, value);
    })();
  }

  compact(upTo: number): void {
    this.db.transaction(() => {
      this.compactLog.run(upTo);
      this.setMetaStmt.run('compacted', upTo);
    })();
  }

  private setSynchronous(mode: Synchronous): void {
    if (this.synchronous === mode) return;
    this.db.pragma(`synchronous = ${mode}`);
    this.synchronous = mode;
  }
}
