/**
 * Which pods a controller deletes first when it scales down, in upstream's order: unscheduled
 * before scheduled, Pending before Unknown before Running, not ready before ready, lower
 * `controller.kubernetes.io/pod-deletion-cost`, more pods of the same family on the node, ready for
 * less time, more container restarts, created more recently.
 */
import type { KubeObject } from '../api/types.js';
import { isPodReady, podCondition } from './workload-util.js';

export const POD_DELETION_COST = 'controller.kubernetes.io/pod-deletion-cost';

const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function deletionCost(pod: KubeObject): number {
  const raw = pod.metadata.annotations?.[POD_DELETION_COST];
  const value = raw === undefined ? 0 : Number(raw);
  return Number.isInteger(value) ? value : 0;
}

function restarts(pod: KubeObject): number {
  let max = 0;
  for (const s of (pod.status?.containerStatuses ?? []) as { restartCount?: number }[])
    max = Math.max(max, s.restartCount ?? 0);
  return max;
}

/** Durations compared on a log2 scale, as upstream's LogarithmicScaleDown: similar ages tie. */
function ageBucket(timestamp: string | undefined, nowMs: number): number {
  const t = Date.parse(timestamp ?? '');
  if (!Number.isFinite(t)) return Number.NEGATIVE_INFINITY;
  const ms = Math.max(1, nowMs - t);
  return Math.floor(Math.log2(ms));
}

/**
 * Sorts pods so the ones to delete first come first. `ranks` counts, per pod name, the related pods
 * on the same node (higher goes first, spreading what remains).
 */
export function rankPodsForDeletion(
  pods: KubeObject[],
  ranks: Map<string, number> = new Map(),
  nowMs: number = Date.now(),
): KubeObject[] {
  const compare = (a: KubeObject, b: KubeObject): number => {
    const assignedA = a.spec?.nodeName ? 1 : 0;
    const assignedB = b.spec?.nodeName ? 1 : 0;
    if (assignedA !== assignedB) return assignedA - assignedB;
    const phaseA = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
    const phaseB = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
    if (phaseA !== phaseB) return phaseA - phaseB;
    const readyA = isPodReady(a) ? 1 : 0;
    const readyB = isPodReady(b) ? 1 : 0;
    if (readyA !== readyB) return readyA - readyB;
    const costA = deletionCost(a);
    const costB = deletionCost(b);
    if (costA !== costB) return costA - costB;
    const rankA = ranks.get(a.metadata.name!) ?? 0;
    const rankB = ranks.get(b.metadata.name!) ?? 0;
    if (rankA !== rankB) return rankB - rankA;
    if (readyA && readyB) {
      const sinceA = ageBucket(podCondition(a, 'Ready')?.lastTransitionTime, nowMs);
      const sinceB = ageBucket(podCondition(b, 'Ready')?.lastTransitionTime, nowMs);
      if (sinceA !== sinceB) return sinceA - sinceB;
    }
    const restartsA = restarts(a);
    const restartsB = restarts(b);
    if (restartsA !== restartsB) return restartsB - restartsA;
    const ageA = ageBucket(a.metadata.creationTimestamp, nowMs);
    const ageB = ageBucket(b.metadata.creationTimestamp, nowMs);
    if (ageA !== ageB) return ageA - ageB;
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  };
  return [...pods].sort(compare);
}

/** For each pod, how many of `related` pods share its node (unscheduled pods rank 0). */
export function ranksByCoLocation(pods: KubeObject[], related: KubeObject[]): Map<string, number> {
  const perNode = new Map<string, number>();
  for (const p of related) {
    const node = p.spec?.nodeName;
    if (node) perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranks = new Map<string, number>();
  for (const p of pods)
    ranks.set(p.metadata.name!, p.spec?.nodeName ? (perNode.get(p.spec.nodeName) ?? 0) : 0);
  return ranks;
}
