import type { KubeObject } from '../api/types.js';
import { evictPod } from '../hub/objects/eviction.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';
import { deepEqual } from '../hub/schema/validate.js';
import { WorkQueue } from './work-queue.js';

export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const LINK_DEGRADED_TAINT = 'minato.dev/link-degraded';
export const DEPARTING_ANNOTATION = 'minato.dev/departing';
export const CORDONED_BY_ANNOTATION = 'minato.dev/cordoned-by';
export const LINK_QUALITY_ANNOTATION = 'minato.dev/link-quality';
export const PLACEMENT_ANNOTATION = 'minato.dev/placement';
const OUT_OF_RANGE_REASON = 'DeviceOutOfRange';
/** An event loop late by more than this was a hub stall (a long GC, a slow disk), not a quiet fleet. */
const STALL_MS = 1000;
const STALL_CHECK_MS = 250;

export interface NodeLifecycleOptions {
  /** How soon a node is looked at again while its pods wait to move. */
  tickMs?: number;
  /** A node is out of range after this many seconds without a lease renewal (default: the lease's own duration). */
  graceSeconds?: number;
  /** At least this much silence is allowed (the hub paces heartbeats of large fleets: see heartbeat-pace.ts). */
  minGraceSeconds?: () => number;
  /** Relocatable pods move after the node has been out of range this long, unless they tolerate longer. */
  relocateAfterSeconds?: number;
  /** Below this link quality (0–100) the node takes no new pods; it takes them again above threshold + 10. */
  degradedBelow?: number;
}

/**
 * Edge-aware node lifecycle. A silent device is *out of range* (Ready=Unknown plus the standard
 * unreachable taints) once its lease expires, which is a few lease intervals, not Kubernetes' 40 s.
 * What then happens to its pods depends on the workload: fleet pods (DaemonSets, or
 * `minato.dev/placement: fleet`) stay bound and keep running on the device; relocatable pods are
 * evicted after their toleration so their controllers start them elsewhere. A blip shorter than the
 * lease changes nothing at all. Departing devices are cordoned and drained before they go, and
 * uncordoned when they come back; a device whose link degrades stops receiving new pods.
 */
export class NodeLifecycleController {
  private readonly queue = new WorkQueue((name) => this.reconcile(name), { workers: 4 });
  private readonly stops: (() => void)[] = [];
  private readonly opts: Required<Omit<NodeLifecycleOptions, 'graceSeconds'>> & { graceSeconds?: number };
  /**
   * Since when the hub has been listening without a break: its start, or the end of its last stall.
   * Silence is counted from here at the earliest, so a hub that was down or stalled gives every device
   * a full lease before calling it out of range (renewals sent meanwhile were not heard, not missing).
   */
  private listeningSince = Date.now();
  private stallWatch: NodeJS.Timeout | undefined;

  constructor(
    private readonly objects: ObjectService,
    options: NodeLifecycleOptions = {},
  ) {
    this.opts = {
      tickMs: options.tickMs ?? 1000,
      graceSeconds: options.graceSeconds,
      minGraceSeconds: options.minGraceSeconds ?? (() => 0),
      relocateAfterSeconds: options.relocateAfterSeconds ?? 30,
      degradedBelow: options.degradedBelow ?? 30,
    };
  }

  private type(group: string, plural: string): ResourceType {
    const version = group === 'coordination.k8s.io' ? 'v1' : 'v1';
    return this.objects.registry.lookup(group, version, plural)!;
  }

  start(): void {
    this.listeningSince = Date.now();
    let lastCheck = Date.now();
    this.stallWatch = setInterval(() => {
      const now = Date.now();
      if (now - lastCheck > STALL_CHECK_MS + STALL_MS) this.listeningSince = now;
      lastCheck = now;
    }, STALL_CHECK_MS);
    this.stallWatch.unref();
    const nodes = this.type('', 'nodes');
    this.stops.push(this.objects.watch(nodes, undefined, {}, (e) => this.queue.add(e.object.metadata.name!)));
    // A plain renewal of a device already in range changes nothing here (its expiry has a timer of
    // its own, below); anything else (a device marked out of range renewing, a changed duration, a
    // renewal time that went backwards) is looked at at once.
    const seen = new Map<string, { renewTime: number; duration: unknown }>();
    this.stops.push(
      this.objects.watch(this.type('coordination.k8s.io', 'leases'), 'kube-node-lease', {}, (e) => {
        const name = e.object.metadata.name!;
        const renewal = {
          renewTime: Date.parse(e.object.spec?.renewTime ?? ''),
          duration: e.object.spec?.leaseDurationSeconds,
        };
        const before = seen.get(name);
        if (e.type === 'DELETED') seen.delete(name);
        else seen.set(name, renewal);
        const node = this.objects.store.get(this.objects.keyOf(nodes, undefined, name))?.object;
        const plainRenewal =
          before !== undefined &&
          renewal.renewTime >= before.renewTime &&
          renewal.duration === before.duration;
        if (e.type === 'MODIFIED' && plainRenewal && node && inRange(node)) return;
        this.queue.add(name);
      }),
    );
    for (const node of this.objects.list(nodes, undefined).items) this.queue.add(node.metadata.name!);
  }

  stop(): void {
    for (const s of this.stops) s();
    if (this.stallWatch) clearInterval(this.stallWatch);
    this.queue.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const nodes = this.type('', 'nodes');
    const entry = this.objects.store.get(this.objects.keyOf(nodes, undefined, name));
    if (!entry) return;
    const node = entry.object;
    const lease = this.objects.find(this.type('coordination.k8s.io', 'leases'), 'kube-node-lease', name);
    const now = Date.now();
    // The stall allowance keeps devices in range; it never brings back one already out of range.
    const silentFor = silenceSeconds(node, lease, now, inRange(node) ? this.listeningSince : Number.NaN);
    const grace = Math.max(
      this.opts.graceSeconds ?? Number(lease?.spec?.leaseDurationSeconds ?? 40),
      this.opts.minGraceSeconds(),
    );
    const outOfRange = silentFor > grace;

    // The helpers below replace (never edit) what they change under metadata, spec and status, so
    // copies of those three levels are enough; the stored object is frozen and stays untouched.
    const next: KubeObject = {
      ...node,
      metadata: { ...node.metadata },
      ...(node.spec ? { spec: { ...node.spec } } : {}),
      ...(node.status ? { status: { ...node.status } } : {}),
    };
    setReadiness(next, outOfRange, silentFor, now);
    setTaint(next, { key: UNREACHABLE_TAINT, effect: 'NoExecute' }, outOfRange, now);
    setTaint(next, { key: UNREACHABLE_TAINT, effect: 'NoSchedule' }, outOfRange, now);
    this.applyLinkQuality(next);
    returnAfterDeparture(node, next, outOfRange, now);
    this.applyDeparture(next);
    if (!deepEqual(next, node)) {
      await this.objects.commitUpdate(nodes, entry, structuredClone(next), {
        fieldManager: 'node-lifecycle-controller',
      });
    }
    // Level-triggered on time too: look again when the lease would expire, or soon while pods must move.
    // Out of range, the lease's expiry is in the past: only relocation deadlines (each tick while pods
    // wait) and a slow safety net remain; the device's next renewal is an event of its own.
    let recheckMs = outOfRange ? this.opts.tickMs * 5 : Math.max(100, (grace - silentFor) * 1000 + 100);
    if (outOfRange && (await this.relocatePods(next, now))) recheckMs = this.opts.tickMs;
    if (next.metadata.annotations?.[DEPARTING_ANNOTATION] && (await this.drainForDeparture(next)))
      recheckMs = this.opts.tickMs;
    if (outOfRange && recheckMs > this.opts.tickMs * 5) recheckMs = this.opts.tickMs * 5;
    this.queue.addAfter(name, recheckMs);
  }

  /** Predictive cordon with hysteresis: degraded below the threshold, recovered 10 points above it. */
  private applyLinkQuality(node: KubeObject): void {
    const raw = node.metadata.annotations?.[LINK_QUALITY_ANNOTATION];
    if (raw === undefined) return;
    const quality = Number(raw);
    const tainted = hasTaint(node, LINK_DEGRADED_TAINT, 'NoSchedule');
    if (!tainted && quality < this.opts.degradedBelow)
      setTaint(node, { key: LINK_DEGRADED_TAINT, effect: 'NoSchedule' }, true, Date.now());
    if (tainted && quality >= this.opts.degradedBelow + 10)
      setTaint(node, { key: LINK_DEGRADED_TAINT, effect: 'NoSchedule' }, false, Date.now());
  }

  /** Cordon for a departure; uncordon on return only if the departure was what cordoned it. */
  private applyDeparture(node: KubeObject): void {
    const departing = Boolean(node.metadata.annotations?.[DEPARTING_ANNOTATION]);
    const cordonedByUs = node.metadata.annotations?.[CORDONED_BY_ANNOTATION] === 'departure';
    if (departing && !node.spec?.unschedulable) {
      node.spec = { ...node.spec, unschedulable: true };
      node.metadata.annotations = { ...node.metadata.annotations, [CORDONED_BY_ANNOTATION]: 'departure' };
    } else if (!departing && cordonedByUs) {
      delete node.spec.unschedulable;
      const { [CORDONED_BY_ANNOTATION]: _, ...rest } = node.metadata.annotations ?? {};
      node.metadata.annotations = rest;
    }
  }

  private podsOn(nodeName: string): KubeObject[] {
    return this.objects.list(this.type('', 'pods'), undefined, { fieldSelector: `spec.nodeName=${nodeName}` })
      .items;
  }

  /** Relocatable pods leave an out-of-range node once their unreachable toleration runs out. */
  /** Returns whether pods are still waiting to move (so the node is looked at again soon). */
  private async relocatePods(node: KubeObject, now: number): Promise<boolean> {
    const taint = (node.spec?.taints ?? []).find(
      (t: Taint) => t.key === UNREACHABLE_TAINT && t.effect === 'NoExecute',
    );
    const since = taint?.timeAdded ? Date.parse(taint.timeAdded) : now;
    let waiting = false;
    for (const pod of this.podsOn(node.metadata.name!)) {
      if (pod.metadata.deletionTimestamp || isFleetPod(pod)) continue;
      const tolerated = tolerationSeconds(pod, this.opts.relocateAfterSeconds);
      if (tolerated === Number.POSITIVE_INFINITY) continue;
      if (now - since < tolerated * 1000) waiting = true;
      else await this.evict(pod);
    }
    return waiting;
  }

  /** Departure drain: every relocatable pod goes through the eviction rules (PodDisruptionBudgets). */
  /** Returns whether pods are still to go (a budget held them back). */
  private async drainForDeparture(node: KubeObject): Promise<boolean> {
    let held = false;
    for (const pod of this.podsOn(node.metadata.name!)) {
      if (pod.metadata.deletionTimestamp || isFleetPod(pod)) continue;
      try {
        await evictPod(this.objects, pod);
      } catch (err) {
        // A budget holds this pod back for now; the node is looked at again soon.
        if ((err as { code?: number }).code === 429) held = true;
        else if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409)
          throw err;
      }
    }
    return held;
  }

  private async evict(pod: KubeObject): Promise<void> {
    try {
      await this.objects.delete(this.type('', 'pods'), pod.metadata.namespace, pod.metadata.name!, {
        preconditions: { uid: pod.metadata.uid },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409) throw err;
    }
  }
}

interface Taint {
  key: string;
  effect: string;
  value?: string;
  timeAdded?: string;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Seconds since the device was last heard of: its lease renewal, or failing that its Ready heartbeat;
 * never counted from before the hub started listening (its start or its last stall).
 */
function silenceSeconds(
  node: KubeObject,
  lease: KubeObject | undefined,
  now: number,
  listeningSince: number,
): number {
  const renew = lease?.spec?.renewTime ? Date.parse(lease.spec.renewTime) : Number.NaN;
  const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  const heartbeat = ready?.lastHeartbeatTime ? Date.parse(ready.lastHeartbeatTime) : Number.NaN;
  const created = Date.parse(node.metadata.creationTimestamp ?? '');
  const last = Math.max(...[renew, heartbeat, created, listeningSince].filter((t) => !Number.isNaN(t)));
  return Number.isFinite(last) ? (now - last) / 1000 : 0;
}

function setReadiness(node: KubeObject, outOfRange: boolean, silentFor: number, now: number): void {
  node.status ??= {};
  const conditions: Record<string, string>[] = node.status.conditions ?? [];
  const ready = conditions.find((c) => c.type === 'Ready');
  if (outOfRange) {
    if (ready?.status === 'Unknown') return;
    const updated = {
      type: 'Ready',
      status: 'Unknown',
      reason: OUT_OF_RANGE_REASON,
      message: `The device is out of range: no lease renewal for ${Math.round(silentFor)}s.`,
      lastHeartbeatTime: ready?.lastHeartbeatTime ?? iso(now),
      lastTransitionTime: iso(now),
    };
    node.status.conditions = [...conditions.filter((c) => c.type !== 'Ready'), updated];
  } else if (ready?.status === 'Unknown' && ready.reason === OUT_OF_RANGE_REASON) {
    // The lease is fresh again: the device is back in range. Its agent will refresh the details.
    const updated = {
      ...ready,
      status: 'True',
      reason: 'DeviceBackInRange',
      message: 'The device renewed its lease.',
      lastTransitionTime: iso(now),
    };
    node.status.conditions = [...conditions.filter((c) => c.type !== 'Ready'), updated];
  }
}

/** A device that departed and is back in range after its deadline has returned: the announcement goes (and the departure cordon with it). */
function returnAfterDeparture(node: KubeObject, next: KubeObject, outOfRange: boolean, now: number): void {
  const deadline = node.metadata.annotations?.[DEPARTING_ANNOTATION];
  if (!deadline || outOfRange || Date.parse(deadline) > now) return;
  // Away means the hub marked it out of range (the agent may already have reported Ready again).
  if (!hasTaint(node, UNREACHABLE_TAINT, 'NoExecute')) return;
  const { [DEPARTING_ANNOTATION]: _, ...rest } = next.metadata.annotations ?? {};
  next.metadata.annotations = rest;
}

function hasTaint(node: KubeObject, key: string, effect: string): boolean {
  return (node.spec?.taints ?? []).some((t: Taint) => t.key === key && t.effect === effect);
}

function setTaint(
  node: KubeObject,
  taint: { key: string; effect: string },
  present: boolean,
  now: number,
): void {
  const taints: Taint[] = node.spec?.taints ?? [];
  const has = taints.some((t) => t.key === taint.key && t.effect === taint.effect);
  if (present === has) return;
  node.spec ??= {};
  node.spec.taints = present
    ? [...taints, { ...taint, timeAdded: iso(now) }]
    : taints.filter((t) => !(t.key === taint.key && t.effect === taint.effect));
  if (node.spec.taints.length === 0) delete node.spec.taints;
}

/** Ready and without the unreachable taint: nothing for a lease renewal to change. */
function inRange(node: KubeObject): boolean {
  const ready = (node.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready');
  return ready?.status === 'True' && !hasTaint(node, UNREACHABLE_TAINT, 'NoExecute');
}

/** Fleet pods run on every matching device and stay there while it is away. */
export function isFleetPod(pod: KubeObject): boolean {
  const placement = pod.metadata.annotations?.[PLACEMENT_ANNOTATION];
  if (placement) return placement === 'fleet';
  return (pod.metadata.ownerReferences ?? []).some((r) => r.kind === 'DaemonSet' && r.controller);
}

/** How long a pod stays on an unreachable node: its own toleration, else the cluster default. */
function tolerationSeconds(pod: KubeObject, fallback: number): number {
  for (const t of (pod.spec?.tolerations ?? []) as Record<string, unknown>[]) {
    const matchesKey = t.key === UNREACHABLE_TAINT || (t.key === undefined && t.operator === 'Exists');
    if (!matchesKey || (t.effect !== undefined && t.effect !== 'NoExecute')) continue;
    return typeof t.tolerationSeconds === 'number' ? t.tolerationSeconds : Number.POSITIVE_INFINITY;
  }
  return fallback;
}
