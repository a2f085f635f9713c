/**
 * Helpers the workload controllers share: pod readiness and availability, controller references,
 * label selectors, int-or-percent values, template hashes and status conditions.
 */
import { isApiError } from '../api/errors.js';
import type { KubeObject, OwnerReference } from '../api/types.js';
import { nowTimestamp } from '../hub/objects/object-meta.js';
import { fromLabelSelectorObject, type LabelSelector, matchesLabels } from '../hub/request/selectors.js';
import { stableStringify } from '../hub/schema/stable-json.js';

export const POD_TEMPLATE_HASH = 'pod-template-hash';
export const CONTROLLER_REVISION_HASH = 'controller-revision-hash';
/** The field manager upstream's controllers write as; `kubectl get --show-managed-fields` shows it. */
export const CONTROLLER_MANAGER = 'kube-controller-manager';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
  lastUpdateTime?: string;
  lastProbeTime?: string | null;
  observedGeneration?: number;
}

export const now = (): string => nowTimestamp();

// ---- pods ---------------------------------------------------------------------------------

export function podCondition(pod: KubeObject, type: string): Condition | undefined {
  return ((pod.status?.conditions ?? []) as Condition[]).find((c) => c.type === type);
}

/** The pod's Ready condition is True (set by the agent on the device). */
export function isPodReady(pod: KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/** Ready for at least minReadySeconds, measured from the Ready condition's transition. */
export function isPodAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): boolean {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return false;
  if (!minReadySeconds) return true;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  return Number.isFinite(since) && since + minReadySeconds * 1000 <= nowMs;
}

export function isPodTerminal(pod: KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Counts towards a controller's replicas: not finished and not being deleted. */
export function isPodActive(pod: KubeObject): boolean {
  return !isPodTerminal(pod) && !pod.metadata.deletionTimestamp;
}

/** Milliseconds until a ready pod becomes available (0 when it already is or is not ready). */
export function msUntilAvailable(pod: KubeObject, minReadySeconds: number, nowMs: number): number {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True' || !minReadySeconds) return 0;
  const since = Date.parse(ready.lastTransitionTime ?? '');
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, since + minReadySeconds * 1000 - nowMs);
}

// ---- owners -------------------------------------------------------------------------------

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return (obj.metadata.ownerReferences ?? []).find((r) => r.controller);
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name!,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isControlledBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerRef(obj)?.uid === owner.metadata.uid;
}

// ---- selectors ----------------------------------------------------------------------------

/** A metav1.LabelSelector as requirements; undefined when absent or invalid (it then selects nothing). */
export function labelSelectorOf(selector: unknown): LabelSelector | undefined {
  if (!selector || typeof selector !== 'object') return undefined;
  try {
    return fromLabelSelectorObject(selector as Parameters<typeof fromLabelSelectorObject>[0]);
  } catch {
    return undefined;
  }
}

export function selects(selector: LabelSelector | undefined, obj: KubeObject): boolean {
  return selector !== undefined && matchesLabels(selector, obj.metadata.labels);
}

// ---- int or percent -----------------------------------------------------------------------

/**
 * An IntOrString against a total: integers as they are, "25%" scaled and rounded up or down.
 * Throws on a string that is not a percentage, as upstream does.
 */
export function scaledValue(value: unknown, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return Math.trunc(value);
  if (typeof value === 'string') {
    const match = /^(\d+)%$/.exec(value.trim());
    if (match) {
      const scaled = (Number(match[1]) * total) / 100;
      return roundUp ? Math.ceil(scaled) : Math.floor(scaled);
    }
    if (/^\d+$/.test(value.trim())) return Number(value.trim());
  }
  throw new Error(`invalid value for IntOrString: ${JSON.stringify(value)} is not an integer or percentage`);
}

// ---- template hashes ----------------------------------------------------------------------

const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** FNV-1a, 32 bits. */
function fnv32a(bytes: Uint8Array, hash = 0x811c9dc5): number {
  let h = hash;
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * A template with nulls and empty objects/lists dropped: clients that serialise typed structs
 * (kubectl's rollout undo sends `creationTimestamp: null`) must not make an equal template differ.
 */
export function canonicalTemplate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonicalTemplate);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const c = canonicalTemplate(v);
      if (c === null || c === undefined) continue;
      if (typeof c === 'object' && Object.keys(c as object).length === 0) continue;
      out[k] = c;
    }
    return out;
  }
  return value;
}

/**
 * The hash that names a template's ReplicaSet (`<deploy>-<hash>`) and labels its pods: FNV-1a of
 * the template's canonical JSON and the collision count, its decimal digits spelled in the
 * vowel-free alphabet Kubernetes uses so the result is a valid, unoffensive name part.
 */
export function templateHash(template: unknown, collisionCount?: number): string {
  let h = fnv32a(new TextEncoder().encode(stableStringify(canonicalTemplate(template ?? {}))));
  if (collisionCount !== undefined && collisionCount !== null) {
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setUint32(0, collisionCount >>> 0, true);
    h = fnv32a(bytes, h);
  }
  let out = '';
  for (const ch of String(h)) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/** Two pod templates are the same apart from the pod-template-hash label. */
export function templatesEqualIgnoringHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown): unknown => {
    const copy = structuredClone((t ?? {}) as { metadata?: { labels?: Record<string, string> } });
    if (copy.metadata?.labels) {
      delete copy.metadata.labels[POD_TEMPLATE_HASH];
      if (Object.keys(copy.metadata.labels).length === 0) delete copy.metadata.labels;
    }
    return copy;
  };
  return stableStringify(canonicalTemplate(strip(a))) === stableStringify(canonicalTemplate(strip(b)));
}

// ---- conditions ---------------------------------------------------------------------------

/**
 * Sets a condition the way the workload controllers do: no change when status and reason are the
 * same; lastTransitionTime kept while the status stays. Returns the new list.
 */
export function setCondition(conditions: Condition[] | undefined, condition: Condition): Condition[] {
  const list = [...(conditions ?? [])];
  const current = list.find((c) => c.type === condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return list;
  const next = { ...condition };
  if (current && current.status === condition.status && current.lastTransitionTime)
    next.lastTransitionTime = current.lastTransitionTime;
  return [...list.filter((c) => c.type !== condition.type), next];
}

export function removeCondition(conditions: Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return (conditions ?? []).find((c) => c.type === type);
}

/** A value as it will be stored: JSON round-tripped, so undefined fields vanish before comparisons. */
export function asStored<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// ---- errors -------------------------------------------------------------------------------

export function isConflict(err: unknown): boolean {
  return isApiError(err) && err.code === 409 && err.reason === 'Conflict';
}

export function isNotFound(err: unknown): boolean {
  return isApiError(err) && err.code === 404;
}

export function isAlreadyExists(err: unknown): boolean {
  return isApiError(err) && err.reason === 'AlreadyExists';
}

export function keyOfObject(obj: KubeObject): string {
  return obj.metadata.namespace ? `${obj.metadata.namespace}/${obj.metadata.name}` : obj.metadata.name!;
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/**
 * The most writes a controller issues at once. Each batch runs synchronously up to its commit, so a
 * rollout across thousands of devices in one go would hold the event loop for the whole burst and
 * every API request would wait behind it; in batches, requests interleave between commits.
 */
export const MAX_WRITE_BATCH = 64;

/**
 * Walks over a fleet's nodes give the event loop a turn this often: one DaemonSet's sync over 10,000
 * nodes is a few hundred milliseconds of work, and in one piece it would hold every request (and
 * every heartbeat) back that long.
 */
export const YIELD_EVERY = 512;
export const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Awaited between batches of writes: resolves when the hub has room for the next one. */
export type Pace = () => Promise<void>;
export const noPace: Pace = () => Promise.resolve();

/**
 * Runs `fn` for `count` items in batches of 1, 2, 4, … (at most MAX_WRITE_BATCH), pacing between
 * batches; stops after the first batch with a failure.
 */
export async function slowStartBatch(
  count: number,
  fn: (index: number) => Promise<void>,
  pace: Pace = noPace,
): Promise<{ succeeded: number; error?: unknown }> {
  let done = 0;
  let batch = 1;
  while (done < count) {
    if (done > 0) await pace();
    const size = Math.min(batch, count - done);
    const results = await Promise.allSettled(Array.from({ length: size }, (_, i) => fn(done + i)));
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
    done += results.filter((r) => r.status === 'fulfilled').length;
    if (failed) return { succeeded: done, error: failed.reason };
    batch = Math.min(batch * 2, MAX_WRITE_BATCH);
  }
  return { succeeded: done };
}

/** Runs `fn` for every item, MAX_WRITE_BATCH at a time with pacing; throws the first failure once all ran. */
export async function inWriteBatches<T>(
  items: T[],
  fn: (item: T) => Promise<void>,
  pace: Pace = noPace,
): Promise<void> {
  let firstFailure: PromiseRejectedResult | undefined;
  for (let i = 0; i < items.length; i += MAX_WRITE_BATCH) {
    if (i > 0) await pace();
    const results = await Promise.allSettled(items.slice(i, i + MAX_WRITE_BATCH).map(fn));
    firstFailure ??= results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
  }
  if (firstFailure) throw firstFailure.reason;
}
