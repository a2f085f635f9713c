// WAGI-style HTTP handlers: the runtime owns the pod's port and runs the module once per request
// (CGI over WASI). Requests run on a pool of warm workers, so a request pays for an instantiation,
// not for a thread start. Concurrency is bounded by the pool, waiting requests by a queue, and each
// request by a timeout after which its worker is discarded.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import {
  BadRequest,
  CgiParseError,
  type CgiResponse,
  cgiArguments,
  cgiEnvironment,
  matchesRoute,
  parseCgiResponse,
} from './cgi.js';
import { CONTROL } from './control.js';
import {
  type ContainerSpec,
  ContainerStartError,
  type ContainerState,
  type ContainerStats,
  EXIT_CODE,
  ExitLatch,
  type ExitResult,
  newContainerId,
  type RunningContainer,
} from './runtime.js';
import type { InstanceOutcome } from './wasi-host.js';
import { WASM_PAGE_BYTES } from './wasm-binary.js';
import type { PoolConfig, RequestMessage, WorkerMessage } from './wasm-worker.js';
import type { WasmModule } from './webassembly.js';
import {
  environmentFor,
  isWorkerOutOfMemory,
  preopensFor,
  type WorkerFactory,
  wake,
} from './worker-spawn.js';

export interface WagiOptions {
  /** Address to listen on. Loopback unless the agent says otherwise. */
  host: string;
  /** Path prefix the handler serves ('/' = everything; others get 404 from the server). */
  route: string;
  /** Requests running at once (= most workers in the pool). */
  concurrency: number;
  /** Workers kept warm even when idle. */
  minIdleWorkers: number;
  /** An idle worker above minIdleWorkers is ended after this long. */
  idleWorkerTtlMs: number;
  /** Requests waiting for a worker; beyond it the server answers 503. */
  queueLimit: number;
  /** From the request's arrival to the module's exit; beyond it 504 and the worker is discarded. */
  requestTimeoutMs: number;
  maxBodyBytes: number;
  maxResponseBytes: number;
}

export const DEFAULT_WAGI_OPTIONS: WagiOptions = {
  host: '127.0.0.1',
  route: '/',
  concurrency: 4,
  minIdleWorkers: 1,
  idleWorkerTtlMs: 30_000,
  queueLimit: 64,
  requestTimeoutMs: 30_000,
  maxBodyBytes: 8 * 1024 * 1024,
  maxResponseBytes: 16 * 1024 * 1024,
};

type RunResult =
  | { kind: 'done'; outcome: InstanceOutcome | { kind: 'too-large' }; stdout: Buffer }
  | { kind: 'timeout' }
  | { kind: 'worker-failed'; message: string };

interface Job {
  message: Omit<RequestMessage, 'id' | 'type'>;
  deadline: number;
  resolve(result: RunResult): void;
  /** Set while the job waits in the queue: answers 504 if no worker frees up in time. */
  queueTimer?: NodeJS.Timeout;
}

class PoolWorker {
  readonly worker: Worker;
  readonly control: Int32Array;
  busy: Job | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  dead = false;
  readonly ready: Promise<void>;
  private nextId = 1;
  private currentId = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    config: PoolConfig,
    factory: WorkerFactory,
    private readonly onLog: (chunk: Buffer) => void,
    private readonly onGone: (w: PoolWorker) => void,
  ) {
    const spawned = factory.acquire(config);
    this.worker = spawned.worker;
    this.control = spawned.control;
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => {
      markReady = resolve;
    });
    this.worker.on('message', (msg: WorkerMessage) => {
      if (msg.type === 'ready') markReady();
      else if (msg.type === 'log')
        this.onLog(Buffer.from(msg.chunk.buffer, msg.chunk.byteOffset, msg.chunk.byteLength));
      else if (msg.type === 'response' && msg.id === this.currentId) {
        const stdout = Buffer.from(msg.stdout.buffer, msg.stdout.byteOffset, msg.stdout.byteLength);
        this.complete({ kind: 'done', outcome: msg.outcome, stdout });
      }
    });
    this.worker.on('error', (err) => {
      const message = isWorkerOutOfMemory(err)
        ? 'the handler worker ran out of JavaScript heap'
        : `the handler worker failed: ${err.message}`;
      this.fail(message);
    });
    this.worker.on('exit', () => {
      markReady();
      this.fail('the handler worker exited');
    });
  }

  run(job: Job): void {
    this.busy = job;
    this.currentId = this.nextId++;
    const wait = Math.max(0, job.deadline - Date.now());
    this.timer = setTimeout(() => {
      // Discard the worker first, so that it is not handed the next request.
      this.kill();
      this.complete({ kind: 'timeout' });
    }, wait);
    this.worker.postMessage(
      { type: 'request', id: this.currentId, ...job.message } satisfies RequestMessage,
      [job.message.stdin.buffer as ArrayBuffer],
    );
  }

  memoryBytes(): number {
    return Atomics.load(this.control, CONTROL.memoryPages) * WASM_PAGE_BYTES;
  }

  kill(): void {
    if (this.dead) return;
    this.dead = true;
    wake(this.control);
    void this.worker.terminate();
    this.onGone(this);
  }

  private complete(result: RunResult): void {
    const job = this.busy;
    if (!job) return;
    clearTimeout(this.timer);
    this.busy = undefined;
    this.currentId = 0;
    job.resolve(result);
  }

  private fail(message: string): void {
    const wasDead = this.dead;
    this.dead = true;
    this.complete({ kind: 'worker-failed', message });
    if (!wasDead) this.onGone(this);
  }
}

class WorkerPool {
  private readonly workers = new Set<PoolWorker>();
  private readonly idle: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private closed = false;

  constructor(
    private readonly config: PoolConfig,
    private readonly factory: WorkerFactory,
    private readonly opts: WagiOptions,
    private readonly onLog: (chunk: Buffer) => void,
  ) {}

  /** Starts the warm workers and waits until they can take requests. */
  async warm(): Promise<void> {
    const n = Math.min(this.opts.minIdleWorkers, this.opts.concurrency);
    const started: PoolWorker[] = [];
    for (let i = 0; i < n; i++) started.push(this.spawn());
    await Promise.all(started.map((w) => w.ready));
    for (const w of started) if (!w.dead) this.release(w);
  }

  get busyCount(): number {
    return this.workers.size - this.idle.length;
  }

  memoryBytes(): number {
    let total = 0;
    for (const w of this.workers) total += w.memoryBytes();
    return total;
  }

  /** Runs a request on a free worker, a new one, or the next one to free up. */
  run(message: Job['message'], timeoutMs: number): Promise<RunResult> {
    if (this.closed)
      return Promise.resolve({ kind: 'worker-failed', message: 'the handler is shutting down' });
    const w = this.idle.pop();
    return new Promise<RunResult>((resolve) => {
      const job: Job = { message, deadline: Date.now() + timeoutMs, resolve };
      if (w) {
        clearTimeout(w.idleTimer);
        this.dispatch(w, job);
      } else if (this.workers.size < this.opts.concurrency) {
        this.dispatch(this.spawn(), job);
      } else if (this.queue.length < this.opts.queueLimit) {
        this.queue.push(job);
        job.queueTimer = setTimeout(() => {
          const at = this.queue.indexOf(job);
          if (at === -1) return;
          this.queue.splice(at, 1);
          resolve({ kind: 'timeout' });
        }, timeoutMs);
      } else {
        resolve({ kind: 'worker-failed', message: 'queue full' });
      }
    });
  }

  isFull(): boolean {
    return (
      this.idle.length === 0 &&
      this.workers.size >= this.opts.concurrency &&
      this.queue.length >= this.opts.queueLimit
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) {
      clearTimeout(job.queueTimer);
      job.resolve({ kind: 'worker-failed', message: 'the handler is shutting down' });
    }
    const all = [...this.workers];
    await Promise.all(
      all.map((w) => {
        w.dead = true;
        wake(w.control);
        clearTimeout(w.idleTimer);
        return w.worker.terminate();
      }),
    );
  }

  private spawn(): PoolWorker {
    const w = new PoolWorker(this.config, this.factory, this.onLog, (gone) => this.remove(gone));
    this.workers.add(w);
    return w;
  }

  private dispatch(w: PoolWorker, job: Job): void {
    clearTimeout(job.queueTimer);
    const originalResolve = job.resolve;
    job.resolve = (result) => {
      originalResolve(result);
      if (!w.dead) this.release(w);
    };
    if (Date.now() >= job.deadline) {
      job.resolve({ kind: 'timeout' });
      return;
    }
    w.run(job);
  }

  private release(w: PoolWorker): void {
    if (this.closed || w.dead) return;
    const next = this.queue.shift();
    if (next) {
      this.dispatch(w, next);
      return;
    }
    this.idle.push(w);
    if (this.idle.length > this.opts.minIdleWorkers) {
      w.idleTimer = setTimeout(() => {
        const at = this.idle.indexOf(w);
        if (at === -1 || this.idle.length <= this.opts.minIdleWorkers) return;
        this.idle.splice(at, 1);
        w.kill();
      }, this.opts.idleWorkerTtlMs);
      w.idleTimer.unref();
    }
  }

  private remove(w: PoolWorker): void {
    this.workers.delete(w);
    const at = this.idle.indexOf(w);
    if (at !== -1) this.idle.splice(at, 1);
    clearTimeout(w.idleTimer);
    if (this.closed) return;
    // Keep requests moving: a queued request gets a new worker in place of the one that is gone.
    const next = this.queue.shift();
    if (next) this.dispatch(this.spawn(), next);
    else if (this.workers.size < this.opts.minIdleWorkers) {
      const fresh = this.spawn();
      void fresh.ready.then(() => {
        if (!fresh.dead && !fresh.busy && !this.idle.includes(fresh)) this.release(fresh);
      });
    }
  }
}

/** An http-handler container: an HTTP server on the pod's port backed by a worker pool. */
export class WagiServer implements RunningContainer {
  readonly id: string;
  readonly startedAt = new Date();
  private readonly opts: WagiOptions;
  private readonly latch = new ExitLatch();
  private readonly pool: WorkerPool;
  private readonly server: Server;
  private inFlight = 0;
  private stopping = false;
  private address: { host: string; port: number } | undefined;
  private drained: (() => void) | undefined;

  constructor(
    private readonly spec: ContainerSpec,
    module: WasmModule,
    factory: WorkerFactory,
    options: Partial<WagiOptions> = {},
  ) {
    this.opts = { ...DEFAULT_WAGI_OPTIONS, ...options };
    if (!(this.opts.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.id = newContainerId('wagi', spec);
    this.pool = new WorkerPool(
      {
        mode: 'pool',
        module,
        preopens: preopensFor(spec),
        memoryLimitBytes: spec.limits.memoryBytes,
        maxResponseBytes: this.opts.maxResponseBytes,
      },
      factory,
      this.opts,
      (chunk) => spec.logSink('stderr', chunk),
    );
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.requestTimeout = this.opts.requestTimeoutMs + 5_000;
  }

  get state(): ContainerState {
    if (this.latch.exited) return 'exited';
    return this.stopping ? 'stopping' : 'running';
  }

  get endpoint(): { host: string; port: number } | undefined {
    return this.address;
  }

  /** Warms the pool and listens. Rejects (and cleans up) when the port cannot be had. */
  async start(): Promise<void> {
    const port = this.spec.ports.find((p) => p.protocol === 'TCP')?.containerPort;
    if (port === undefined) {
      throw new ContainerStartError(
        'CreateContainerConfigError',
        `${this.spec.containerName}: an http-handler needs a TCP port`,
      );
    }
    await this.pool.warm();
    try {
      await new Promise<void>((resolve, reject) => {
        this.server.once('error', reject);
        this.server.listen({ host: this.opts.host, port }, () => {
          this.server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      await this.pool.close();
      throw new ContainerStartError(
        'RunContainerError',
        `${this.spec.containerName}: cannot listen on ${this.opts.host}:${port}: ${(err as Error).message}`,
      );
    }
    const addr = this.server.address() as AddressInfo;
    this.address = { host: addr.address, port: addr.port };
    this.server.on('error', (err) => {
      void this.shutdown(0, { exitCode: 1, reason: 'Error', message: `HTTP server failed: ${err.message}` });
    });
  }

  onExit(cb: (result: ExitResult) => void): void {
    this.latch.onExit(cb);
  }

  /**
   * Stops accepting requests and lets running ones finish within the grace period. Exits Completed
   * (0) when they all did, Killed (137) when some had to be cut off.
   */
  async stop(gracePeriodMs: number): Promise<void> {
    await this.shutdown(gracePeriodMs);
  }

  stats(): ContainerStats {
    return { memoryBytes: this.pool.memoryBytes() };
  }

  private async shutdown(gracePeriodMs: number, failure?: Omit<ExitResult, 'finishedAt'>): Promise<void> {
    if (this.stopping || this.latch.exited) {
      await this.latch.wait();
      return;
    }
    this.stopping = true;
    this.server.close();
    this.server.closeIdleConnections();
    let cutOff = false;
    if (this.inFlight > 0) {
      const drained = new Promise<void>((resolve) => {
        this.drained = resolve;
      });
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), Math.max(0, gracePeriodMs));
      });
      cutOff = await Promise.race([drained.then(() => false), expired]);
      clearTimeout(timer);
    }
    this.server.closeAllConnections();
    await this.pool.close();
    this.latch.settle(
      failure ??
        (cutOff
          ? {
              exitCode: EXIT_CODE.killed,
              reason: 'Killed',
              message: 'requests were still running after the grace period',
            }
          : { exitCode: 0, reason: 'Completed' }),
    );
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    try {
      await this.serve(req, res);
    } catch (err) {
      if (!res.headersSent) plain(res, 500, `internal error: ${(err as Error).message}`);
      else res.destroy();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const rawPath = url.split('?', 1)[0]!;
    if (this.stopping) {
      res.setHeader('Connection', 'close');
      return plain(res, 503, 'the handler is shutting down');
    }
    if (!matchesRoute({ prefix: this.opts.route }, rawPath))
      return plain(res, 404, 'no handler for this path');
    const started = Date.now();
    const body = await readBody(req, this.opts.maxBodyBytes);
    if (body === undefined) {
      res.setHeader('Connection', 'close');
      return plain(res, 413, `request body larger than ${this.opts.maxBodyBytes} bytes`);
    }
    let env: Record<string, string>;
    try {
      env = cgiEnvironment(
        {
          method: req.method ?? 'GET',
          url,
          headers: req.headers,
          bodyLength: body.length,
          remoteAddress: req.socket.remoteAddress ?? '',
          serverHost: this.address?.host ?? this.opts.host,
          serverPort: this.address?.port ?? 0,
          httpVersion: req.httpVersion,
        },
        { prefix: this.opts.route },
        environmentFor(this.spec),
      );
    } catch (err) {
      if (err instanceof BadRequest) return plain(res, 400, err.message);
      throw err;
    }
    if (this.pool.isFull()) return plain(res, 503, 'too many requests waiting for the handler');
    const remaining = this.opts.requestTimeoutMs - (Date.now() - started);
    const result = await this.pool.run(
      {
        args: [this.spec.containerName, ...this.spec.args, ...cgiArguments(url)],
        env,
        stdin: new Uint8Array(body),
      },
      Math.max(1, remaining),
    );
    if (res.destroyed) return;
    send(res, this.responseFor(result));
  }

  private responseFor(result: RunResult): CgiResponse {
    if (result.kind === 'timeout') {
      return plainResponse(504, `the handler did not answer within ${this.opts.requestTimeoutMs} ms`);
    }
    if (result.kind === 'worker-failed') {
      return plainResponse(result.message === 'queue full' ? 503 : 502, result.message);
    }
    const { outcome, stdout } = result;
    switch (outcome.kind) {
      case 'trap':
        return plainResponse(502, `the handler trapped: ${outcome.message}`);
      case 'oom':
        return plainResponse(502, `the handler ran out of memory: ${outcome.message}`);
      case 'stopped':
        return plainResponse(503, 'the handler is shutting down');
      case 'cannot-run':
        return plainResponse(502, `the handler could not run: ${outcome.message}`);
      case 'too-large':
        return plainResponse(
          502,
          `the handler's response is larger than ${this.opts.maxResponseBytes} bytes`,
        );
      case 'exit':
        try {
          return parseCgiResponse(stdout);
        } catch (err) {
          if (!(err instanceof CgiParseError)) throw err;
          const code = outcome.code === 0 ? '' : ` (it exited with code ${outcome.code})`;
          return plainResponse(502, `${err.message}${code}`);
        }
    }
  }
}

function send(res: ServerResponse, r: CgiResponse): void {
  const grouped = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of r.headers) {
    const key = name.toLowerCase();
    const entry = grouped.get(key) ?? { name, values: [] };
    entry.values.push(value);
    grouped.set(key, entry);
  }
  try {
    res.statusCode = r.status;
    if (r.statusText) res.statusMessage = r.statusText;
    for (const { name, values } of grouped.values())
      res.setHeader(name, values.length === 1 ? values[0]! : values);
    res.setHeader('Content-Length', r.body.length);
  } catch (err) {
    for (const name of res.getHeaderNames()) res.removeHeader(name);
    plain(res, 502, `the handler printed an invalid header: ${(err as Error).message}`);
    return;
  }
  res.end(r.body);
}

function plainResponse(status: number, message: string): CgiResponse {
  return {
    status,
    headers: [['Content-Type', 'text/plain; charset=utf-8']],
    body: Buffer.from(`${message}\n`),
  };
}

function plain(res: ServerResponse, status: number, message: string): void {
  const body = Buffer.from(`${message}\n`);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.end(body);
}

/** The whole body, or undefined once it grows past `max` (the rest is not read). */
function readBody(req: IncomingMessage, max: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > max) {
    req.resume();
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
