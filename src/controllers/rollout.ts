/**
 * The Deployment controller's arithmetic, free of I/O: surge and unavailability bounds, how far the
 * new ReplicaSet may grow and the old ones shrink in a rolling update, proportional scaling, status
 * and the conditions `kubectl rollout status` reads. Mirrors upstream's deployment util semantics.
 */
import type { KubeObject } from '../api/types.js';
import {
  type Condition,
  findCondition,
  removeCondition,
  scaledValue,
  setCondition,
  templatesEqualIgnoringHash,
} from './workload-util.js';

export const REVISION = 'deployment.kubernetes.io/revision';
export const REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';
const ROLLBACK_TO = 'deprecated.deployment.rollback.to';
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/** Deployment annotations that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set([
  LAST_APPLIED,
  REVISION,
  REVISION_HISTORY,
  DESIRED_REPLICAS,
  MAX_REPLICAS,
  ROLLBACK_TO,
]);

/** progressDeadlineSeconds at this value means "no deadline". */
const MAX_INT32 = 2147483647;

export const REASON = {
  newRSCreated: 'NewReplicaSetCreated',
  foundNewRS: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRSAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

// ---- counts -------------------------------------------------------------------------------

export function specReplicas(obj: KubeObject | undefined): number {
  return Number(obj?.spec?.replicas ?? 0);
}

export function desiredReplicas(d: KubeObject): number {
  return Number(d.spec?.replicas ?? 1);
}

const statusCount = (rs: KubeObject | undefined, field: string): number => Number(rs?.status?.[field] ?? 0);

export const sumSpecReplicas = (list: (KubeObject | undefined)[]): number =>
  list.reduce((n, rs) => n + specReplicas(rs), 0);
export const sumStatus = (list: (KubeObject | undefined)[], field: string): number =>
  list.reduce((n, rs) => n + statusCount(rs, field), 0);

export function activeReplicaSets(list: (KubeObject | undefined)[]): KubeObject[] {
  return list.filter((rs): rs is KubeObject => rs !== undefined && specReplicas(rs) > 0);
}

// ---- surge and unavailability -------------------------------------------------------------

export function isRollingUpdate(d: KubeObject): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** maxSurge rounds up, maxUnavailable down; both zero would stall, so unavailability becomes 1. */
export function resolveFenceposts(
  maxSurge: unknown,
  maxUnavailable: unknown,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

function fenceposts(d: KubeObject): { surge: number; unavailable: number } {
  const rolling = d.spec?.strategy?.rollingUpdate ?? {};
  return resolveFenceposts(rolling.maxSurge, rolling.maxUnavailable, desiredReplicas(d));
}

export function maxSurge(d: KubeObject): number {
  return isRollingUpdate(d) ? fenceposts(d).surge : 0;
}

export function maxUnavailable(d: KubeObject): number {
  const desired = desiredReplicas(d);
  if (!isRollingUpdate(d) || desired === 0) return 0;
  return Math.min(fenceposts(d).unavailable, desired);
}

// ---- ReplicaSets of a deployment ----------------------------------------------------------

const created = (rs: KubeObject): number => Date.parse(rs.metadata.creationTimestamp ?? '') || 0;

/** Oldest first; ties by name. */
export function byCreation(a: KubeObject, b: KubeObject): number {
  return created(a) - created(b) || ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1);
}

export function revisionOf(rs: KubeObject | undefined): number {
  const value = Number(rs?.metadata.annotations?.[REVISION] ?? 0);
  return Number.isInteger(value) && value > 0 ? value : 0;
}

export function maxRevision(list: KubeObject[]): number {
  return list.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
}

/** The ReplicaSet running the deployment's current template (the oldest such, if several). */
export function findNewReplicaSet(d: KubeObject, list: KubeObject[]): KubeObject | undefined {
  return [...list]
    .sort(byCreation)
    .find((rs) => templatesEqualIgnoringHash(rs.spec?.template, d.spec?.template));
}

/** The share of a replica count change a ReplicaSet takes in proportional scaling. */
export function replicaSetFraction(rs: KubeObject, d: KubeObject): number {
  const desired = desiredReplicas(d);
  if (desired === 0) return -specReplicas(rs);
  const deploymentMax = desired + maxSurge(d);
  let before = Number(rs.metadata.annotations?.[MAX_REPLICAS]);
  if (!Number.isInteger(before) || before <= 0) before = Number(d.status?.replicas ?? 0);
  if (before === 0) return 0;
  return Math.round((specReplicas(rs) * deploymentMax) / before) - specReplicas(rs);
}

export function proportion(rs: KubeObject, d: KubeObject, toAdd: number, added: number): number {
  if (specReplicas(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

/** How many replicas the new ReplicaSet should have now. */
export function newRSNewReplicas(
  d: KubeObject,
  allRSs: (KubeObject | undefined)[],
  newRS: KubeObject,
): number {
  if (!isRollingUpdate(d)) return desiredReplicas(d);
  const current = sumSpecReplicas(allRSs);
  const maxTotal = desiredReplicas(d) + maxSurge(d);
  if (current >= maxTotal) return specReplicas(newRS);
  const up = Math.min(maxTotal - current, desiredReplicas(d) - specReplicas(newRS));
  return specReplicas(newRS) + up;
}

/**
 * Rolling update, old side: first drop old pods that are not available anyway, then scale old
 * ReplicaSets down as far as keeping `replicas - maxUnavailable` available pods allows. Returns the
 * new sizes of the old ReplicaSets that change, by name.
 */
export function planOldReplicaSetScaleDown(
  allRSs: KubeObject[],
  oldRSs: KubeObject[],
  newRS: KubeObject | undefined,
  d: KubeObject,
): Map<string, number> {
  const plan = new Map<string, number>();
  const sizeOf = (rs: KubeObject) => plan.get(rs.metadata.name!) ?? specReplicas(rs);
  if (sumSpecReplicas(oldRSs) === 0) return plan;
  const allPods = sumSpecReplicas(allRSs);
  const minAvailable = desiredReplicas(d) - maxUnavailable(d);
  const newUnavailable = specReplicas(newRS) - statusCount(newRS, 'availableReplicas');
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return plan;
  const sorted = [...oldRSs].sort(byCreation);
  // Unhealthy replicas first: scaling them away costs no availability.
  let cleaned = 0;
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    if (sizeOf(rs) === 0) continue;
    const unhealthy = sizeOf(rs) - statusCount(rs, 'availableReplicas');
    if (unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    plan.set(rs.metadata.name!, sizeOf(rs) - down);
    cleaned += down;
  }
  // Then healthy ones, as far as availability allows.
  const available = sumStatus(allRSs, 'availableReplicas');
  if (available <= minAvailable) return plan;
  const total = available - minAvailable;
  let scaled = 0;
  for (const rs of sorted) {
    if (scaled >= total) break;
    if (sizeOf(rs) === 0) continue;
    const down = Math.min(sizeOf(rs), total - scaled);
    plan.set(rs.metadata.name!, sizeOf(rs) - down);
    scaled += down;
  }
  return plan;
}

/** The one active ReplicaSet, or the newest when none is active; undefined when several are. */
export function findActiveOrLatest(
  newRS: KubeObject | undefined,
  oldRSs: KubeObject[],
): KubeObject | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const newestFirst = [...oldRSs].sort((a, b) => byCreation(b, a));
  const active = activeReplicaSets([...newestFirst, newRS]);
  if (active.length === 0) return newRS ?? newestFirst[0];
  if (active.length === 1) return active[0];
  return undefined;
}

export function isSaturated(d: KubeObject, rs: KubeObject | undefined): boolean {
  if (!rs) return false;
  const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS]);
  if (!Number.isInteger(desired)) return false;
  const want = desiredReplicas(d);
  return specReplicas(rs) === want && desired === want && statusCount(rs, 'availableReplicas') === want;
}

/**
 * Scaling outside a rollout (or while paused): the sizes every affected ReplicaSet should get, by
 * name. During a rolling update with several active ReplicaSets the change is shared out in
 * proportion to their sizes, larger first; leftovers go to the largest.
 */
export function planScale(
  d: KubeObject,
  newRS: KubeObject | undefined,
  oldRSs: KubeObject[],
): Map<string, number> {
  const plan = new Map<string, number>();
  const want = desiredReplicas(d);
  const single = findActiveOrLatest(newRS, oldRSs);
  if (single) {
    if (specReplicas(single) !== want) plan.set(single.metadata.name!, want);
    return plan;
  }
  if (isSaturated(d, newRS)) {
    for (const rs of activeReplicaSets(oldRSs)) plan.set(rs.metadata.name!, 0);
    return plan;
  }
  if (!isRollingUpdate(d)) return plan;
  const all = activeReplicaSets([...oldRSs, newRS]);
  const allowed = want > 0 ? want + maxSurge(d) : 0;
  const toAdd = allowed - sumSpecReplicas(all);
  if (toAdd > 0) all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(b, a));
  else if (toAdd < 0) all.sort((a, b) => specReplicas(b) - specReplicas(a) || byCreation(a, b));
  let added = 0;
  for (const rs of all) {
    const p = toAdd !== 0 ? proportion(rs, d, toAdd, added) : 0;
    plan.set(rs.metadata.name!, specReplicas(rs) + p);
    added += p;
  }
  if (all.length > 0 && toAdd !== 0) {
    const first = all[0]!.metadata.name!;
    plan.set(first, Math.max(0, plan.get(first)! + toAdd - added));
  }
  return plan;
}

// ---- annotations --------------------------------------------------------------------------

/** Copies the deployment's own annotations onto a ReplicaSet; true when anything changed. */
export function copyAnnotations(d: KubeObject, rs: KubeObject): boolean {
  let changed = false;
  rs.metadata.annotations ??= {};
  for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) {
    if (NOT_COPIED.has(k) || rs.metadata.annotations[k] === v) continue;
    rs.metadata.annotations[k] = v;
    changed = true;
  }
  return changed;
}

/** Raises the ReplicaSet's revision to `revision` if it is lower; true when it changed. */
export function setRevision(rs: KubeObject, revision: number): boolean {
  rs.metadata.annotations ??= {};
  if (revisionOf(rs) >= revision) return false;
  const old = rs.metadata.annotations[REVISION];
  rs.metadata.annotations[REVISION] = String(revision);
  if (old) {
    // Rolled back to this ReplicaSet: keep its earlier revisions for `kubectl rollout history`.
    const history = rs.metadata.annotations[REVISION_HISTORY];
    rs.metadata.annotations[REVISION_HISTORY] = history ? `${history},${old}` : old;
  }
  return true;
}

export function replicasAnnotationsNeedUpdate(rs: KubeObject, desired: number, max: number): boolean {
  const a = rs.metadata.annotations ?? {};
  return a[DESIRED_REPLICAS] !== String(desired) || a[MAX_REPLICAS] !== String(max);
}

export function setReplicasAnnotations(rs: KubeObject, desired: number, max: number): boolean {
  if (!replicasAnnotationsNeedUpdate(rs, desired, max)) return false;
  rs.metadata.annotations = {
    ...rs.metadata.annotations,
    [DESIRED_REPLICAS]: String(desired),
    [MAX_REPLICAS]: String(max),
  };
  return true;
}

// ---- status and conditions ----------------------------------------------------------------

export interface DeploymentStatus {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  readyReplicas?: number;
  availableReplicas?: number;
  unavailableReplicas?: number;
  conditions?: Condition[];
  collisionCount?: number;
}

export function hasProgressDeadline(d: KubeObject): boolean {
  const seconds = d.spec?.progressDeadlineSeconds;
  return seconds !== undefined && seconds !== null && seconds !== MAX_INT32;
}

export function condition(
  type: string,
  status: Condition['status'],
  reason: string,
  message: string,
  at: string,
): Condition {
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/** Counts from the ReplicaSets, conditions carried over, Available recomputed. */
export function calculateStatus(
  allRSs: KubeObject[],
  newRS: KubeObject | undefined,
  d: KubeObject,
  at: string,
): DeploymentStatus {
  const available = sumStatus(allRSs, 'availableReplicas');
  const unavailable = Math.max(0, sumSpecReplicas(allRSs) - available);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sumStatus(allRSs, 'replicas'),
    updatedReplicas: statusCount(newRS, 'replicas'),
    readyReplicas: sumStatus(allRSs, 'readyReplicas'),
    availableReplicas: available,
    unavailableReplicas: unavailable,
    conditions: [...((d.status?.conditions ?? []) as Condition[])],
    collisionCount: d.status?.collisionCount,
  };
  status.conditions =
    available >= desiredReplicas(d) - maxUnavailable(d)
      ? setCondition(
          status.conditions,
          condition('Available', 'True', REASON.minAvailable, 'Deployment has minimum availability.', at),
        )
      : setCondition(
          status.conditions,
          condition(
            'Available',
            'False',
            REASON.minUnavailable,
            'Deployment does not have minimum availability.',
            at,
          ),
        );
  return status;
}

export function deploymentComplete(d: KubeObject, s: DeploymentStatus): boolean {
  const want = desiredReplicas(d);
  return (
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** Something moved since the last recorded status: more updated, fewer old, more ready or available. */
export function deploymentProgressing(d: KubeObject, s: DeploymentStatus): boolean {
  const old = (d.status ?? {}) as DeploymentStatus;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

export function deploymentTimedOut(d: KubeObject, s: DeploymentStatus, nowMs: number): boolean {
  if (!hasProgressDeadline(d)) return false;
  const cond = findCondition(s.conditions, 'Progressing');
  if (!cond) return false;
  if (cond.reason === REASON.newRSAvailable) return false;
  if (cond.reason === REASON.timedOut) return true;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  return Number.isFinite(from) && from + Number(d.spec.progressDeadlineSeconds) * 1000 < nowMs;
}

/** The status after a rollout step: counts plus the Progressing and ReplicaFailure conditions. */
export function rolloutStatus(
  allRSs: KubeObject[],
  newRS: KubeObject | undefined,
  d: KubeObject,
  nowMs: number,
): DeploymentStatus {
  const at = new Date(nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const s = calculateStatus(allRSs, newRS, d, at);
  if (!hasProgressDeadline(d)) s.conditions = removeCondition(s.conditions, 'Progressing');
  const current = findCondition(s.conditions, 'Progressing');
  const complete = s.replicas === s.updatedReplicas && current?.reason === REASON.newRSAvailable;
  const name = d.metadata.name;
  if (hasProgressDeadline(d) && !complete) {
    if (deploymentComplete(d, s)) {
      const msg = newRS
        ? `ReplicaSet "${newRS.metadata.name}" has successfully progressed.`
        : `Deployment "${name}" has successfully progressed.`;
      s.conditions = setCondition(
        s.conditions,
        condition('Progressing', 'True', REASON.newRSAvailable, msg, at),
      );
    } else if (deploymentProgressing(d, s)) {
      const msg = newRS
        ? `ReplicaSet "${newRS.metadata.name}" is progressing.`
        : `Deployment "${name}" is progressing.`;
      const next = condition('Progressing', 'True', REASON.rsUpdated, msg, at);
      // Progress refreshes lastUpdateTime (the deadline counts from it); the transition time stays.
      if (current?.status === 'True' && current.lastTransitionTime)
        next.lastTransitionTime = current.lastTransitionTime;
      s.conditions = [...removeCondition(s.conditions, 'Progressing'), next];
    } else if (deploymentTimedOut(d, s, nowMs)) {
      const msg = newRS
        ? `ReplicaSet "${newRS.metadata.name}" has timed out progressing.`
        : `Deployment "${name}" has timed out progressing.`;
      s.conditions = setCondition(s.conditions, condition('Progressing', 'False', REASON.timedOut, msg, at));
    }
  }
  const failure = allRSs
    .flatMap((rs) => (rs.status?.conditions ?? []) as Condition[])
    .find((c) => c.type === 'ReplicaFailure' && c.status === 'True');
  s.conditions = failure
    ? setCondition(s.conditions, {
        type: 'ReplicaFailure',
        status: 'True',
        reason: failure.reason,
        message: failure.message,
        lastUpdateTime: at,
        lastTransitionTime: failure.lastTransitionTime ?? at,
      })
    : removeCondition(s.conditions, 'ReplicaFailure');
  return s;
}

/** When to look again at a deployment that may pass its progress deadline; undefined when never. */
export function progressCheckDelayMs(d: KubeObject, s: DeploymentStatus, nowMs: number): number | undefined {
  const cond = findCondition(s.conditions, 'Progressing');
  if (!hasProgressDeadline(d) || !cond) return undefined;
  if (deploymentComplete(d, s) || cond.reason === REASON.timedOut) return undefined;
  const from = Date.parse(cond.lastUpdateTime ?? '');
  if (!Number.isFinite(from)) return undefined;
  return Math.max(0, from + Number(d.spec.progressDeadlineSeconds) * 1000 - nowMs);
}

/** JSON as upstream serialises DeploymentStatus: zero counts and empty lists omitted. */
export function compactStatus(s: DeploymentStatus): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s)) {
    if (v === undefined || v === null || v === 0) continue;
    if (Array.isArray(v) && v.length === 0) continue;
    out[k] = v;
  }
  return out;
}
