// Entry point of a runtime worker thread. Two modes:
// - 'run': one container (job or service). Runs the module once, streams its output, reports how it
//   ended, and lets the thread finish.
// - 'pool': one warm worker of an HTTP handler's pool. Waits for requests; each runs a fresh instance
//   of the module with the request as environment and stdin and returns its stdout.

import { parentPort, workerData } from 'node:worker_threads';
import { CONTROL } from './control.js';
import { type InstanceOutcome, type Preopen, runInstance } from './wasi-host.js';
import type { WasmModule } from './webassembly.js';

export interface RunWorkerData {
  mode: 'run';
  control: SharedArrayBuffer;
  module: WasmModule;
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  memoryLimitBytes?: number;
}

export interface PoolWorkerData {
  mode: 'pool';
  control: SharedArrayBuffer;
  module: WasmModule;
  preopens: Preopen[];
  memoryLimitBytes?: number;
  /** Stdout beyond this many bytes ends the instance with outcome 'too-large'. */
  maxResponseBytes: number;
}

export interface RequestMessage {
  type: 'request';
  id: number;
  args: string[];
  env: Record<string, string>;
  stdin: Uint8Array;
}

/** Messages a worker posts to the agent. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'log'; fd: 1 | 2; chunk: Uint8Array }
  | { type: 'done'; outcome: InstanceOutcome }
  | { type: 'response'; id: number; outcome: InstanceOutcome | { kind: 'too-large' }; stdout: Uint8Array };

class TooLarge extends Error {}

const port = parentPort;
if (!port) throw new Error('wasm-worker.js runs only as a worker thread');
const data = workerData as RunWorkerData | PoolWorkerData;
const control = new Int32Array(data.control);
const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

if (data.mode === 'run') {
  const outcome = runInstance({
    module: data.module,
    args: data.args,
    env: data.env,
    preopens: data.preopens,
    memoryLimitBytes: data.memoryLimitBytes,
    control,
    write: (fd, chunk) => post({ type: 'log', fd, chunk }, [chunk.buffer as ArrayBuffer]),
  });
  post({ type: 'done', outcome });
} else {
  const pool = data;
  port.on('message', (msg: RequestMessage) => {
    if (msg.type !== 'request') return;
    const parts: Uint8Array[] = [];
    let size = 0;
    let outcome: InstanceOutcome | { kind: 'too-large' };
    try {
      outcome = runInstance({
        module: pool.module,
        args: msg.args,
        env: msg.env,
        preopens: pool.preopens,
        stdin: msg.stdin,
        memoryLimitBytes: pool.memoryLimitBytes,
        control,
        write: (fd, chunk) => {
          if (fd === 2) {
            post({ type: 'log', fd, chunk }, [chunk.buffer as ArrayBuffer]);
            return;
          }
          size += chunk.length;
          if (size > pool.maxResponseBytes) throw new TooLarge();
          parts.push(chunk);
        },
      });
    } catch (err) {
      if (!(err instanceof TooLarge)) throw err;
      outcome = { kind: 'too-large' };
    }
    // runInstance reports exceptions from `write` as 'cannot-run'; recover the real cause.
    if (size > pool.maxResponseBytes) outcome = { kind: 'too-large' };
    Atomics.store(control, CONTROL.memoryPages, 0);
    const stdout = new Uint8Array(outcome.kind === 'too-large' ? 0 : size);
    let off = 0;
    for (const p of outcome.kind === 'too-large' ? [] : parts) {
      stdout.set(p, off);
      off += p.length;
    }
    post({ type: 'response', id: msg.id, outcome, stdout }, [stdout.buffer as ArrayBuffer]);
  });
  post({ type: 'ready' });
}
