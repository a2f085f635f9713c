/**
 * Whether a pod may go on a node: taints and tolerations, nodeSelector and node affinity, with the
 * rules Kubernetes uses. Shared by the scheduler and the DaemonSet controller.
 */
import type { KubeObject } from '../api/types.js';

export type TaintEffect = 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';

export interface Taint {
  key: string;
  value?: string;
  effect: TaintEffect;
  timeAdded?: string;
}

export interface Toleration {
  key?: string;
  operator?: 'Exists' | 'Equal';
  value?: string;
  effect?: TaintEffect | '';
  tolerationSeconds?: number;
}

export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';
export const TAINT_DISK_PRESSURE = 'node.kubernetes.io/disk-pressure';
export const TAINT_MEMORY_PRESSURE = 'node.kubernetes.io/memory-pressure';
export const TAINT_PID_PRESSURE = 'node.kubernetes.io/pid-pressure';
export const TAINT_NETWORK_UNAVAILABLE = 'node.kubernetes.io/network-unavailable';
/** Minato's predictive cordon of a device whose link is weak (set by the node lifecycle controller). */
export const TAINT_LINK_DEGRADED = 'minato.dev/link-degraded';

export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  const op = toleration.operator ?? 'Equal';
  if (op === 'Exists') return true;
  if (op === 'Equal') return (toleration.value ?? '') === (taint.value ?? '');
  return false;
}

export function toleratedBy(taint: Taint, tolerations: readonly Toleration[]): boolean {
  return tolerations.some((t) => tolerates(t, taint));
}

export function nodeTaints(node: KubeObject): Taint[] {
  return (node.spec?.taints ?? []) as Taint[];
}

export function podTolerations(pod: KubeObject): Toleration[] {
  return (pod.spec?.tolerations ?? []) as Toleration[];
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function firstUntoleratedTaint(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
  effects: readonly TaintEffect[],
): Taint | undefined {
  return taints.find((t) => effects.includes(t.effect) && !toleratedBy(t, tolerations));
}

/** How many PreferNoSchedule taints the pod does not tolerate (a scheduling score, lower is better). */
export function untoleratedPreferNoSchedule(
  taints: readonly Taint[],
  tolerations: readonly Toleration[],
): number {
  const relevant = tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  return taints.filter((t) => t.effect === 'PreferNoSchedule' && !toleratedBy(t, relevant)).length;
}

/** upstream's "node(s) had untolerated taint {key: value}" wording. */
export function untoleratedTaintReason(taint: Taint): string {
  return `node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`;
}

/**
 * The tolerations the DaemonSet controller adds to its pods, so daemons keep running through node
 * trouble: not-ready and unreachable (NoExecute, no time limit), pressure and unschedulable
 * (NoSchedule), and network-unavailable for host-network pods. Like a cordon, Minato's
 * link-degraded taint does not keep fleet daemons off a device either.
 */
export function withDaemonTolerations(
  tolerations: readonly Toleration[],
  hostNetwork: boolean,
): Toleration[] {
  const out = [...tolerations];
  const add = (key: string, effect: TaintEffect) => {
    if (
      out.some((t) => t.key === key && t.operator === 'Exists' && t.effect === effect && !t.tolerationSeconds)
    )
      return;
    const i = out.findIndex((t) => t.key === key && t.effect === effect);
    const toleration: Toleration = { key, operator: 'Exists', effect };
    if (i >= 0) out[i] = toleration;
    else out.push(toleration);
  };
  add(TAINT_NOT_READY, 'NoExecute');
  add(TAINT_UNREACHABLE, 'NoExecute');
  add(TAINT_DISK_PRESSURE, 'NoSchedule');
  add(TAINT_MEMORY_PRESSURE, 'NoSchedule');
  add(TAINT_PID_PRESSURE, 'NoSchedule');
  add(TAINT_UNSCHEDULABLE, 'NoSchedule');
  add(TAINT_LINK_DEGRADED, 'NoSchedule');
  if (hostNetwork) add(TAINT_NETWORK_UNAVAILABLE, 'NoSchedule');
  return out;
}

// ---- node affinity ------------------------------------------------------------------------

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

function requirementMatches(req: NodeSelectorRequirement, value: string | undefined): boolean {
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
    case 'Lt': {
      if (value === undefined || values.length !== 1) return false;
      if (!/^-?\d+$/.test(value) || !/^-?\d+$/.test(values[0]!)) return false;
      const have = BigInt(value);
      const want = BigInt(values[0]!);
      return req.operator === 'Gt' ? have > want : have < want;
    }
    default:
      return false;
  }
}

/** One term: all its expressions (labels) and fields (metadata.name) hold; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: KubeObject): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  for (const req of expressions) if (!requirementMatches(req, labels[req.key])) return false;
  for (const req of fields) {
    const value = req.key === 'metadata.name' ? node.metadata.name : undefined;
    if (req.key !== 'metadata.name' || !requirementMatches(req, value)) return false;
  }
  return true;
}

/** spec.nodeSelector and the required node affinity both hold (terms are ORed). */
export function matchesNodeSelectorAndAffinity(pod: KubeObject, node: KubeObject): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [k, v] of Object.entries((pod.spec?.nodeSelector ?? {}) as Record<string, string>))
    if (labels[k] !== v) return false;
  const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required) {
    const terms = (required.nodeSelectorTerms ?? []) as NodeSelectorTerm[];
    if (!terms.some((t) => termMatches(t, node))) return false;
  }
  return true;
}

/** Sum of the weights of the preferred node-affinity terms the node matches. */
export function preferredAffinityWeight(pod: KubeObject, node: KubeObject): number {
  const preferred = (pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ??
    []) as { weight?: number; preference?: NodeSelectorTerm }[];
  let sum = 0;
  for (const p of preferred) if (p.preference && termMatches(p.preference, node)) sum += p.weight ?? 0;
  return sum;
}
