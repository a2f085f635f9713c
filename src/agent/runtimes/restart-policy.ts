// The kubelet's restart rules as a small state machine per container: whether a container that
// exited runs again (restartPolicy), how long to wait first (CrashLoopBackOff), and the
// containerStatus the agent reports (state, lastState, restartCount, ready).
//
// Backoff as the kubelet does it: the first restart after a crash is immediate; each further one
// waits initialMs · 2^(n−2) (10 s, 20 s, 40 s, ... ) up to maxMs (5 min). A container that ran for
// resetAfterMs (10 min) before exiting starts the count again. All three are configurable (tests use
// milliseconds). The clock is injectable, so the machine is deterministic under test. It sets no
// timers itself: `exited` says when to restart and the agent schedules it.

import type { ExitResult } from './runtime.js';

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  resetAfterMs: number;
}

export const KUBELET_BACKOFF: BackoffOptions = { initialMs: 10_000, maxMs: 300_000, resetAfterMs: 600_000 };

/**
 * Delay before restarting after the `crashes`-th exit in a row (1 = the first): 0, then initialMs,
 * doubling, capped at maxMs.
 */
export function backoffDelayMs(crashes: number, opts: BackoffOptions = KUBELET_BACKOFF): number {
  if (crashes <= 1) return 0;
  const exponent = Math.min(crashes - 2, 40);
  return Math.min(opts.maxMs, opts.initialMs * 2 ** exponent);
}

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  return policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
}

// Container states in the shape of the Kubernetes API (core/v1 ContainerState).
export interface WaitingState {
  waiting: { reason: string; message?: string };
}
export interface RunningState {
  running: { startedAt: string };
}
export interface TerminatedState {
  terminated: {
    exitCode: number;
    reason: string;
    message?: string;
    startedAt: string;
    finishedAt: string;
    containerID?: string;
  };
}
export type ContainerStateValue = WaitingState | RunningState | TerminatedState;

export interface ContainerStatus {
  name: string;
  state: ContainerStateValue;
  lastState: ContainerStateValue | Record<string, never>;
  ready: boolean;
  started: boolean;
  restartCount: number;
  containerID?: string;
}

export type RestartDecision =
  | { restart: true; delayMs: number; at: number }
  | { restart: false; reason: 'policy' | 'stopped' };

export interface LifecycleOptions {
  backoff?: Partial<BackoffOptions>;
  /** Milliseconds since the epoch; Date.now by default. */
  now?: () => number;
  /** With a readiness probe the container is not ready until setReady(true). */
  hasReadinessProbe?: boolean;
  /** For the CrashLoopBackOff message, as the kubelet writes it. */
  pod?: { name: string; namespace: string; uid: string };
}

export class ContainerLifecycle {
  private readonly backoff: BackoffOptions;
  private readonly now: () => number;
  private current: ContainerStateValue = { waiting: { reason: 'ContainerCreating' } };
  private last: ContainerStateValue | undefined;
  private restarts = 0;
  private runs = 0;
  private crashes = 0;
  private runningSince: number | undefined;
  private containerId: string | undefined;
  private readyFlag = false;
  private stopped = false;
  private pendingRestartAt: number | undefined;

  constructor(
    readonly name: string,
    readonly policy: RestartPolicy,
    private readonly options: LifecycleOptions = {},
  ) {
    this.backoff = { ...KUBELET_BACKOFF, ...options.backoff };
    this.now = options.now ?? Date.now;
  }

  get restartCount(): number {
    return this.restarts;
  }

  /** When the pending restart is due (ms since the epoch), if one is pending. */
  get nextRestartAt(): number | undefined {
    return this.pendingRestartAt;
  }

  get isRunning(): boolean {
    return 'running' in this.current;
  }

  /** The container runs (again). A start after an earlier run counts as a restart. */
  started(containerId: string, startedAt: Date = new Date(this.now())): void {
    if (this.runs > 0) {
      this.restarts++;
      if ('terminated' in this.current) this.last = this.current;
    }
    this.runs++;
    this.pendingRestartAt = undefined;
    this.containerId = containerId;
    this.runningSince = startedAt.getTime();
    this.readyFlag = !this.options.hasReadinessProbe;
    this.current = { running: { startedAt: startedAt.toISOString() } };
  }

  /**
   * Starting failed before the container ran (CreateContainerError and the like). Retries follow the
   * same backoff as crashes; restartCount does not change.
   */
  startFailed(reason: string, message: string): RestartDecision {
    this.readyFlag = false;
    this.current = { waiting: { reason, message } };
    if (this.stopped) return { restart: false, reason: 'stopped' };
    this.crashes++;
    const delayMs = backoffDelayMs(this.crashes, this.backoff);
    const at = this.now() + delayMs;
    this.pendingRestartAt = at;
    return { restart: true, delayMs, at };
  }

  /** The container exited. Says whether and when to start it again, and updates the status. */
  exited(result: ExitResult): RestartDecision {
    const finishedAt = result.finishedAt.getTime();
    const ranMs = this.runningSince === undefined ? 0 : finishedAt - this.runningSince;
    const terminated: TerminatedState = {
      terminated: {
        exitCode: result.exitCode,
        reason: result.reason,
        ...(result.message ? { message: result.message } : {}),
        startedAt: new Date(this.runningSince ?? finishedAt).toISOString(),
        finishedAt: result.finishedAt.toISOString(),
        ...(this.containerId ? { containerID: this.containerId } : {}),
      },
    };
    this.readyFlag = false;
    this.runningSince = undefined;
    if (this.stopped || !shouldRestart(this.policy, result.exitCode)) {
      this.current = terminated;
      this.pendingRestartAt = undefined;
      return { restart: false, reason: this.stopped ? 'stopped' : 'policy' };
    }
    this.crashes = ranMs >= this.backoff.resetAfterMs ? 1 : this.crashes + 1;
    const delayMs = backoffDelayMs(this.crashes, this.backoff);
    const at = this.now() + delayMs;
    this.pendingRestartAt = at;
    if (delayMs === 0) {
      // Restarted at once: the status shows the exit until the new run starts.
      this.current = terminated;
    } else {
      this.last = terminated;
      const pod = this.options.pod;
      const who = pod ? ` pod=${pod.name}_${pod.namespace}(${pod.uid})` : '';
      this.current = {
        waiting: {
          reason: 'CrashLoopBackOff',
          message: `back-off ${formatDelay(delayMs)} restarting failed container=${this.name}${who}`,
        },
      };
    }
    return { restart: true, delayMs, at };
  }

  /** No more restarts (the pod is being deleted); a later exit only records the termination. */
  stop(): void {
    this.stopped = true;
    this.pendingRestartAt = undefined;
  }

  setReady(ready: boolean): void {
    this.readyFlag = ready && this.isRunning;
  }

  status(): ContainerStatus {
    return {
      name: this.name,
      state: this.current,
      lastState: this.last ?? {},
      ready: this.readyFlag && this.isRunning,
      started: this.isRunning,
      restartCount: this.restarts,
      ...(this.containerId ? { containerID: this.containerId } : {}),
    };
  }
}

function formatDelay(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000}m0s`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)}m${Math.round((ms % 60_000) / 1000)}s`;
  if (ms >= 1000) return `${Math.round(ms / 1000)}s`;
  return `${ms}ms`;
}
