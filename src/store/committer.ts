/**
 * Where the store's commits run. Files: a worker thread (commit-worker.ts), so the event loop keeps
 * serving while SQLite writes and syncs; while one commit is in flight the store gathers the next
 * batch, so under load commits grow instead of queueing. `:memory:` databases cannot be shared with
 * another thread, so they commit inline (they have no fsync to hide anyway).
 */
import { Worker } from 'node:worker_threads';
import type { SqliteWriter, WriteOperation } from './sqlite-writer.js';

export type CommitRequest = WriteOperation & { id: number };

export interface CommitResponse {
  id: number;
  error?: string;
}

export interface Committer {
  /** Resolves once the operation is committed; rejects with SQLite's error. */
  run(operation: WriteOperation): Promise<void>;
  close(): Promise<void>;
}

export class InlineCommitter implements Committer {
  constructor(private readonly writer: SqliteWriter) {}

  run(operation: WriteOperation): Promise<void> {
    try {
      // The store closes its own connection: inline there is only the one.
      if (operation.op !== 'close') this.writer.apply(operation);
      return Promise.resolve();
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async close(): Promise<void> {}
}

export class WorkerCommitter implements Committer {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve(): void; reject(err: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(path: string) {
    this.worker = new Worker(new URL('./commit-worker.js', import.meta.url), { workerData: { path } });
    // Idle, the worker must not keep the process alive; with commits in flight it must.
    this.worker.unref();
    this.worker.on('message', (response: CommitResponse) => {
      const waiter = this.waiting.get(response.id);
      if (!waiter) return;
      this.waiting.delete(response.id);
      if (this.waiting.size === 0) this.worker.unref();
      if (response.error) waiter.reject(new Error(response.error));
      else waiter.resolve();
    });
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => this.fail(new Error(`the commit worker exited (code ${code})`)));
  }

  run(operation: WriteOperation): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...operation, id } satisfies CommitRequest);
    });
  }

  async close(): Promise<void> {
    if (this.failure) return;
    await this.run({ op: 'close' });
    await this.worker.terminate();
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const waiter of this.waiting.values()) waiter.reject(err);
    this.waiting.clear();
  }
}
