// The contract between the agent and the things that run a pod's containers. The agent resolves a
// container's module to a local file, builds a ContainerSpec and calls `start`; everything after
// that (logs, exit, stop, stats) goes through the RunningContainer it gets back.

/** How a container's module is meant to run. */
export type WorkloadKind =
  /** Runs to completion; its exit code is the result. */
  | 'job'
  /** Runs until it exits or is stopped. */
  | 'service'
  /** A WAGI handler: the runtime serves HTTP on the pod's port and runs the module once per request. */
  | 'http-handler';

export type LogStream = 'stdout' | 'stderr';

export interface ContainerPort {
  containerPort: number;
  protocol: 'TCP' | 'UDP' | 'SCTP';
}

export interface VolumeMount {
  /** Directory on the device. */
  hostPath: string;
  /** Where the container sees it (a WASI preopen name such as `/data`). */
  mountPath: string;
  readOnly: boolean;
}

export interface ResourceLimits {
  memoryBytes?: number;
  cpuMillis?: number;
}

export interface ContainerSpec {
  podUid: string;
  podName: string;
  namespace: string;
  containerName: string;
  /** The module (a `.wasm` file, or a native executable for the process runtime), already on disk. */
  module: { path: string };
  args: string[];
  env: Record<string, string>;
  ports: ContainerPort[];
  volumes: VolumeMount[];
  limits: ResourceLimits;
  kind: WorkloadKind;
  /** Working directory (process runtime only; WASI modules have no host working directory). */
  workingDir?: string;
  /** Receives output as it is produced, in order per stream. Must not throw. */
  logSink: (stream: LogStream, chunk: Buffer) => void;
}

export type ExitReason = 'Completed' | 'Error' | 'OOMKilled' | 'Killed';

export interface ExitResult {
  exitCode: number;
  reason: ExitReason;
  message?: string;
  finishedAt: Date;
}

export type ContainerState = 'running' | 'stopping' | 'exited';

export interface ContainerStats {
  /** Wasm: linear memory in use (all instances of a handler). Process: resident set size. */
  memoryBytes: number;
  /** CPU time used so far, where the runtime can measure it. */
  cpuMillis?: number;
}

export interface RunningContainer {
  readonly id: string;
  readonly startedAt: Date;
  readonly state: ContainerState;
  /** Where an http-handler listens (the real port when the spec asked for port 0). */
  readonly endpoint?: { host: string; port: number };
  /** Called once when the container has exited; at once (asynchronously) if it already has. */
  onExit(cb: (result: ExitResult) => void): void;
  /** Resolves once the container has exited. Safe to call more than once. */
  stop(gracePeriodMs: number): Promise<void>;
  stats(): ContainerStats;
}

export interface Runtime {
  readonly name: string;
  start(spec: ContainerSpec): Promise<RunningContainer>;
  /** Stops everything this runtime started and releases shared resources (worker pools, caches). */
  close?(): Promise<void>;
}

/**
 * `start` failed before the container ran. `reason` is what the agent puts in the container's
 * waiting state, as the kubelet does.
 */
export class ContainerStartError extends Error {
  constructor(
    readonly reason: 'CreateContainerConfigError' | 'CreateContainerError' | 'RunContainerError',
    message: string,
  ) {
    super(message);
    this.name = 'ContainerStartError';
  }
}

/** Exit codes the runtimes report when there is no code from the workload itself (128 + signal). */
export const EXIT_CODE = {
  /** Killed after the grace period, or stopped without one: SIGKILL. */
  killed: 137,
  /** Out of memory: the kernel's OOM killer uses SIGKILL too. */
  oomKilled: 137,
  /** A WebAssembly trap: the equivalent of SIGABRT. */
  trap: 134,
  /** The module could not be instantiated (missing imports and the like). */
  cannotRun: 128,
} as const;

export function exitReasonForCode(exitCode: number): 'Completed' | 'Error' {
  return exitCode === 0 ? 'Completed' : 'Error';
}

/** A small helper for the onExit/at-most-once bookkeeping every RunningContainer needs. */
export class ExitLatch {
  private result: ExitResult | undefined;
  private readonly callbacks: ((result: ExitResult) => void)[] = [];
  private readonly waiters: (() => void)[] = [];

  get exited(): boolean {
    return this.result !== undefined;
  }

  get value(): ExitResult | undefined {
    return this.result;
  }

  /** Records the result; later calls are ignored. Returns whether this call was the first. */
  settle(result: Omit<ExitResult, 'finishedAt'> & { finishedAt?: Date }): boolean {
    if (this.result) return false;
    const settled: ExitResult = { ...result, finishedAt: result.finishedAt ?? new Date() };
    if (settled.message === undefined) delete settled.message;
    this.result = settled;
    for (const cb of this.callbacks.splice(0)) invokeSafely(cb, settled);
    for (const w of this.waiters.splice(0)) w();
    return true;
  }

  onExit(cb: (result: ExitResult) => void): void {
    const result = this.result;
    if (result) queueMicrotask(() => invokeSafely(cb, result));
    else this.callbacks.push(cb);
  }

  wait(): Promise<void> {
    if (this.result) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }
}

function invokeSafely(cb: (result: ExitResult) => void, result: ExitResult): void {
  try {
    cb(result);
  } catch (err) {
    // A listener's failure must not keep the other listeners from running: rethrown on its own.
    queueMicrotask(() => {
      throw err;
    });
  }
}

/** Checks the parts of a spec every runtime relies on; throws CreateContainerConfigError. */
export function validateSpec(spec: ContainerSpec): void {
  const fail = (msg: string): never => {
    throw new ContainerStartError('CreateContainerConfigError', `${spec.containerName || '?'}: ${msg}`);
  };
  if (!spec.containerName) fail('containerName is empty');
  if (!spec.module?.path) fail('module.path is empty');
  if (typeof spec.logSink !== 'function') fail('logSink is not a function');
  const { memoryBytes, cpuMillis } = spec.limits ?? {};
  if (memoryBytes !== undefined && !(Number.isFinite(memoryBytes) && memoryBytes > 0)) {
    fail(`limits.memoryBytes must be a positive number, got ${memoryBytes}`);
  }
  if (cpuMillis !== undefined && !(Number.isFinite(cpuMillis) && cpuMillis > 0)) {
    fail(`limits.cpuMillis must be a positive number, got ${cpuMillis}`);
  }
  for (const [k, v] of Object.entries(spec.env ?? {})) {
    if (k === '' || k.includes('=') || k.includes('\0'))
      fail(`invalid environment variable name ${JSON.stringify(k)}`);
    if (typeof v !== 'string' || v.includes('\0'))
      fail(`environment variable ${k} must be a string without NUL`);
  }
  for (const a of spec.args ?? []) {
    if (typeof a !== 'string' || a.includes('\0')) fail('arguments must be strings without NUL');
  }
  const seen = new Set<string>();
  for (const v of spec.volumes ?? []) {
    if (!v.mountPath.startsWith('/')) fail(`volume mountPath ${JSON.stringify(v.mountPath)} is not absolute`);
    if (seen.has(v.mountPath)) fail(`two volumes are mounted at ${v.mountPath}`);
    seen.add(v.mountPath);
  }
  for (const p of spec.ports ?? []) {
    if (!Number.isInteger(p.containerPort) || p.containerPort < 0 || p.containerPort > 65535) {
      fail(`invalid containerPort ${p.containerPort}`);
    }
  }
}

let nextSerial = 0;

/** A container id: unique within this agent process, readable in logs. */
export function newContainerId(runtime: string, spec: ContainerSpec): string {
  nextSerial += 1;
  const rand = Math.random().toString(16).slice(2, 10);
  return `${runtime}://${spec.podUid.slice(0, 8)}-${spec.containerName}-${nextSerial.toString(36)}${rand}`;
}
