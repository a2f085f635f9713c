/**
 * The kubelet's restart rules: whether a container that exited runs again (restartPolicy), and how
 * long to wait first (CrashLoopBackOff: immediate the first time, then base·2^(n−1) up to cap; a
 * container that ran at least `resetAfterMs` starts the count again).
 */

export type RestartPolicy = 'Always' | 'OnFailure' | 'Never';

export interface RestartBackoffOptions {
  baseMs: number;
  capMs: number;
  resetAfterMs: number;
}

export const KUBELET_RESTART_BACKOFF: RestartBackoffOptions = {
  baseMs: 10_000,
  capMs: 300_000,
  resetAfterMs: 600_000,
};

export function restartPolicyOf(pod: { spec?: { restartPolicy?: string } }): RestartPolicy {
  const policy = pod.spec?.restartPolicy;
  return policy === 'OnFailure' || policy === 'Never' ? policy : 'Always';
}

export function shouldRestart(policy: RestartPolicy, exitCode: number): boolean {
  if (policy === 'Always') return true;
  if (policy === 'OnFailure') return exitCode !== 0;
  return false;
}

/** Delay before the restart that follows `consecutive` quick exits in a row: 0 after the first. */
export function restartDelayMs(consecutive: number, options: RestartBackoffOptions): number {
  if (consecutive <= 1) return 0;
  return Math.min(options.capMs, options.baseMs * 2 ** Math.min(consecutive - 2, 30));
}

/** The new count of consecutive quick exits after a run that lasted `ranMs`. */
export function nextConsecutive(consecutive: number, ranMs: number, options: RestartBackoffOptions): number {
  return ranMs >= options.resetAfterMs ? 0 : consecutive + 1;
}
