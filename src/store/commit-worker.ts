/**
 * The commit worker: owns the store's write connection so that SQLite's work (statements, WAL
 * writes, and above all fsync) happens beside the hub's event loop instead of on it. Requests are
 * handled strictly in order, one transaction each, and each is answered once it is committed.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CommitRequest, CommitResponse } from './committer.js';
import { ensureSchema, SqliteWriter } from './sqlite-writer.js';

const port = parentPort!;
const db = new Database((workerData as { path: string }).path);
ensureSchema(db);
const writer = new SqliteWriter(db);

port.on('message', (request: CommitRequest) => {
  let response: CommitResponse = { id: request.id };
  try {
    writer.apply(request);
  } catch (err) {
    response = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  port.postMessage(response);
});
