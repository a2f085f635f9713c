/**
 * The pod side of the kubelet's restart rules. The rules themselves (restartPolicy, the
 * CrashLoopBackOff schedule) live in the runtimes library and are reused here; this adds reading
 * the policy from a pod and counting crashes across a persisted record.
 */
import type { KubeObject } from '../../api/types.js';
import { type BackoffOptions, KUBELET_BACKOFF, type RestartPolicy } from '../runtimes/index.js';

export {
  type BackoffOptions,
  backoffDelayMs,
  KUBELET_BACKOFF,
  type RestartPolicy,
  shouldRestart,
} from '../runtimes/index.js';

export const DEFAULT_RESTART_BACKOFF: BackoffOptions = KUBELET_BACKOFF;

export function restartPolicyOf(pod: KubeObject): RestartPolicy {
  const policy = pod.spec?.restartPolicy;
  return policy === 'OnFailure' || policy === 'Never' ? policy : 'Always';
}

/** Crashes in a row after a run that lasted `ranMs`: a long run starts the count again at 1. */
export function nextCrashCount(crashes: number, ranMs: number, options: BackoffOptions): number {
  return ranMs >= options.resetAfterMs ? 1 : crashes + 1;
}
