/**
 * The scheduler's decisions, free of I/O: which nodes a pod fits (filters) and which of those is
 * best (scores). Filters and their failure reasons follow upstream's default plugins so
 * `kubectl describe pod` reads the same; scores add Minato's link quality.
 *
 * Scores, each normalised to 0..100 over the feasible nodes, and their weights:
 *   taint toleration (fewer untolerated PreferNoSchedule taints)  × 3
 *   preferred node affinity (sum of matching term weights)         × 2
 *   spreading (fewer pods of the same controller on the node)      × 2
 *   link quality (Node annotation minato.dev/link-quality 0–100)   × 2
 *   least allocated (free cpu and memory after placing the pod)    × 1
 * The node with the highest weighted sum wins; ties are broken at random, as upstream does.
 */
import type { KubeObject } from '../api/types.js';
import {
  firstUntoleratedTaint,
  matchesNodeSelectorAndAffinity,
  nodeTaints,
  podTolerations,
  preferredAffinityWeight,
  TAINT_NOT_READY,
  TAINT_UNREACHABLE,
  TAINT_UNSCHEDULABLE,
  type Taint,
  toleratedBy,
  untoleratedPreferNoSchedule,
  untoleratedTaintReason,
} from './node-match.js';
import { nodeAllocatable, podRequests, type ResourceList } from './quantity.js';

export const LINK_QUALITY_ANNOTATION = 'minato.dev/link-quality';

export const SCORE_WEIGHTS = {
  taintToleration: 3,
  nodeAffinity: 2,
  spreading: 2,
  linkQuality: 2,
  leastAllocated: 1,
} as const;

/** Requests assumed for scoring when a container asks for nothing, as upstream (100m cpu, 200Mi). */
const DEFAULT_MILLI_CPU = 100;
const DEFAULT_MEMORY = 200 * 1024 * 1024;

export const REASON_UNSCHEDULABLE = 'node(s) were unschedulable';
export const REASON_AFFINITY = "node(s) didn't match Pod's node affinity/selector";
export const REASON_PORTS = "node(s) didn't have free ports for the requested pod ports";
export const REASON_TOO_MANY_PODS = 'Too many pods';

/** What the scheduler knows about one node: the node and the pods already assigned to it. */
export class NodeInfo {
  readonly requested: ResourceList = {};
  readonly nonZeroRequested = { cpu: 0, memory: 0 };
  readonly podsByOwner = new Map<string, number>();
  readonly hostPorts: { protocol: string; ip: string; port: number }[] = [];
  podCount = 0;

  constructor(readonly node: KubeObject) {}

  get name(): string {
    return this.node.metadata.name!;
  }

  /** Counts a pod on this node; `req` may be passed when already computed. */
  addPod(pod: KubeObject, req: ResourceList = podRequests(pod)): void {
    for (const [k, v] of Object.entries(req)) this.requested[k] = (this.requested[k] ?? 0) + v;
    const nz = nonZeroRequests(req);
    this.nonZeroRequested.cpu += nz.cpu;
    this.nonZeroRequested.memory += nz.memory;
    this.podCount++;
    const owner = ownerKey(pod);
    if (owner) this.podsByOwner.set(owner, (this.podsByOwner.get(owner) ?? 0) + 1);
    this.hostPorts.push(...hostPortsOf(pod));
  }
}

export function nonZeroRequests(req: ResourceList): { cpu: number; memory: number } {
  return { cpu: req.cpu || DEFAULT_MILLI_CPU, memory: req.memory || DEFAULT_MEMORY };
}

/** The controller the pod belongs to, for spreading. */
export function ownerKey(pod: KubeObject): string | undefined {
  return (pod.metadata.ownerReferences ?? []).find((r) => r.controller)?.uid;
}

function hostPortsOf(pod: KubeObject): { protocol: string; ip: string; port: number }[] {
  const out: { protocol: string; ip: string; port: number }[] = [];
  for (const c of (pod.spec?.containers ?? []) as { ports?: Record<string, unknown>[] }[]) {
    for (const p of c.ports ?? []) {
      const port = Number(p.hostPort ?? 0);
      if (port > 0)
        out.push({ protocol: String(p.protocol ?? 'TCP'), ip: String(p.hostIP || '0.0.0.0'), port });
    }
  }
  return out;
}

/** The NoSchedule taint a node's Ready condition implies when no node lifecycle controller added it. */
export function readinessTaint(node: KubeObject): Taint | undefined {
  const ready = ((node.status?.conditions ?? []) as { type: string; status: string }[]).find(
    (c) => c.type === 'Ready',
  );
  if (ready?.status === 'True') return undefined;
  const key = ready?.status === 'Unknown' ? TAINT_UNREACHABLE : TAINT_NOT_READY;
  return { key, effect: 'NoSchedule' };
}

/**
 * Why the pod does not fit the node, in upstream's words; empty when it fits. Like upstream's
 * framework, the first failing filter decides (resources may give several reasons).
 */
export function filterNode(pod: KubeObject, requests: ResourceList, info: NodeInfo): string[] {
  const node = info.node;
  const tolerations = podTolerations(pod);
  // NodeUnschedulable
  if (
    node.spec?.unschedulable &&
    !toleratedBy({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }, tolerations)
  ) {
    return [REASON_UNSCHEDULABLE];
  }
  // TaintToleration, with the taint the node's readiness implies.
  const taints = [...nodeTaints(node)];
  const implied = readinessTaint(node);
  if (implied && !taints.some((t) => t.key === implied.key)) taints.push(implied);
  const taint = firstUntoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute']);
  if (taint) return [untoleratedTaintReason(taint)];
  // NodeAffinity
  if (!matchesNodeSelectorAndAffinity(pod, node)) return [REASON_AFFINITY];
  // NodePorts
  for (const want of hostPortsOf(pod)) {
    const clash = info.hostPorts.some(
      (have) =>
        have.port === want.port &&
        have.protocol === want.protocol &&
        (have.ip === want.ip || have.ip === '0.0.0.0' || want.ip === '0.0.0.0'),
    );
    if (clash) return [REASON_PORTS];
  }
  // NodeResourcesFit
  return insufficientResources(requests, info);
}

/**
 * Resource reasons. A node that does not report cpu, memory, ephemeral-storage or pods is not
 * limited in it (small devices often report nothing); extended resources must be reported.
 */
function insufficientResources(requests: ResourceList, info: NodeInfo): string[] {
  const allocatable = nodeAllocatable(info.node) ?? {};
  const reasons: string[] = [];
  if (allocatable.pods !== undefined && info.podCount + 1 > allocatable.pods)
    reasons.push(REASON_TOO_MANY_PODS);
  const ordered = ['cpu', 'memory', 'ephemeral-storage'];
  const names = [
    ...ordered,
    ...Object.keys(requests)
      .filter((r) => !ordered.includes(r) && r !== 'pods')
      .sort(),
  ];
  for (const name of names) {
    const want = requests[name] ?? 0;
    if (want <= 0) continue;
    const have = allocatable[name];
    if (have === undefined) {
      if (ordered.includes(name)) continue;
      reasons.push(`Insufficient ${name}`);
      continue;
    }
    if ((info.requested[name] ?? 0) + want > have) reasons.push(`Insufficient ${name}`);
  }
  return reasons;
}

/** The node's link quality, 0–100 (absent or unreadable = 100). */
export function linkQuality(node: KubeObject): number {
  const raw = node.metadata.annotations?.[LINK_QUALITY_ANNOTATION];
  if (raw === undefined) return 100;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) return 100;
  return Math.min(100, Math.max(0, value));
}

/** Free share of cpu and memory after placing the pod, 0–100 (50 when the node reports neither). */
export function leastAllocatedScore(requests: ResourceList, info: NodeInfo): number {
  const allocatable = nodeAllocatable(info.node) ?? {};
  const pod = nonZeroRequests(requests);
  const scores: number[] = [];
  for (const name of ['cpu', 'memory'] as const) {
    const capacity = allocatable[name];
    if (capacity === undefined) continue;
    const used = info.nonZeroRequested[name] + pod[name];
    scores.push(capacity <= 0 || used > capacity ? 0 : ((capacity - used) * 100) / capacity);
  }
  if (scores.length === 0) return 50;
  return scores.reduce((a, b) => a + b, 0) / scores.length;
}

export interface NodeScore {
  node: string;
  total: number;
  parts: Record<keyof typeof SCORE_WEIGHTS, number>;
}

/** Weighted scores of the feasible nodes, each part normalised over them. */
export function scoreNodes(pod: KubeObject, requests: ResourceList, feasible: NodeInfo[]): NodeScore[] {
  const owner = ownerKey(pod);
  const tolerations = podTolerations(pod);
  const raw = feasible.map((info) => ({
    info,
    taints: untoleratedPreferNoSchedule(nodeTaints(info.node), tolerations),
    affinity: preferredAffinityWeight(pod, info.node),
    sameOwner: owner ? (info.podsByOwner.get(owner) ?? 0) : 0,
  }));
  const maxTaints = Math.max(0, ...raw.map((r) => r.taints));
  const maxAffinity = Math.max(0, ...raw.map((r) => r.affinity));
  const maxSameOwner = Math.max(0, ...raw.map((r) => r.sameOwner));
  return raw.map((r) => {
    const parts = {
      taintToleration: maxTaints === 0 ? 100 : ((maxTaints - r.taints) * 100) / maxTaints,
      nodeAffinity: maxAffinity === 0 ? 0 : (r.affinity * 100) / maxAffinity,
      spreading: maxSameOwner === 0 ? 100 : ((maxSameOwner - r.sameOwner) * 100) / maxSameOwner,
      linkQuality: linkQuality(r.info.node),
      leastAllocated: leastAllocatedScore(requests, r.info),
    };
    let total = 0;
    for (const k of Object.keys(SCORE_WEIGHTS) as (keyof typeof SCORE_WEIGHTS)[])
      total += SCORE_WEIGHTS[k] * parts[k];
    return { node: r.info.name, total, parts };
  });
}

export interface ScheduleDecision {
  /** The chosen node, or undefined when none fits. */
  node?: string;
  /** Failure reasons and how many nodes gave each. */
  reasons: Map<string, number>;
  scores: NodeScore[];
}

export function schedule(
  pod: KubeObject,
  nodes: NodeInfo[],
  random: () => number = Math.random,
): ScheduleDecision {
  const requests = podRequests(pod);
  const reasons = new Map<string, number>();
  const feasible: NodeInfo[] = [];
  for (const info of nodes) {
    const why = filterNode(pod, requests, info);
    if (why.length === 0) feasible.push(info);
    for (const r of why) reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  if (feasible.length === 0) return { reasons, scores: [] };
  const scores = scoreNodes(pod, requests, feasible);
  const best = Math.max(...scores.map((s) => s.total));
  const top = scores.filter((s) => s.total >= best - 1e-9);
  const chosen = top[Math.min(top.length - 1, Math.floor(random() * top.length))]!;
  return { node: chosen.node, reasons, scores };
}

/** upstream's FitError text: "0/3 nodes are available: 1 node(s) were unschedulable, 2 …." */
export function fitErrorMessage(totalNodes: number, reasons: Map<string, number>): string {
  if (totalNodes === 0) return 'no nodes available to schedule pods';
  const parts = [...reasons].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${totalNodes} nodes are available${parts.length > 0 ? `: ${parts.join(', ')}.` : '.'}`;
}
