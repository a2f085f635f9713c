/**
 * The reference the hub is measured against: the same JSON objects written straight into SQLite with
 * better-sqlite3 (WAL, synchronous=FULL, like the hub's store) and read straight back, with no HTTP,
 * TLS, validation, watch history or API semantics in between. It is the floor a durable write and a
 * list can cost on this machine.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { type Summary, summarize } from './stats.js';

export interface Row {
  key: string;
  value: string;
}

export interface InsertResult {
  objects: number;
  transactions: number;
  seconds: number;
  perSecond: number;
  batchSize: number;
}

function open(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE IF NOT EXISTS objects (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID');
  return db;
}

/**
 * Inserts rows in transactions of `batchSize` (1 = one commit, one fsync, per object) into a fresh
 * database file, stopping after `maxSeconds` at a transaction boundary.
 */
export function timedInserts(
  file: string,
  rows: readonly Row[],
  batchSize: number,
  maxSeconds: number,
): InsertResult {
  const db = open(file);
  try {
    const insert = db.prepare('INSERT INTO objects (key, value) VALUES (?, ?)');
    const commit = db.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) insert.run(rows[i]!.key, rows[i]!.value);
    });
    const start = performance.now();
    const deadline = start + maxSeconds * 1000;
    let done = 0;
    let transactions = 0;
    while (done < rows.length) {
      const to = Math.min(rows.length, done + batchSize);
      commit(done, to);
      done = to;
      transactions++;
      if (performance.now() > deadline) break;
    }
    const seconds = (performance.now() - start) / 1000;
    return { objects: done, transactions, seconds, perSecond: done / seconds, batchSize };
  } finally {
    db.close();
  }
}

export interface ListReferenceResult {
  rows: number;
  /** SELECT every row, JSON.parse each value, JSON.stringify the list. */
  readParseStringify: Summary;
  /** SELECT every row and splice the stored JSON texts into the list envelope (no parsing). */
  readSplice: Summary;
  bytes: number;
}

/** A database holding the same objects the hub lists, to time reading them straight from SQLite. */
export class ListReference {
  private readonly db: Database.Database;
  private count = 0;

  constructor(dir: string) {
    this.db = open(join(dir, 'reference-list.db'));
  }

  /** Adds rows (untimed, one transaction). */
  add(rows: readonly Row[]): void {
    const insert = this.db.prepare('INSERT INTO objects (key, value) VALUES (?, ?)');
    this.db.transaction(() => {
      for (const row of rows) insert.run(row.key, row.value);
    })();
    this.count += rows.length;
  }

  /** Times full reads of every row, `iterations` times each way or until `budgetMs` runs out (at least 3). */
  measure(iterations: number, budgetMs: number): ListReferenceResult {
    const select = this.db.prepare('SELECT value FROM objects ORDER BY key').pluck();
    const envelope = { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '1' } };
    let bytes = 0;
    const run = (build: (values: string[]) => string): Summary => {
      const times: number[] = [];
      const deadline = performance.now() + budgetMs / 2;
      for (let i = 0; i < iterations && (i < 3 || performance.now() < deadline); i++) {
        const start = performance.now();
        const values = select.all() as string[];
        const text = build(values);
        times.push(performance.now() - start);
        if (values.length !== this.count)
          throw new Error(`reference list read ${values.length} rows, expected ${this.count}`);
        bytes = Buffer.byteLength(text);
      }
      return summarize(times);
    };
    const readParseStringify = run((values) =>
      JSON.stringify({ ...envelope, items: values.map((v) => JSON.parse(v) as unknown) }),
    );
    const head = JSON.stringify(envelope);
    const readSplice = run((values) => `${head.slice(0, -1)},"items":[${values.join(',')}]}`);
    return { rows: this.count, readParseStringify, readSplice, bytes };
  }

  close(): void {
    this.db.close();
  }
}
