// Runs a native executable as a container: spawned directly (no shell) with the spec's arguments,
// environment and working directory; stdout/stderr streamed to the log sink; stopped with SIGTERM
// and, after the grace period, SIGKILL, always by the child's own PID; its memory limit enforced by
// polling the resident set size in /proc and killing it (OOMKilled) when it goes over.
//
// There is no isolation here: the process sees the device's file system and network as the agent
// does. Volumes are not remapped (a process reads its volumes at their host paths).

import { type ChildProcess, spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
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

export interface ProcessRuntimeOptions {
  /** How often RSS and CPU time are read from /proc. */
  pollIntervalMs?: number;
  /** USER_HZ, the unit of CPU times in /proc/<pid>/stat (100 on Linux everywhere in practice). */
  clockTicksPerSecond?: number;
  /** Names of the agent's own environment variables passed through (e.g. PATH); none by default. */
  inheritEnv?: string[];
}

export class ProcessRuntime implements Runtime {
  readonly name = 'process';
  private readonly live = new Set<ProcessContainer>();
  private readonly pollIntervalMs: number;
  private readonly ticks: number;
  private readonly inheritEnv: string[];

  constructor(options: ProcessRuntimeOptions = {}) {
    this.pollIntervalMs = options.pollIntervalMs ?? 250;
    this.ticks = options.clockTicksPerSecond ?? 100;
    this.inheritEnv = options.inheritEnv ?? [];
  }

  async start(spec: ContainerSpec): Promise<RunningContainer> {
    validateSpec(spec);
    if (spec.kind === 'http-handler') {
      throw new ContainerStartError(
        'CreateContainerConfigError',
        `${spec.containerName}: http-handler is for WebAssembly modules; run a native server as a service`,
      );
    }
    if (spec.workingDir !== undefined) {
      const s = await stat(spec.workingDir).catch(() => undefined);
      if (!s?.isDirectory()) {
        throw new ContainerStartError(
          'CreateContainerConfigError',
          `working directory ${spec.workingDir} does not exist`,
        );
      }
    }
    const env: Record<string, string> = {};
    for (const name of this.inheritEnv) {
      const v = process.env[name];
      if (v !== undefined) env[name] = v;
    }
    Object.assign(env, { HOSTNAME: spec.podName }, spec.env);
    const container = new ProcessContainer(spec, env, this.pollIntervalMs, this.ticks);
    await container.spawned;
    this.live.add(container);
    container.onExit(() => this.live.delete(container));
    return container;
  }

  /** Stops every process this runtime started, each with SIGTERM then SIGKILL after `gracePeriodMs`. */
  async close(gracePeriodMs = 0): Promise<void> {
    await Promise.all([...this.live].map((c) => c.stop(gracePeriodMs)));
  }
}

class ProcessContainer implements RunningContainer {
  readonly id: string;
  readonly startedAt = new Date();
  /** Resolves once the process runs; rejects with ContainerStartError when it could not be started. */
  readonly spawned: Promise<void>;
  private readonly child: ChildProcess;
  private readonly latch = new ExitLatch();
  private stopRequested = false;
  private oomKilled: string | undefined;
  private rssBytes = 0;
  private cpuMillis: number | undefined;
  private poller: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(
    private readonly spec: ContainerSpec,
    env: Record<string, string>,
    pollIntervalMs: number,
    private readonly ticks: number,
  ) {
    this.id = newContainerId('process', spec);
    this.child = spawn(spec.module.path, spec.args, {
      cwd: spec.workingDir,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
    });
    this.child.stdout!.on('data', (chunk: Buffer) => spec.logSink('stdout', chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => spec.logSink('stderr', chunk));
    this.spawned = new Promise((resolve, reject) => {
      this.child.once('spawn', () => {
        this.startPolling(pollIntervalMs);
        resolve();
      });
      this.child.once('error', (err: NodeJS.ErrnoException) => {
        if (this.child.pid === undefined) {
          const reason =
            err.code === 'ENOENT' || err.code === 'EACCES' ? 'CreateContainerError' : 'RunContainerError';
          reject(new ContainerStartError(reason, `cannot start ${spec.module.path}: ${err.message}`));
        }
      });
    });
    // 'close' comes after the process exited and its stdout/stderr ended: every log chunk has been
    // delivered before the exit is reported.
    this.child.once('close', (code, signal) => this.exited(code, signal));
    // A descendant that inherited stdout/stderr can hold them open after the child exited; the
    // child's exit is reported anyway, a little later.
    this.child.once('exit', (code, signal) => {
      setTimeout(() => this.exited(code, signal), 2_000).unref();
    });
  }

  get state(): ContainerState {
    if (this.latch.exited) return 'exited';
    return this.stopRequested ? 'stopping' : 'running';
  }

  onExit(cb: (result: ExitResult) => void): void {
    this.latch.onExit(cb);
  }

  async stop(gracePeriodMs: number): Promise<void> {
    if (!this.latch.exited && !this.stopRequested) {
      this.stopRequested = true;
      if (gracePeriodMs <= 0) {
        this.signal('SIGKILL');
      } else {
        this.signal('SIGTERM');
        const timer = setTimeout(() => this.signal('SIGKILL'), gracePeriodMs);
        this.latch.onExit(() => clearTimeout(timer));
      }
    }
    await this.latch.wait();
  }

  stats(): ContainerStats {
    return {
      memoryBytes: this.rssBytes,
      ...(this.cpuMillis !== undefined ? { cpuMillis: this.cpuMillis } : {}),
    };
  }

  /** Signals the child by its PID (never a process group), only while it has not been reaped. */
  private signal(sig: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(sig);
  }

  private startPolling(intervalMs: number): void {
    void this.poll();
    this.poller = setInterval(() => void this.poll(), intervalMs);
    this.poller.unref();
  }

  private async poll(): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || this.polling || this.latch.exited) return;
    this.polling = true;
    try {
      const [status, statLine] = await Promise.all([
        readFile(`/proc/${pid}/status`, 'utf8'),
        readFile(`/proc/${pid}/stat`, 'utf8'),
      ]);
      if (this.latch.exited) return;
      const rss = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      this.rssBytes = rss ? Number(rss[1]) * 1024 : 0;
      // Fields after the command name (which may contain spaces and parentheses): utime is the
      // 14th field of the line, stime the 15th.
      const fields = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
      const utime = Number(fields[11]);
      const stime = Number(fields[12]);
      if (Number.isFinite(utime) && Number.isFinite(stime))
        this.cpuMillis = ((utime + stime) * 1000) / this.ticks;
      const limit = this.spec.limits.memoryBytes;
      if (limit !== undefined && this.rssBytes > limit && !this.oomKilled) {
        this.oomKilled = `resident memory ${this.rssBytes} bytes is above the limit of ${limit} bytes`;
        this.signal('SIGKILL');
      }
    } catch {
      // The process is gone (or /proc is not there): nothing to measure.
    } finally {
      this.polling = false;
    }
  }

  private exited(code: number | null, signal: NodeJS.Signals | null): void {
    if (this.latch.exited) return;
    clearInterval(this.poller);
    const signo = signal ? (osConstants.signals[signal] ?? 0) : 0;
    const exitCode = code ?? 128 + signo;
    let result: Omit<ExitResult, 'finishedAt'>;
    if (this.oomKilled) {
      result = { exitCode: EXIT_CODE.oomKilled, reason: 'OOMKilled', message: this.oomKilled };
    } else if (signal && this.stopRequested) {
      result = { exitCode, reason: 'Killed', message: `stopped by the agent (${signal})` };
    } else if (signal) {
      result = { exitCode, reason: 'Error', message: `terminated by ${signal}` };
    } else {
      result = { exitCode, reason: exitReasonForCode(exitCode) };
    }
    this.latch.settle(result);
  }
}
