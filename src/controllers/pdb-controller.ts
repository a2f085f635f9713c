/**
 * PodDisruptionBudgets, as Kubernetes' disruption controller: from the pods a budget selects and the
 * scale of their controllers, computes currentHealthy, desiredHealthy, expectedPods and
 * disruptionsAllowed (minAvailable or maxUnavailable, integers or percentages) and the
 * DisruptionAllowed condition. The eviction subresource reads `status.disruptionsAllowed`.
 *
 * Controllers whose scale counts: ReplicaSets (or the Deployment that owns them), DaemonSets
 * (their desiredNumberScheduled; upstream has no such finder) and custom resources with a scale
 * subresource.
 */
import { type KubeObject, parseApiVersion } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';
import { deepEqual } from '../hub/schema/validate.js';
import { EventRecorder } from './events.js';
import { WorkQueue } from './work-queue.js';
import {
  asStored,
  CONTROLLER_MANAGER,
  type Condition,
  controllerRef,
  isConflict,
  isPodReady,
  keyOfObject,
  labelSelectorOf,
  now,
  scaledValue,
  selects,
  splitKey,
} from './workload-util.js';

export interface BudgetNumbers {
  expectedPods: number;
  desiredHealthy: number;
  currentHealthy: number;
  disruptionsAllowed: number;
}

/** How long an evicted pod counts as disrupted if its deletion never shows up (as Kubernetes: 2 minutes). */
const DISRUPTION_TIMEOUT_MS = 120_000;

/** The evictions still in flight: pods that exist, are not yet being deleted, and were evicted recently. */
export function stillDisrupted(
  recorded: Record<string, string> | undefined,
  pods: KubeObject[],
  now = Date.now(),
): Record<string, string> {
  const live = new Map(pods.map((p) => [p.metadata.name!, p]));
  const out: Record<string, string> = {};
  for (const [name, at] of Object.entries(recorded ?? {})) {
    const pod = live.get(name);
    if (pod && !pod.metadata.deletionTimestamp && now - Date.parse(at) < DISRUPTION_TIMEOUT_MS)
      out[name] = at;
  }
  return out;
}

/** The budget's arithmetic, given the selected pods and the total scale of their controllers. */
export function budgetNumbers(
  spec: { minAvailable?: unknown; maxUnavailable?: unknown },
  pods: KubeObject[],
  controllerScale: () => number,
  /** Pods an eviction has just taken out: their deletion may not have landed yet, but they count as gone. */
  disrupted: ReadonlySet<string> = new Set(),
): BudgetNumbers {
  let expectedPods = 0;
  let desiredHealthy = 0;
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    expectedPods = controllerScale();
    desiredHealthy = Math.max(0, expectedPods - scaledValue(spec.maxUnavailable, expectedPods, true));
  } else if (typeof spec.minAvailable === 'number') {
    desiredHealthy = spec.minAvailable;
    expectedPods = pods.length;
  } else if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    expectedPods = controllerScale();
    desiredHealthy = scaledValue(spec.minAvailable, expectedPods, true);
  }
  const currentHealthy = pods.filter(
    (p) => !p.metadata.deletionTimestamp && isPodReady(p) && !disrupted.has(p.metadata.name!),
  ).length;
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  return { expectedPods, desiredHealthy, currentHealthy, disruptionsAllowed };
}

export class DisruptionController {
  private readonly queue = new WorkQueue((key) => this.sync(key), { workers: 2 });
  private readonly events: EventRecorder;
  private readonly pdbType: ResourceType;
  private readonly podType: ResourceType;
  private stops: (() => void)[] = [];

  constructor(private readonly objects: ObjectService) {
    this.pdbType = objects.registry.lookup('policy', 'v1', 'poddisruptionbudgets')!;
    this.podType = objects.registry.lookup('', 'v1', 'pods')!;
    this.events = new EventRecorder(objects, 'controllermanager');
  }

  start(): void {
    const r = this.objects.registry;
    this.stops.push(
      this.objects.watch(this.pdbType, undefined, {}, (e) => this.queue.add(keyOfObject(e.object))),
      this.objects.watch(this.podType, undefined, {}, (e) => this.enqueueNamespace(e.object)),
    );
    for (const [group, plural] of [
      ['apps', 'replicasets'],
      ['apps', 'deployments'],
      ['apps', 'daemonsets'],
    ] as const) {
      const type = r.lookup(group, 'v1', plural);
      if (type)
        this.stops.push(this.objects.watch(type, undefined, {}, (e) => this.enqueueNamespace(e.object)));
    }
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    this.queue.stop();
    this.events.close();
  }

  /** For tests: no budget waits in the queue. */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  private enqueueNamespace(obj: KubeObject): void {
    const ns = obj.metadata.namespace;
    if (!ns) return;
    for (const pdb of this.objects.list(this.pdbType, ns).items) this.queue.add(keyOfObject(pdb));
  }

  private async sync(key: string): Promise<void> {
    try {
      await this.syncBudget(key);
    } catch (err) {
      if (isConflict(err)) this.queue.addAfter(key, 20);
      else throw err;
    }
  }

  private async syncBudget(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const pdb = this.objects.find(this.pdbType, namespace, name);
    if (!pdb || pdb.metadata.deletionTimestamp) return;
    const selector = pdb.spec?.selector === undefined ? undefined : labelSelectorOf(pdb.spec.selector);
    const pods = selector
      ? this.objects.list(this.podType, namespace).items.filter((p) => selects(selector, p))
      : [];
    const disruptedPods = stillDisrupted(pdb.status?.disruptedPods, pods);
    const pending = Object.values(disruptedPods).map(
      (t) => Date.parse(t) + DISRUPTION_TIMEOUT_MS - Date.now(),
    );
    if (pending.length > 0) this.queue.addAfter(key, Math.max(50, Math.min(...pending)));
    let numbers: BudgetNumbers;
    try {
      numbers = budgetNumbers(
        pdb.spec ?? {},
        pods,
        () => this.expectedScale(pdb, pods),
        new Set(Object.keys(disruptedPods)),
      );
    } catch (err) {
      await this.writeStatus(pdb, {
        disruptedPods,
        currentHealthy: 0,
        desiredHealthy: 0,
        expectedPods: 0,
        disruptionsAllowed: 0,
        failure: (err as Error).message,
      });
      return;
    }
    await this.writeStatus(pdb, { ...numbers, disruptedPods });
  }

  /** Sum of the scales of the controllers of the selected pods (each controller once). */
  private expectedScale(pdb: KubeObject, pods: KubeObject[]): number {
    const scales = new Map<string, number>();
    const unmanaged: string[] = [];
    for (const pod of pods) {
      const ref = controllerRef(pod);
      if (!ref) {
        unmanaged.push(pod.metadata.name!);
        continue;
      }
      if (scales.has(ref.uid)) continue;
      const found = this.controllerScale(ref, pod.metadata.namespace!);
      if (!found) throw new Error(`found no controllers for pod "${pod.metadata.name}"`);
      scales.set(found.uid, found.scale);
    }
    if (unmanaged.length > 0) {
      this.events.event(
        pdb,
        'Warning',
        'UnmanagedPods',
        `Pods selected by this PodDisruptionBudget (selector: ${JSON.stringify(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
      );
    }
    let total = 0;
    for (const s of scales.values()) total += s;
    return total;
  }

  private controllerScale(
    ref: { apiVersion: string; kind: string; name: string; uid: string },
    namespace: string,
  ): { uid: string; scale: number } | undefined {
    const r = this.objects.registry;
    const { group } = parseApiVersion(ref.apiVersion);
    if (group === 'apps' && ref.kind === 'ReplicaSet') {
      const rs = this.objects.find(r.lookup('apps', 'v1', 'replicasets')!, namespace, ref.name);
      if (!rs || rs.metadata.uid !== ref.uid) return undefined;
      const owner = controllerRef(rs);
      if (owner?.kind === 'Deployment') {
        const d = this.objects.find(r.lookup('apps', 'v1', 'deployments')!, namespace, owner.name);
        if (d && d.metadata.uid === owner.uid)
          return { uid: d.metadata.uid!, scale: Number(d.spec?.replicas ?? 1) };
      }
      return { uid: rs.metadata.uid!, scale: Number(rs.spec?.replicas ?? 1) };
    }
    if (group === 'apps' && ref.kind === 'DaemonSet') {
      const ds = this.objects.find(r.lookup('apps', 'v1', 'daemonsets')!, namespace, ref.name);
      if (!ds || ds.metadata.uid !== ref.uid) return undefined;
      return { uid: ds.metadata.uid!, scale: Number(ds.status?.desiredNumberScheduled ?? 0) };
    }
    const type = r.all().find((t) => t.group === group && t.kind === ref.kind && t.subresources.scale);
    if (!type) return undefined;
    const obj = this.objects.find(type, namespace, ref.name);
    if (!obj || obj.metadata.uid !== ref.uid) return undefined;
    let value: unknown = obj;
    for (const part of type.subresources.scale!.specReplicasPath.replace(/^\./, '').split('.'))
      value = (value as Record<string, unknown> | undefined)?.[part];
    return { uid: ref.uid, scale: Number(value ?? 0) };
  }

  private async writeStatus(
    pdb: KubeObject,
    numbers: BudgetNumbers & { failure?: string; disruptedPods: Record<string, string> },
  ): Promise<void> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.pdbType, pdb.metadata.namespace, pdb.metadata.name!),
    );
    if (!entry || entry.object.metadata.uid !== pdb.metadata.uid) return;
    const current = entry.object;
    const generation = pdb.metadata.generation ?? 1;
    const conditions = ((current.status?.conditions ?? []) as Condition[]).filter(
      (c) => c.type !== 'DisruptionAllowed',
    );
    const previous = ((current.status?.conditions ?? []) as Condition[]).find(
      (c) => c.type === 'DisruptionAllowed',
    );
    const allowed = numbers.disruptionsAllowed > 0 && !numbers.failure;
    const status: Condition['status'] = allowed ? 'True' : 'False';
    const reason = numbers.failure ? 'SyncFailed' : allowed ? 'SufficientPods' : 'InsufficientPods';
    const cond: Condition = {
      type: 'DisruptionAllowed',
      status,
      observedGeneration: generation,
      lastTransitionTime:
        previous?.status === status && previous.lastTransitionTime ? previous.lastTransitionTime : now(),
      reason,
      message: numbers.failure ?? '',
    };
    const next = {
      ...(Object.keys(numbers.disruptedPods).length > 0 ? { disruptedPods: numbers.disruptedPods } : {}),
      disruptionsAllowed: numbers.disruptionsAllowed,
      currentHealthy: numbers.currentHealthy,
      desiredHealthy: numbers.desiredHealthy,
      expectedPods: numbers.expectedPods,
      observedGeneration: generation,
      conditions: [...conditions, cond],
    };
    if (deepEqual(asStored(next), current.status ?? {})) return;
    const updated = structuredClone(current);
    updated.status = asStored(next);
    await this.objects.commitUpdate(this.pdbType, entry, updated, {
      fieldManager: CONTROLLER_MANAGER,
      subresource: 'status',
    });
  }
}
