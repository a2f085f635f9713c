// Runs WASI preview1 modules, one worker thread per container (its own V8 heap, a capped JS heap and
// a capped linear memory). Jobs and services run the module once; HTTP handlers are served by
// wagi-server.ts. Compiled modules are cached per digest and shared with the workers.

import { stat } from 'node:fs/promises';
import type { Worker } from 'node:worker_threads';
import { CONTROL } from './control.js';
import { MemoryLimitError, ModuleCache } from './module-cache.js';
import {
  type ContainerSpec,
  ContainerStartError,
  type ContainerState,
  type ContainerStats,
  EXIT_CODE,
  ExitLatch,
  type ExitResult,
  exitReasonForCode,
  newContainerId,
  type RunningContainer,
  type Runtime,
  validateSpec,
} from './runtime.js';
import { type WagiOptions, WagiServer } from './wagi-server.js';
import type { InstanceOutcome } from './wasi-host.js';
import { WASM_PAGE_BYTES } from './wasm-binary.js';
import type { WorkerMessage } from './wasm-worker.js';
import type { WasmModule } from './webassembly.js';
import {
  DEFAULT_WORKER_LIMITS,
  environmentFor,
  isWorkerOutOfMemory,
  preopensFor,
  WorkerFactory,
  type WorkerLimits,
  wake,
} from './worker-spawn.js';

export interface WasmRuntimeOptions {
  /** Share one cache between runtimes; a private one by default. */
  cache?: ModuleCache;
  /** Limits of each worker's JS heap. */
  workerLimits?: Partial<WorkerLimits>;
  /**
   * Worker threads kept booted for the next start (default 1): a start then costs an instantiation
   * (~1 ms) instead of a thread boot (~35 ms). Each spare costs a few MB while idle.
   */
  spareWorkers?: number;
  /** Defaults for HTTP handlers (listen host, concurrency, timeouts, size limits). */
  http?: Partial<WagiOptions>;
}

export class WasmRuntime implements Runtime {
  readonly name = 'wasm';
  readonly cache: ModuleCache;
  private readonly factory: WorkerFactory;
  private readonly live = new Set<RunningContainer>();

  constructor(private readonly options: WasmRuntimeOptions = {}) {
    this.cache = options.cache ?? new ModuleCache();
    const limits: WorkerLimits = { ...DEFAULT_WORKER_LIMITS, ...options.workerLimits };
    this.factory = new WorkerFactory(limits, options.spareWorkers ?? 1);
  }

  /** Boots the spare workers now rather than at the first start. */
  prewarm(): void {
    this.factory.refill();
  }

  async start(spec: ContainerSpec): Promise<RunningContainer> {
    validateSpec(spec);
    await checkVolumes(spec);
    const limit = spec.limits.memoryBytes;
    let compiled: Awaited<ReturnType<ModuleCache['load']>>;
    try {
      compiled = await this.cache.load(spec.module.path, limit);
    } catch (err) {
      if (err instanceof MemoryLimitError) return this.track(new OomAtStart(spec, err.message));
      throw err;
    }
    if (compiled.info.memories.some((m) => m.imported)) {
      throw new ContainerStartError(
        'CreateContainerError',
        'the module imports its memory; WASI modules must define and export it',
      );
    }
    if (spec.kind === 'http-handler') {
      const server = new WagiServer(spec, compiled.module, this.factory, this.options.http);
      await server.start();
      return this.track(server);
    }
    return this.track(new WasmContainer(spec, compiled.module, this.factory));
  }

  /** Stops every container this runtime started (at once: no grace) and waits for them. */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((c) => c.stop(0)));
    await this.factory.close();
  }

  private track(c: RunningContainer): RunningContainer {
    this.live.add(c);
    c.onExit(() => this.live.delete(c));
    return c;
  }
}

async function checkVolumes(spec: ContainerSpec): Promise<void> {
  for (const v of spec.volumes) {
    const s = await stat(v.hostPath).catch(() => undefined);
    if (!s?.isDirectory()) {
      throw new ContainerStartError(
        'CreateContainerConfigError',
        `volume for ${v.mountPath}: host path ${v.hostPath} is not a directory`,
      );
    }
  }
}

/** A job or service: one worker running the module once. */
class WasmContainer implements RunningContainer {
  readonly id: string;
  readonly startedAt = new Date();
  private readonly latch = new ExitLatch();
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private stopping = false;

  constructor(
    private readonly spec: ContainerSpec,
    module: WasmModule,
    factory: WorkerFactory,
  ) {
    this.id = newContainerId('wasm', spec);
    const { worker, control } = factory.acquire({
      mode: 'run',
      module,
      args: [spec.containerName, ...spec.args],
      env: environmentFor(spec),
      preopens: preopensFor(spec),
      memoryLimitBytes: spec.limits.memoryBytes,
    });
    this.worker = worker;
    this.control = control;
    worker.on('message', (msg: WorkerMessage) => this.onMessage(msg));
    worker.on('error', (err) => {
      if (isWorkerOutOfMemory(err)) {
        this.finish({
          exitCode: EXIT_CODE.oomKilled,
          reason: 'OOMKilled',
          message: 'the worker ran out of JavaScript heap',
        });
      } else {
        this.finish({
          exitCode: EXIT_CODE.cannotRun,
          reason: 'Error',
          message: `worker failed: ${err.message}`,
        });
      }
    });
    worker.on('exit', (code) => {
      this.finish({
        exitCode: EXIT_CODE.cannotRun,
        reason: 'Error',
        message: `worker exited (${code}) without reporting a result`,
      });
    });
  }

  get state(): ContainerState {
    if (this.latch.exited) return 'exited';
    return this.stopping ? 'stopping' : 'running';
  }

  onExit(cb: (result: ExitResult) => void): void {
    this.latch.onExit(cb);
  }

  async stop(_gracePeriodMs: number): Promise<void> {
    // WASI preview1 has no signals: a module cannot be asked to shut down, so there is nothing to
    // wait for. Wake it if it sleeps and end the thread.
    if (!this.latch.exited && !this.stopping) {
      this.stopping = true;
      wake(this.control);
      const terminated = this.worker.terminate();
      this.finish({ exitCode: EXIT_CODE.killed, reason: 'Killed', message: 'stopped by the agent' });
      await terminated;
    }
    await this.latch.wait();
  }

  stats(): ContainerStats {
    return { memoryBytes: Atomics.load(this.control, CONTROL.memoryPages) * WASM_PAGE_BYTES };
  }

  private onMessage(msg: WorkerMessage): void {
    if (msg.type === 'log') {
      this.spec.logSink(
        msg.fd === 1 ? 'stdout' : 'stderr',
        Buffer.from(msg.chunk.buffer, msg.chunk.byteOffset, msg.chunk.byteLength),
      );
    } else if (msg.type === 'done') {
      this.finish(resultOf(msg.outcome));
      void this.worker.terminate();
    }
  }

  private finish(result: Omit<ExitResult, 'finishedAt'>): void {
    this.latch.settle(result);
  }
}

export function resultOf(outcome: InstanceOutcome): Omit<ExitResult, 'finishedAt'> {
  switch (outcome.kind) {
    case 'exit':
      return { exitCode: outcome.code, reason: exitReasonForCode(outcome.code) };
    case 'trap':
      return { exitCode: EXIT_CODE.trap, reason: 'Error', message: `wasm trap: ${outcome.message}` };
    case 'oom':
      return { exitCode: EXIT_CODE.oomKilled, reason: 'OOMKilled', message: outcome.message };
    case 'stopped':
      return { exitCode: EXIT_CODE.killed, reason: 'Killed', message: 'stopped by the agent' };
    case 'cannot-run':
      return { exitCode: EXIT_CODE.cannotRun, reason: 'Error', message: outcome.message };
  }
}

/** A module whose initial memory is already above the limit: it "ran" and was OOM-killed at once. */
class OomAtStart implements RunningContainer {
  readonly id: string;
  readonly startedAt = new Date();
  readonly state: ContainerState = 'exited';
  private readonly latch = new ExitLatch();

  constructor(spec: ContainerSpec, message: string) {
    this.id = newContainerId('wasm', spec);
    this.latch.settle({
      exitCode: EXIT_CODE.oomKilled,
      reason: 'OOMKilled',
      message,
      finishedAt: this.startedAt,
    });
  }

  onExit(cb: (result: ExitResult) => void): void {
    this.latch.onExit(cb);
  }

  async stop(): Promise<void> {}

  stats(): ContainerStats {
    return { memoryBytes: 0 };
  }
}
