// Entry point of a runtime worker thread. A worker starts either with its job in workerData, or as
// a spare: booted ahead of time, waiting for a 'configure' message, so that starting a container
// does not wait for a thread to boot. Two jobs:
// - 'run': one container (job or service). Runs the module once, streams its output, reports how it
//   ended, and lets the thread finish.
// - 'pool': one warm worker of an HTTP handler's pool. Waits for requests; each runs a fresh instance
//   of the module with the request as environment and stdin and returns its stdout.

import { parentPort, workerData } from 'node:worker_threads';
import { CONTROL } from './control.js';
import { type InstanceOutcome, type Preopen, runInstance } from './wasi-host.js';
import type { WasmModule } from './webassembly.js';

export interface RunConfig {
  mode: 'run';
  module: WasmModule;
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  memoryLimitBytes?: number;
}

export interface PoolConfig {
  mode: 'pool';
  module: WasmModule;
  preopens: Preopen[];
  memoryLimitBytes?: number;
  /** Stdout beyond this many bytes ends the instance with outcome 'too-large'. */
  maxResponseBytes: number;
}

export type WorkerConfig = RunConfig | PoolConfig;

export interface WorkerInit {
  control: SharedArrayBuffer;
  /** Absent for a spare, which waits for a ConfigureMessage. */
  config?: WorkerConfig;
}

export interface ConfigureMessage {
  type: 'configure';
  config: WorkerConfig;
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

if (!parentPort) throw new Error('wasm-worker.js runs only as a worker thread');
const port = parentPort;
const init = workerData as WorkerInit;
const control = new Int32Array(init.control);
const post = (msg: WorkerMessage, transfer: ArrayBuffer[] = []): void => port.postMessage(msg, transfer);

function run(config: RunConfig): void {
  const outcome = runInstance({
    module: config.module,
    args: config.args,
    env: config.env,
    preopens: config.preopens,
    memoryLimitBytes: config.memoryLimitBytes,
    control,
    write: (fd, chunk) => post({ type: 'log', fd, chunk }, [chunk.buffer as ArrayBuffer]),
  });
  post({ type: 'done', outcome });
}

function serve(config: PoolConfig): void {
  port.on('message', (msg: RequestMessage) => {
    if (msg.type !== 'request') return;
    const parts: Uint8Array[] = [];
    let size = 0;
    let outcome: InstanceOutcome | { kind: 'too-large' };
    try {
      outcome = runInstance({
        module: config.module,
        args: msg.args,
        env: msg.env,
        preopens: config.preopens,
        stdin: msg.stdin,
        memoryLimitBytes: config.memoryLimitBytes,
        control,
        write: (fd, chunk) => {
          if (fd === 2) {
            post({ type: 'log', fd, chunk }, [chunk.buffer as ArrayBuffer]);
            return;
          }
          size += chunk.length;
          if (size > config.maxResponseBytes) throw new TooLarge();
          parts.push(chunk);
        },
      });
    } catch (err) {
      if (!(err instanceof TooLarge)) throw err;
      outcome = { kind: 'too-large' };
    }
    // runInstance reports exceptions from `write` as 'cannot-run'; recover the real cause.
    if (size > config.maxResponseBytes) outcome = { kind: 'too-large' };
    Atomics.store(control, CONTROL.memoryPages, 0);
    const keep = outcome.kind === 'too-large' ? [] : parts;
    const stdout = new Uint8Array(outcome.kind === 'too-large' ? 0 : size);
    let off = 0;
    for (const p of keep) {
      stdout.set(p, off);
      off += p.length;
    }
    post({ type: 'response', id: msg.id, outcome, stdout }, [stdout.buffer as ArrayBuffer]);
  });
  post({ type: 'ready' });
}

function begin(config: WorkerConfig): void {
  if (config.mode === 'run') run(config);
  else serve(config);
}

if (init.config) begin(init.config);
else port.once('message', (msg: ConfigureMessage) => begin(msg.config));
