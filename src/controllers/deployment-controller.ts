/**
 * Deployments, as Kubernetes' Deployment controller: one ReplicaSet per pod template
 * (`<deploy>-<pod-template-hash>`) with revisions, RollingUpdate within maxSurge/maxUnavailable,
 * Recreate, pause, proportional scaling, revision history cleanup, and the status and conditions
 * `kubectl rollout status` reads. `kubectl rollout undo` works on the ReplicaSets' revisions.
 */
import { conflict } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';
import { deepEqual } from '../hub/schema/validate.js';
import { EventRecorder } from './events.js';
import {
  activeReplicaSets,
  byCreation,
  calculateStatus,
  compactStatus,
  condition,
  copyAnnotations,
  DESIRED_REPLICAS,
  type DeploymentStatus,
  deploymentComplete,
  desiredReplicas,
  findNewReplicaSet,
  hasProgressDeadline,
  maxRevision,
  maxSurge,
  newRSNewReplicas,
  planOldReplicaSetScaleDown,
  planScale,
  progressCheckDelayMs,
  REASON,
  REVISION,
  replicasAnnotationsNeedUpdate,
  revisionOf,
  rolloutStatus,
  setReplicasAnnotations,
  setRevision,
  specReplicas,
} from './rollout.js';
import { WorkQueue } from './work-queue.js';
import {
  asStored,
  CONTROLLER_MANAGER,
  type Condition,
  controllerRef,
  findCondition,
  isAlreadyExists,
  isConflict,
  isControlledBy,
  isNotFound,
  isPodTerminal,
  keyOfObject,
  labelSelectorOf,
  now,
  ownerReferenceTo,
  POD_TEMPLATE_HASH,
  selects,
  setCondition,
  splitKey,
  templateHash,
  templatesEqualIgnoringHash,
} from './workload-util.js';

interface Revisioned {
  d: KubeObject;
  newRS: KubeObject | undefined;
  oldRSs: KubeObject[];
}

export class DeploymentController {
  private readonly queue = new WorkQueue((key) => this.sync(key), { workers: 4 });
  private readonly events: EventRecorder;
  private readonly deployType: ResourceType;
  private readonly rsType: ResourceType;
  private readonly podType: ResourceType;
  private stops: (() => void)[] = [];

  constructor(private readonly objects: ObjectService) {
    this.deployType = objects.registry.lookup('apps', 'v1', 'deployments')!;
    this.rsType = objects.registry.lookup('apps', 'v1', 'replicasets')!;
    this.podType = objects.registry.lookup('', 'v1', 'pods')!;
    this.events = new EventRecorder(objects, 'deployment-controller');
  }

  start(): void {
    this.stops.push(
      this.objects.watch(this.deployType, undefined, {}, (e) => this.queue.add(keyOfObject(e.object))),
      this.objects.watch(this.rsType, undefined, {}, (e) => this.onReplicaSet(e.object)),
      this.objects.watch(this.podType, undefined, {}, (e) => this.onPod(e.type, e.object)),
    );
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    this.queue.stop();
    this.events.close();
  }

  private onReplicaSet(rs: KubeObject): void {
    const ref = controllerRef(rs);
    const ns = rs.metadata.namespace!;
    if (ref) {
      if (ref.kind === 'Deployment') this.queue.add(`${ns}/${ref.name}`);
      return;
    }
    for (const d of this.objects.list(this.deployType, ns).items)
      if (selects(labelSelectorOf(d.spec?.selector), rs)) this.queue.add(keyOfObject(d));
  }

  /** Recreate waits for the old pods to be gone, so their disappearance matters. */
  private onPod(type: string, pod: KubeObject): void {
    if (type !== 'DELETED' && !isPodTerminal(pod)) return;
    const ref = controllerRef(pod);
    if (ref?.kind !== 'ReplicaSet') return;
    const rs = this.objects.find(this.rsType, pod.metadata.namespace, ref.name);
    const owner = rs && controllerRef(rs);
    if (owner?.kind !== 'Deployment') return;
    const d = this.objects.find(this.deployType, pod.metadata.namespace, owner.name);
    if (d?.spec?.strategy?.type === 'Recreate') this.queue.add(keyOfObject(d));
  }

  private async sync(key: string): Promise<void> {
    try {
      await this.syncDeployment(key);
    } catch (err) {
      if (isConflict(err)) this.queue.addAfter(key, 20);
      else throw err;
    }
  }

  private async syncDeployment(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    let d = this.objects.find(this.deployType, namespace, name);
    if (!d) return;
    const selector = labelSelectorOf(d.spec?.selector);
    if (!selector || selector.length === 0) {
      this.events.event(
        d,
        'Warning',
        'SelectingAll',
        'This deployment is selecting all pods. A non-empty selector is required.',
      );
      return;
    }
    const rsList = await this.claimReplicaSets(d);
    if (d.metadata.deletionTimestamp) {
      const r = await this.revisioned(d, rsList, false);
      await this.syncStatus(r);
      return;
    }
    d = await this.checkPausedConditions(d);
    if (d.spec?.paused) return this.syncScale(d, rsList);
    if (await this.isScalingEvent(d, rsList)) return this.syncScale(d, rsList);
    if (d.spec?.strategy?.type === 'Recreate') return this.rolloutRecreate(d, rsList);
    return this.rolloutRolling(d, rsList);
  }

  // ---- ownership ------------------------------------------------------------------------

  private async claimReplicaSets(d: KubeObject): Promise<KubeObject[]> {
    const selector = labelSelectorOf(d.spec.selector);
    const canAdopt = !d.metadata.deletionTimestamp;
    const owned: KubeObject[] = [];
    for (const rs of this.objects.list(this.rsType, d.metadata.namespace).items) {
      const ref = controllerRef(rs);
      const matches = selects(selector, rs);
      if (ref) {
        if (ref.uid !== d.metadata.uid) continue;
        if (matches) owned.push(rs);
        else if (canAdopt) await this.writeRS(rs, (next) => this.dropOwner(next, d));
        continue;
      }
      if (!matches || !canAdopt || rs.metadata.deletionTimestamp) continue;
      const adopted = await this.writeRS(rs, (next) => {
        next.metadata.ownerReferences = [...(next.metadata.ownerReferences ?? []), ownerReferenceTo(d)];
      });
      if (adopted) owned.push(adopted);
    }
    return owned;
  }

  private dropOwner(obj: KubeObject, owner: KubeObject): void {
    obj.metadata.ownerReferences = (obj.metadata.ownerReferences ?? []).filter(
      (r) => r.uid !== owner.metadata.uid,
    );
    if (obj.metadata.ownerReferences.length === 0) delete obj.metadata.ownerReferences;
  }

  // ---- writes ---------------------------------------------------------------------------

  /** Applies `mutate` to the stored ReplicaSet and writes it; the written object, or undefined if gone. */
  private async writeRS(rs: KubeObject, mutate: (next: KubeObject) => void): Promise<KubeObject | undefined> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.rsType, rs.metadata.namespace, rs.metadata.name!),
    );
    if (!entry || entry.object.metadata.uid !== rs.metadata.uid) return undefined;
    const next = structuredClone(entry.object);
    mutate(next);
    try {
      return (await this.objects.commitUpdate(this.rsType, entry, next, { fieldManager: CONTROLLER_MANAGER }))
        .object;
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  private async writeDeployment(
    d: KubeObject,
    mutate: (next: KubeObject) => void,
    subresource?: 'status',
  ): Promise<KubeObject> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.deployType, d.metadata.namespace, d.metadata.name!),
    );
    if (!entry || entry.object.metadata.uid !== d.metadata.uid) return d;
    // The spec changed under us: what we computed is stale, so start over (as a conflict would).
    if (entry.object.metadata.generation !== d.metadata.generation)
      throw conflict('deployments', 'apps', d.metadata.name!);
    const next = structuredClone(entry.object);
    mutate(next);
    return (
      await this.objects.commitUpdate(this.deployType, entry, next, {
        fieldManager: CONTROLLER_MANAGER,
        ...(subresource ? { subresource } : {}),
      })
    ).object;
  }

  /** Writes the status if it differs from the stored one; returns the deployment as stored after. */
  private async writeStatus(
    d: KubeObject,
    status: DeploymentStatus | Record<string, unknown>,
  ): Promise<KubeObject> {
    const compact = asStored(compactStatus(status as DeploymentStatus));
    const stored = this.objects.find(this.deployType, d.metadata.namespace, d.metadata.name!) ?? d;
    if (deepEqual(compact, stored.status ?? {})) return stored;
    return this.writeDeployment(
      d,
      (next) => {
        next.status = compact;
      },
      'status',
    );
  }

  /** Scales a ReplicaSet (and refreshes its replica annotations); records the event. */
  private async scaleRS(rs: KubeObject, replicas: number, d: KubeObject): Promise<KubeObject> {
    const desired = desiredReplicas(d);
    const max = desired + maxSurge(d);
    const from = specReplicas(rs);
    if (from === replicas && !replicasAnnotationsNeedUpdate(rs, desired, max)) return rs;
    const written = await this.writeRS(rs, (next) => {
      next.spec.replicas = replicas;
      setReplicasAnnotations(next, desired, max);
    });
    if (!written) return rs;
    if (from !== replicas) {
      const direction = replicas > from ? 'up' : 'down';
      this.events.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled ${direction} replica set ${rs.metadata.name} from ${from} to ${replicas}`,
      );
    }
    return written;
  }

  // ---- revisions and the new ReplicaSet ---------------------------------------------------

  /**
   * Splits the ReplicaSets into the new one (current template) and old ones, keeps revision
   * annotations in step, and creates the new ReplicaSet when asked and missing.
   */
  private async revisioned(d: KubeObject, rsList: KubeObject[], create: boolean): Promise<Revisioned> {
    const existing = findNewReplicaSet(d, rsList);
    const oldRSs = rsList.filter((rs) => rs !== existing);
    const newRevision = maxRevision(oldRSs) + 1;
    if (existing) {
      let newRS = existing;
      const wantMinReady = d.spec?.minReadySeconds ?? 0;
      const probe = structuredClone(existing);
      const annotationsChanged = copyAnnotations(d, probe) || setRevision(probe, newRevision);
      if (annotationsChanged || (existing.spec?.minReadySeconds ?? 0) !== wantMinReady) {
        newRS =
          (await this.writeRS(existing, (next) => {
            copyAnnotations(d, next);
            setRevision(next, newRevision);
            next.spec.minReadySeconds = wantMinReady;
          })) ?? existing;
      }
      d = await this.setDeploymentRevision(d, newRS.metadata.annotations?.[REVISION]);
      if (hasProgressDeadline(d) && !findCondition(d.status?.conditions, 'Progressing')) {
        const cond = condition(
          'Progressing',
          'True',
          REASON.foundNewRS,
          `Found new replica set "${newRS.metadata.name}"`,
          now(),
        );
        d = await this.writeStatus(d, { ...d.status, conditions: setCondition(d.status?.conditions, cond) });
      }
      return { d, newRS, oldRSs };
    }
    if (!create) return { d, newRS: undefined, oldRSs };
    return this.createNewReplicaSet(d, oldRSs, newRevision);
  }

  private async setDeploymentRevision(d: KubeObject, revision: string | undefined): Promise<KubeObject> {
    if (!revision || d.metadata.annotations?.[REVISION] === revision) return d;
    return this.writeDeployment(d, (next) => {
      next.metadata.annotations = { ...next.metadata.annotations, [REVISION]: revision };
    });
  }

  private async createNewReplicaSet(
    d: KubeObject,
    oldRSs: KubeObject[],
    revision: number,
  ): Promise<Revisioned> {
    const collisionCount = d.status?.collisionCount;
    const hash = templateHash(d.spec.template, collisionCount);
    const template = structuredClone(d.spec.template ?? {});
    template.metadata = {
      ...template.metadata,
      labels: { ...template.metadata?.labels, [POD_TEMPLATE_HASH]: hash },
    };
    const selector = structuredClone(d.spec.selector);
    selector.matchLabels = { ...selector.matchLabels, [POD_TEMPLATE_HASH]: hash };
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        ownerReferences: [ownerReferenceTo(d)],
      },
      spec: { replicas: 0, minReadySeconds: d.spec.minReadySeconds ?? 0, selector, template },
    };
    const replicas = newRSNewReplicas(d, [...oldRSs, rs], rs);
    rs.spec.replicas = replicas;
    copyAnnotations(d, rs);
    setRevision(rs, revision);
    setReplicasAnnotations(rs, desiredReplicas(d), desiredReplicas(d) + maxSurge(d));
    let newRS: KubeObject;
    let alreadyExisted = false;
    try {
      newRS = (
        await this.objects.create(this.rsType, d.metadata.namespace, rs, { fieldManager: CONTROLLER_MANAGER })
      ).object;
    } catch (err) {
      if (!isAlreadyExists(err)) {
        const message = `Failed to create new replica set "${rs.metadata.name}": ${(err as Error).message}`;
        this.events.event(d, 'Warning', 'FailedCreate', message);
        if (hasProgressDeadline(d)) {
          const cond = condition('Progressing', 'False', 'FailedRSCreate', message, now());
          await this.writeStatus(d, { ...d.status, conditions: setCondition(d.status?.conditions, cond) });
        }
        throw err;
      }
      const found = this.objects.find(this.rsType, d.metadata.namespace, rs.metadata.name!);
      if (
        !found ||
        !isControlledBy(found, d) ||
        !templatesEqualIgnoringHash(found.spec?.template, d.spec.template)
      ) {
        // A different ReplicaSet holds the name: hash again with a higher collision count.
        await this.writeStatus(d, { ...d.status, collisionCount: (collisionCount ?? 0) + 1 });
        throw err;
      }
      newRS = found;
      alreadyExisted = true;
    }
    if (!alreadyExisted && replicas > 0) {
      this.events.event(
        d,
        'Normal',
        'ScalingReplicaSet',
        `Scaled up replica set ${newRS.metadata.name} from 0 to ${replicas}`,
      );
    }
    d = await this.setDeploymentRevision(d, String(revision));
    if (!alreadyExisted && hasProgressDeadline(d)) {
      const cond = condition(
        'Progressing',
        'True',
        REASON.newRSCreated,
        `Created new replica set "${newRS.metadata.name}"`,
        now(),
      );
      d = await this.writeStatus(d, { ...d.status, conditions: setCondition(d.status?.conditions, cond) });
    }
    return { d, newRS, oldRSs };
  }

  // ---- strategies -----------------------------------------------------------------------

  private async rolloutRolling(d: KubeObject, rsList: KubeObject[]): Promise<void> {
    const r = await this.revisioned(d, rsList, true);
    let { newRS, oldRSs } = r;
    d = r.d;
    const all = () => [...oldRSs, ...(newRS ? [newRS] : [])];
    // Scale the new ReplicaSet up (or down, if the deployment shrank).
    if (newRS && specReplicas(newRS) !== desiredReplicas(d)) {
      const target =
        specReplicas(newRS) > desiredReplicas(d) ? desiredReplicas(d) : newRSNewReplicas(d, all(), newRS);
      if (target !== specReplicas(newRS)) {
        newRS = await this.scaleRS(newRS, target, d);
        return this.syncRolloutStatus({ d, newRS, oldRSs });
      }
    }
    // Scale old ReplicaSets down as availability allows.
    const plan = planOldReplicaSetScaleDown(all(), activeReplicaSets(oldRSs), newRS, d);
    let scaledDown = false;
    for (const [name, size] of plan) {
      const i = oldRSs.findIndex((rs) => rs.metadata.name === name);
      if (i < 0 || specReplicas(oldRSs[i]) === size) continue;
      oldRSs[i] = await this.scaleRS(oldRSs[i]!, size, d);
      scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus({ d, newRS, oldRSs });
    if (deploymentComplete(d, (d.status ?? {}) as DeploymentStatus)) await this.cleanup(d, oldRSs);
    return this.syncRolloutStatus({ d, newRS, oldRSs });
  }

  private async rolloutRecreate(d: KubeObject, rsList: KubeObject[]): Promise<void> {
    let r = await this.revisioned(d, rsList, false);
    let scaledDown = false;
    for (const rs of activeReplicaSets(r.oldRSs)) {
      const scaled = await this.scaleRS(rs, 0, r.d);
      r.oldRSs = r.oldRSs.map((o) => (o.metadata.uid === scaled.metadata.uid ? scaled : o));
      scaledDown = true;
    }
    if (scaledDown) return this.syncRolloutStatus(r);
    if (this.oldPodsRunning(r.newRS, r.oldRSs)) return this.syncRolloutStatus(r);
    if (!r.newRS) r = await this.revisioned(r.d, rsList, true);
    if (r.newRS && specReplicas(r.newRS) !== desiredReplicas(r.d))
      r.newRS = await this.scaleRS(r.newRS, desiredReplicas(r.d), r.d);
    if (deploymentComplete(r.d, (r.d.status ?? {}) as DeploymentStatus)) await this.cleanup(r.d, r.oldRSs);
    return this.syncRolloutStatus(r);
  }

  /** Any pod of an old ReplicaSet still exists and has not finished (terminating pods count). */
  private oldPodsRunning(newRS: KubeObject | undefined, oldRSs: KubeObject[]): boolean {
    if (oldRSs.some((rs) => Number(rs.status?.replicas ?? 0) > 0)) return true;
    const oldUids = new Set(oldRSs.map((rs) => rs.metadata.uid));
    if (oldUids.size === 0) return false;
    const ns = (newRS ?? oldRSs[0])!.metadata.namespace;
    return this.objects
      .list(this.podType, ns)
      .items.some((p) => oldUids.has(controllerRef(p)?.uid) && !isPodTerminal(p));
  }

  /** Paused deployments, and replica count changes outside a rollout. */
  private async syncScale(d: KubeObject, rsList: KubeObject[]): Promise<void> {
    const r = await this.revisioned(d, rsList, false);
    const plan = planScale(r.d, r.newRS, r.oldRSs);
    for (const [name, size] of plan) {
      if (r.newRS?.metadata.name === name) {
        r.newRS = await this.scaleRS(r.newRS, size, r.d);
        continue;
      }
      const i = r.oldRSs.findIndex((rs) => rs.metadata.name === name);
      if (i >= 0) r.oldRSs[i] = await this.scaleRS(r.oldRSs[i]!, size, r.d);
    }
    if (r.d.spec?.paused) await this.cleanup(r.d, r.oldRSs);
    await this.syncStatus(r);
  }

  /** A replica count change: some active ReplicaSet was sized for another desired count. */
  private async isScalingEvent(d: KubeObject, rsList: KubeObject[]): Promise<boolean> {
    const r = await this.revisioned(d, rsList, false);
    for (const rs of activeReplicaSets([...r.oldRSs, r.newRS])) {
      const desired = Number(rs.metadata.annotations?.[DESIRED_REPLICAS]);
      if (Number.isInteger(desired) && desired !== desiredReplicas(r.d)) return true;
    }
    return false;
  }

  private async checkPausedConditions(d: KubeObject): Promise<KubeObject> {
    if (!hasProgressDeadline(d)) return d;
    const cond = findCondition(d.status?.conditions, 'Progressing');
    const pausedRecorded = cond?.reason === REASON.paused;
    let next: Condition | undefined;
    if (d.spec?.paused && !pausedRecorded)
      next = condition('Progressing', 'Unknown', REASON.paused, 'Deployment is paused', now());
    else if (!d.spec?.paused && pausedRecorded)
      next = condition('Progressing', 'Unknown', REASON.resumed, 'Deployment is resumed', now());
    if (!next) return d;
    return this.writeStatus(d, { ...d.status, conditions: setCondition(d.status?.conditions, next) });
  }

  /** Deletes the oldest unused ReplicaSets beyond revisionHistoryLimit. */
  private async cleanup(d: KubeObject, oldRSs: KubeObject[]): Promise<void> {
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata.deletionTimestamp);
    const surplus = cleanable.length - Number(limit);
    if (surplus <= 0) return;
    cleanable.sort((a, b) => revisionOf(a) - revisionOf(b) || byCreation(a, b));
    for (const rs of cleanable.slice(0, surplus)) {
      const busy =
        Number(rs.status?.replicas ?? 0) !== 0 ||
        specReplicas(rs) !== 0 ||
        (rs.metadata.generation ?? 0) > Number(rs.status?.observedGeneration ?? 0);
      if (busy) continue;
      try {
        await this.objects.delete(this.rsType, rs.metadata.namespace, rs.metadata.name!, {
          preconditions: { uid: rs.metadata.uid },
        });
      } catch (err) {
        if (!isNotFound(err) && !isConflict(err)) throw err;
      }
    }
  }

  // ---- status ---------------------------------------------------------------------------

  private async syncStatus(r: Revisioned): Promise<void> {
    const all = [...r.oldRSs, ...(r.newRS ? [r.newRS] : [])];
    const status = calculateStatus(all, r.newRS, r.d, now());
    await this.writeStatus(r.d, status);
  }

  private async syncRolloutStatus(r: Revisioned): Promise<void> {
    // Re-read the ReplicaSets: their status may have moved while we scaled.
    const fresh = (rs: KubeObject) =>
      this.objects.find(this.rsType, rs.metadata.namespace, rs.metadata.name!) ?? rs;
    const newRS = r.newRS && fresh(r.newRS);
    const all = [...r.oldRSs.map(fresh), ...(newRS ? [newRS] : [])];
    const nowMs = Date.now();
    const status = rolloutStatus(all, newRS, r.d, nowMs);
    const before = this.objects.find(this.deployType, r.d.metadata.namespace, r.d.metadata.name!);
    const written = await this.writeStatus(r.d, status);
    if (written === before) {
      // Nothing changed: look again when the progress deadline would pass.
      const delay = progressCheckDelayMs(r.d, status, nowMs);
      if (delay !== undefined) this.queue.addAfter(keyOfObject(r.d), delay + 1000);
    }
  }

  /** For tests: no deployment waits in the queue. */
  drained(): Promise<void> {
    return this.queue.drained();
  }
}
