// Starting and waking the worker threads that run WebAssembly, shared by the container runtime and
// the HTTP handler pool.

import { Worker } from 'node:worker_threads';
import { CONTROL } from './control.js';
import type { ContainerSpec } from './runtime.js';
import type { Preopen } from './wasi-host.js';
import type { PoolWorkerData, RunWorkerData } from './wasm-worker.js';

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

export function spawnWorker(
  data: Omit<RunWorkerData, 'control'> | Omit<PoolWorkerData, 'control'>,
  limits: WorkerLimits,
): SpawnedWorker {
  const shared = new SharedArrayBuffer(CONTROL.length * Int32Array.BYTES_PER_ELEMENT);
  const worker = new Worker(WORKER_URL, {
    workerData: { ...data, control: shared },
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
