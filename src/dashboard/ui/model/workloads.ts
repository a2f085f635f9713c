/**
 * Rollout progress of Deployments and DaemonSets across the fleet, and pods summarised the way
 * kubectl's STATUS and READY columns show them. Pure functions of the objects.
 */
import type { KubeObject } from '../../../api/types.js';

export interface Rollout {
  /** Replicas (Deployment) or devices that should run the pod (DaemonSet). */
  desired: number;
  /** Running the current template. */
  updated: number;
  ready: number;
  available: number;
  /** The controller has not yet seen the latest spec (metadata.generation > status.observedGeneration). */
  stale: boolean;
  complete: boolean;
  /** A short sentence: "2 of 3 updated, 1 ready". */
  summary: string;
}

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function rollout(obj: KubeObject): Rollout {
  const s = obj.status ?? {};
  const isDaemonSet = obj.kind === 'DaemonSet';
  const desired = isDaemonSet ? n(s.desiredNumberScheduled) : n(obj.spec?.replicas ?? 1);
  const updated = isDaemonSet ? n(s.updatedNumberScheduled) : n(s.updatedReplicas);
  const ready = isDaemonSet ? n(s.numberReady) : n(s.readyReplicas);
  const available = isDaemonSet ? n(s.numberAvailable) : n(s.availableReplicas);
  const stale = obj.metadata.generation !== undefined && n(s.observedGeneration) < n(obj.metadata.generation);
  const complete = !stale && updated >= desired && ready >= desired && available >= desired;
  const unit = isDaemonSet ? 'devices' : 'replicas';
  const summary = complete
    ? `${desired} of ${desired} ${unit} up to date and ready`
    : `${updated} of ${desired} updated, ${ready} ready, ${available} available`;
  return { desired, updated, ready, available, stale, complete, summary };
}

export interface PodSummary {
  /** kubectl's STATUS: a waiting/terminated reason, Terminating, or the phase. */
  status: string;
  tone: 'ok' | 'warn' | 'bad' | 'muted';
  ready: string;
  restarts: number;
}

export function podSummary(pod: KubeObject): PodSummary {
  const statuses: Record<string, unknown>[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  const readyCount = statuses.filter((c) => c.ready === true).length;
  const restarts = statuses.reduce((sum, c) => sum + n(c.restartCount), 0);
  let status: string = pod.status?.phase ?? 'Pending';
  for (const c of statuses) {
    const state = c.state as Record<string, { reason?: string }> | undefined;
    const reason = state?.waiting?.reason ?? state?.terminated?.reason;
    if (reason && reason !== 'Completed') status = reason;
  }
  if (pod.metadata.deletionTimestamp) status = 'Terminating';
  if (!pod.spec?.nodeName && status === 'Pending') status = 'Pending (unscheduled)';
  const tone: PodSummary['tone'] =
    status === 'Running' && readyCount === total
      ? 'ok'
      : status === 'Succeeded' || status === 'Terminating'
        ? 'muted'
        : /Err|BackOff|Failed|Unknown/.test(status)
          ? 'bad'
          : 'warn';
  return { status, tone, ready: `${readyCount}/${total}`, restarts };
}

/** Whether a label selector ({matchLabels, matchExpressions}) selects these labels. */
export function selects(selector: KubeObject['spec'], labels: Record<string, string> | undefined): boolean {
  if (!selector) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries((selector.matchLabels ?? {}) as Record<string, string>)) {
    if (l[k] !== v) return false;
  }
  for (const e of (selector.matchExpressions ?? []) as {
    key: string;
    operator: string;
    values?: string[];
  }[]) {
    const has = e.key in l;
    const inValues = has && (e.values ?? []).includes(l[e.key]!);
    if (e.operator === 'In' && !inValues) return false;
    if (e.operator === 'NotIn' && inValues) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/** The pods a workload selects in its namespace. */
export function podsOf(workload: KubeObject, pods: Iterable<KubeObject>): KubeObject[] {
  const out: KubeObject[] = [];
  for (const p of pods) {
    if (
      p.metadata.namespace === workload.metadata.namespace &&
      selects(workload.spec?.selector, p.metadata.labels)
    )
      out.push(p);
  }
  return out;
}
