/**
 * ReplicaSets, as Kubernetes' ReplicaSet controller: keep `spec.replicas` active pods that match the
 * selector, created from the template and owned by the ReplicaSet; adopt matching orphans, release
 * pods that stop matching, delete surplus pods in upstream's order; report status.
 */
import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';
import { deepEqual } from '../hub/schema/validate.js';
import { EventRecorder } from './events.js';
import { rankPodsForDeletion, ranksByCoLocation } from './pod-ranking.js';
import { WorkQueue } from './work-queue.js';
import {
  asStored,
  CONTROLLER_MANAGER,
  type Condition,
  controllerRef,
  inWriteBatches,
  isConflict,
  isNotFound,
  isPodActive,
  isPodAvailable,
  isPodReady,
  keyOfObject,
  labelSelectorOf,
  msUntilAvailable,
  noPace,
  now,
  ownerReferenceTo,
  type Pace,
  selects,
  slowStartBatch,
  splitKey,
} from './workload-util.js';

/** At most this many pods are created or deleted in one pass (upstream's burstReplicas). */
const BURST_REPLICAS = 500;

export class ReplicaSetController {
  private readonly queue = new WorkQueue((key) => this.sync(key), { workers: 4 });
  private readonly events: EventRecorder;
  private readonly rsType: ResourceType;
  private readonly podType: ResourceType;
  private stops: (() => void)[] = [];

  constructor(
    private readonly objects: ObjectService,
    /** Awaited between batches of pod writes, so a fleet-wide rollout leaves room for the API. */
    private readonly pace: Pace = noPace,
  ) {
    this.rsType = objects.registry.lookup('apps', 'v1', 'replicasets')!;
    this.podType = objects.registry.lookup('', 'v1', 'pods')!;
    this.events = new EventRecorder(objects, 'replicaset-controller');
  }

  start(): void {
    this.stops.push(
      this.objects.watch(this.rsType, undefined, {}, (e) => this.queue.add(keyOfObject(e.object))),
      this.objects.watch(this.podType, undefined, {}, (e) => this.onPod(e.object)),
    );
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    this.queue.stop();
    this.events.close();
  }

  /** Resolves once no ReplicaSet is queued or being synced (tests). */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  private onPod(pod: KubeObject): void {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace!;
    if (ref) {
      if (ref.kind === 'ReplicaSet' && ref.apiVersion.startsWith('apps/'))
        this.queue.add(`${ns}/${ref.name}`);
      return;
    }
    // An orphan: every ReplicaSet that might adopt it.
    for (const rs of this.objects.list(this.rsType, ns).items)
      if (selects(labelSelectorOf(rs.spec?.selector), pod)) this.queue.add(keyOfObject(rs));
  }

  private async sync(key: string): Promise<void> {
    try {
      await this.syncReplicaSet(key);
    } catch (err) {
      // Someone wrote between our read and write: read again soon, without logging a failure.
      if (isConflict(err)) this.queue.addAfter(key, 20);
      else throw err;
    }
  }

  private async syncReplicaSet(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const rs = this.objects.find(this.rsType, namespace, name);
    if (!rs) return;
    const selector = labelSelectorOf(rs.spec?.selector);
    if (!selector || selector.length === 0) return; // validation forbids it; never select every pod
    const owned = await this.claimPods(rs);
    let manageError: unknown;
    let diff = 0;
    if (!rs.metadata.deletionTimestamp) {
      diff = owned.filter(isPodActive).length - (rs.spec?.replicas ?? 1);
      try {
        await this.manageReplicas(rs, owned.filter(isPodActive), diff);
      } catch (err) {
        if (isConflict(err)) throw err;
        manageError = err;
      }
    }
    await this.updateStatus(rs, manageError, diff);
    if (manageError) throw manageError;
  }

  /** Adopts matching orphans and releases owned pods that no longer match; returns the owned pods. */
  private async claimPods(rs: KubeObject): Promise<KubeObject[]> {
    const selector = labelSelectorOf(rs.spec.selector);
    const owned: KubeObject[] = [];
    const canAdopt = !rs.metadata.deletionTimestamp;
    for (const pod of this.objects.list(this.podType, rs.metadata.namespace).items) {
      const ref = controllerRef(pod);
      const matches = selects(selector, pod);
      if (ref) {
        if (ref.uid !== rs.metadata.uid) continue;
        if (matches) owned.push(pod);
        else if (canAdopt) await this.setOwner(pod, rs, false);
        continue;
      }
      if (!matches || !canAdopt || pod.metadata.deletionTimestamp) continue;
      const adopted = await this.setOwner(pod, rs, true);
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  private async setOwner(pod: KubeObject, rs: KubeObject, adopt: boolean): Promise<KubeObject | undefined> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.podType, pod.metadata.namespace, pod.metadata.name!),
    );
    if (!entry || entry.object.metadata.uid !== pod.metadata.uid) return undefined;
    const next = structuredClone(entry.object);
    const others = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== rs.metadata.uid);
    next.metadata.ownerReferences = adopt ? [...others, ownerReferenceTo(rs)] : others;
    if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
    try {
      const result = await this.objects.commitUpdate(this.podType, entry, next, {
        fieldManager: CONTROLLER_MANAGER,
      });
      return result.object;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async manageReplicas(rs: KubeObject, active: KubeObject[], diff: number): Promise<void> {
    if (diff < 0) {
      const count = Math.min(-diff, BURST_REPLICAS);
      const { error } = await slowStartBatch(count, () => this.createPod(rs), this.pace);
      if (error) throw error;
    } else if (diff > 0) {
      const count = Math.min(diff, BURST_REPLICAS);
      const victims = rankPodsForDeletion(
        active,
        ranksByCoLocation(active, this.relatedPods(rs, active)),
      ).slice(0, count);
      await inWriteBatches(victims, (p) => this.deletePod(rs, p), this.pace);
    }
  }

  /** Pods of this ReplicaSet and of its siblings under the same owner (a Deployment's other revisions). */
  private relatedPods(rs: KubeObject, own: KubeObject[]): KubeObject[] {
    const owner = controllerRef(rs);
    if (!owner) return own;
    const siblings = new Set(
      this.objects
        .list(this.rsType, rs.metadata.namespace)
        .items.filter((r) => controllerRef(r)?.uid === owner.uid)
        .map((r) => r.metadata.uid),
    );
    return this.objects
      .list(this.podType, rs.metadata.namespace)
      .items.filter((p) => isPodActive(p) && siblings.has(controllerRef(p)?.uid));
  }

  private async createPod(rs: KubeObject): Promise<void> {
    const template = rs.spec.template ?? {};
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        namespace: rs.metadata.namespace,
        labels: { ...(template.metadata?.labels ?? {}) },
        ownerReferences: [ownerReferenceTo(rs)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
    try {
      const created = await this.objects.create(this.podType, rs.metadata.namespace, pod, {
        fieldManager: CONTROLLER_MANAGER,
      });
      this.events.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.object.metadata.name}`);
    } catch (err) {
      this.events.event(rs, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(rs: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await this.objects.delete(this.podType, pod.metadata.namespace, pod.metadata.name!, {
        preconditions: { uid: pod.metadata.uid },
      });
      this.events.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.events.event(rs, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  private async updateStatus(rs: KubeObject, manageError: unknown, diff: number): Promise<void> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.rsType, rs.metadata.namespace, rs.metadata.name!),
    );
    if (!entry || entry.object.metadata.uid !== rs.metadata.uid) return;
    const current = entry.object;
    // Count from what the store holds now, including the pods this pass created or deleted.
    const pods = this.objects
      .list(this.podType, current.metadata.namespace)
      .items.filter((p) => controllerRef(p)?.uid === current.metadata.uid && isPodActive(p));
    const templateLabels = (current.spec?.template?.metadata?.labels ?? {}) as Record<string, string>;
    const minReady = Number(current.spec?.minReadySeconds ?? 0);
    const nowMs = Date.now();
    const ready = pods.filter(isPodReady);
    const available = ready.filter((p) => isPodAvailable(p, minReady, nowMs));
    const fullyLabeled = pods.filter((p) =>
      Object.entries(templateLabels).every(([k, v]) => p.metadata.labels?.[k] === v),
    );
    let conditions = [...((current.status?.conditions ?? []) as Condition[])];
    const failure = conditions.find((c) => c.type === 'ReplicaFailure');
    if (manageError && !failure) {
      conditions.push({
        type: 'ReplicaFailure',
        status: 'True',
        reason: diff < 0 ? 'FailedCreate' : 'FailedDelete',
        message: (manageError as Error).message,
        lastTransitionTime: now(),
      });
    } else if (!manageError && failure) {
      conditions = conditions.filter((c) => c.type !== 'ReplicaFailure');
    }
    const status: Record<string, unknown> = { replicas: pods.length };
    if (fullyLabeled.length) status.fullyLabeledReplicas = fullyLabeled.length;
    if (ready.length) status.readyReplicas = ready.length;
    if (available.length) status.availableReplicas = available.length;
    if (rs.metadata.generation) status.observedGeneration = rs.metadata.generation;
    if (conditions.length) status.conditions = conditions;
    if (!deepEqual(asStored(status), current.status ?? {})) {
      const next = structuredClone(current);
      next.status = asStored(status);
      await this.objects.commitUpdate(this.rsType, entry, next, {
        fieldManager: CONTROLLER_MANAGER,
        subresource: 'status',
      });
    }
    if (minReady > 0 && ready.length !== available.length) {
      const wait = Math.min(...ready.map((p) => msUntilAvailable(p, minReady, nowMs)).filter((ms) => ms > 0));
      if (Number.isFinite(wait)) this.queue.addAfter(keyOfObject(current), wait + 50);
    }
  }
}
