// Starting and waking the worker threads that run WebAssembly, shared by the container runtime and
// the HTTP handler pool. Booting a worker thread (a V8 isolate and a Node environment) takes tens of
// milliseconds, far more than instantiating a compiled module, so the factory keeps a few spare
// workers booted ahead of time and hands one out with its job.

import { Worker } from 'node:worker_threads';
import { CONTROL } from './control.js';
import type { ContainerSpec } from './runtime.js';
import type { Preopen } from './wasi-host.js';
import type { ConfigureMessage, WorkerConfig, WorkerInit } from './wasm-worker.js';

const WORKER_URL = new URL('./wasm-worker.js', import.meta.url);

/** V8 limits of one worker's JavaScript heap (the module's linear memory is capped separately). */
export interface WorkerLimits {
  maxOldGenerationSizeMb: number;
  maxYoungGenerationSizeMb: number;
  stackSizeMb: number;
}

export const DEFAULT_WORKER_LIMITS: WorkerLimits = {
  maxOldGenerationSizeMb: 32,
  maxYoungGenerationSizeMb: 4,
  stackSizeMb: 4,
};

export interface SpawnedWorker {
  worker: Worker;
  control: Int32Array;
}

function spawn(config: WorkerConfig | undefined, limits: WorkerLimits): SpawnedWorker {
  const shared = new SharedArrayBuffer(CONTROL.length * Int32Array.BYTES_PER_ELEMENT);
  const init: WorkerInit = config ? { control: shared, config } : { control: shared };
  const worker = new Worker(WORKER_URL, {
    workerData: init,
    resourceLimits: limits,
    // node:wasi prints an ExperimentalWarning on first use; not the workload's output.
    execArgv: ['--no-warnings'],
    // The worker's own console output (never the module's: that goes through the WASI host) stays
    // out of the agent's stdio.
    stdout: true,
    stderr: true,
    stdin: false,
  });
  worker.stdout.resume();
  worker.stderr.resume();
  return { worker, control: new Int32Array(shared) };
}

/** Hands out workers for jobs, keeping `spares` booted workers in reserve. */
export class WorkerFactory {
  private readonly idle: SpawnedWorker[] = [];
  private closed = false;

  constructor(
    readonly limits: WorkerLimits,
    private readonly spares: number,
  ) {}

  /** A worker doing `config`: a spare when one is ready, a new one otherwise. Refills the spares. */
  acquire(config: WorkerConfig): SpawnedWorker {
    const spare = this.idle.shift();
    let got: SpawnedWorker;
    if (spare) {
      spare.worker.removeAllListeners('exit');
      spare.worker.removeAllListeners('error');
      spare.worker.ref();
      spare.worker.postMessage({ type: 'configure', config } satisfies ConfigureMessage);
      got = spare;
    } else {
      got = spawn(config, this.limits);
    }
    this.refill();
    return got;
  }

  /**
   * Boots spares up to the target. Deferred a little: constructing a Worker blocks this thread for
   * a few milliseconds, which should not delay the start that just took a spare.
   */
  refill(delayMs = 25): void {
    const t = setTimeout(() => {
      while (!this.closed && this.idle.length < this.spares) {
        const s = spawn(undefined, this.limits);
        // A spare must not keep the agent's process alive, nor outlive a failure unnoticed.
        s.worker.unref();
        const drop = () => {
          const at = this.idle.indexOf(s);
          if (at !== -1) this.idle.splice(at, 1);
        };
        s.worker.once('exit', drop);
        s.worker.on('error', drop);
        this.idle.push(s);
      }
    }, delayMs);
    t.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((s) => s.worker.terminate()));
  }
}

/** Asks the module to stop at its next system call, waking it if it is sleeping. */
export function wake(control: Int32Array): void {
  Atomics.store(control, CONTROL.stop, 1);
  Atomics.notify(control, CONTROL.stop);
}

export function preopensFor(spec: ContainerSpec): Preopen[] {
  return spec.volumes.map((v) => ({ guestPath: v.mountPath, hostPath: v.hostPath, readOnly: v.readOnly }));
}

/** The module's environment: the spec's, plus HOSTNAME as container runtimes set it. */
export function environmentFor(spec: ContainerSpec): Record<string, string> {
  return { HOSTNAME: spec.podName, ...spec.env };
}

export function isWorkerOutOfMemory(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY';
}
