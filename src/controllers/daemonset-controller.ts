/**
 * DaemonSets, as Kubernetes' DaemonSet controller: one pod per eligible node (nodeSelector, required
 * node affinity, taints the pod tolerates with the automatic daemon tolerations), bound at creation;
 * RollingUpdate (maxUnavailable, maxSurge) and OnDelete; status `kubectl rollout status` reads.
 *
 * Minato's fleets: a node out of range (Ready not True, `unreachable` taint) keeps its daemon pod;
 * the automatic tolerations already cover the taints, and rolling updates leave such nodes alone
 * (neither replacing their pods nor counting them against maxUnavailable) until they are back.
 * ControllerRevisions are not served, so the template hash lives in the pods'
 * `controller-revision-hash` label.
 */
import type { KubeObject } from '../api/types.js';
import { getOrCreate } from '../common/maps.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';
import { deepEqual } from '../hub/schema/validate.js';
import { EventRecorder } from './events.js';
import {
  firstUntoleratedTaint,
  matchesNodeSelectorAndAffinity,
  nodeTaints,
  type Toleration,
  withDaemonTolerations,
} from './node-match.js';
import { OwnedPodIndex } from './owned-pod-index.js';
import { WorkQueue } from './work-queue.js';
import {
  asStored,
  CONTROLLER_MANAGER,
  CONTROLLER_REVISION_HASH,
  controllerRef,
  inWriteBatches,
  isConflict,
  isNotFound,
  isPodAvailable,
  isPodReady,
  keyOfObject,
  labelSelectorOf,
  msUntilAvailable,
  noPace,
  ownerReferenceTo,
  type Pace,
  scaledValue,
  selects,
  slowStartBatch,
  splitKey,
  templateHash,
  YIELD_EVERY,
  yieldToLoop,
} from './workload-util.js';

/** The pod a DaemonSet runs: its template with the daemon tolerations (and the template hash label). */
export function daemonPodFor(ds: KubeObject, hash?: string): KubeObject {
  const template = ds.spec?.template ?? {};
  const spec = structuredClone(template.spec ?? {});
  spec.tolerations = withDaemonTolerations(
    (spec.tolerations ?? []) as Toleration[],
    Boolean(spec.hostNetwork),
  );
  const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
  if (hash) labels[CONTROLLER_REVISION_HASH] = hash;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { generateName: `${ds.metadata.name}-`, namespace: ds.metadata.namespace, labels },
    spec,
  };
  if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
  return pod;
}

const templatePods = new WeakMap<KubeObject, KubeObject>();
type Placement = { shouldRun: boolean; shouldContinueRunning: boolean };
/** Per stored Node and DaemonSet (both frozen): a sync asks for every node three times. */
const placements = new WeakMap<KubeObject, WeakMap<KubeObject, Placement>>();

/**
 * daemonPodFor(ds), built once per stored DaemonSet: the store's objects are deeply frozen, so the
 * pod made from one cannot go stale. Syncing a DaemonSet asks this for every node, several times.
 */
function templatePodOf(ds: KubeObject): KubeObject {
  if (!Object.isFrozen(ds)) return daemonPodFor(ds);
  return getOrCreate(templatePods, ds, () => daemonPodFor(ds));
}

/**
 * Whether the DaemonSet should run a pod on the node, and whether a pod already there may stay
 * (a new NoSchedule taint stops new pods; only an untolerated NoExecute taint evicts).
 */
export function nodeShouldRunDaemonPod(node: KubeObject, ds: KubeObject): Placement {
  if (!Object.isFrozen(node) || !Object.isFrozen(ds)) return placementOf(node, ds);
  const byDs = getOrCreate(placements, node, () => new WeakMap<KubeObject, Placement>());
  return getOrCreate(byDs, ds, () => placementOf(node, ds));
}

function placementOf(node: KubeObject, ds: KubeObject): Placement {
  const pinned = ds.spec?.template?.spec?.nodeName;
  if (pinned && pinned !== node.metadata.name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = templatePodOf(ds);
  if (!matchesNodeSelectorAndAffinity(pod, node)) return { shouldRun: false, shouldContinueRunning: false };
  const tolerations = pod.spec.tolerations as Toleration[];
  const taints = nodeTaints(node);
  if (firstUntoleratedTaint(taints, tolerations, ['NoSchedule', 'NoExecute'])) {
    const evicted = firstUntoleratedTaint(taints, tolerations, ['NoExecute']) !== undefined;
    return { shouldRun: false, shouldContinueRunning: !evicted };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** Scheduled pods first, then oldest first. */
function byCreationAndScheduling(a: KubeObject, b: KubeObject): number {
  const sa = a.spec?.nodeName ? 0 : 1;
  const sb = b.spec?.nodeName ? 0 : 1;
  if (sa !== sb) return sa - sb;
  const ta = Date.parse(a.metadata.creationTimestamp ?? '') || 0;
  const tb = Date.parse(b.metadata.creationTimestamp ?? '') || 0;
  if (ta !== tb) return ta - tb;
  return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
}

function nodeIsReady(node: KubeObject): boolean {
  return ((node.status?.conditions ?? []) as { type: string; status: string }[]).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );
}

export function rollingUpdateCounts(ds: KubeObject, desired: number): { surge: number; unavailable: number } {
  const strategy = ds.spec?.updateStrategy ?? {};
  if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return { surge: 0, unavailable: 0 };
  const rolling = strategy.rollingUpdate ?? {};
  const surge = scaledValue(rolling.maxSurge ?? 0, desired, true);
  let unavailable = scaledValue(rolling.maxUnavailable ?? 1, desired, true);
  if (desired > 0 && surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** The non-deleted pods on one node split into up-to-date and old; `ok` false when there are several of either. */
function splitPods(
  pods: KubeObject[],
  hash: string,
): { newPod?: KubeObject; oldPod?: KubeObject; ok: boolean } {
  let newPod: KubeObject | undefined;
  let oldPod: KubeObject | undefined;
  for (const pod of pods) {
    if (pod.metadata.deletionTimestamp) continue;
    if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

const FAILED_POD_BACKOFF_MS = { base: 1000, max: 5 * 60_000 };

export class DaemonSetController {
  // A sync walks every node: at thousands of devices, rest 20× its duration (at most 2 s) between syncs
  // of one DaemonSet, so pod status churn cannot keep the hub busy re-syncing (ten DaemonSets syncing
  // back to back at 10,000 nodes would otherwise take all of it).
  private readonly queue = new WorkQueue((key) => this.sync(key), {
    workers: 4,
    restAfter: (ms) => Math.min(2000, 20 * ms),
  });
  private readonly events: EventRecorder;
  private readonly dsType: ResourceType;
  private readonly podType: ResourceType;
  private readonly nodeType: ResourceType;
  /** Node name → what about the node matters to placement (labels, taints). */
  private readonly nodeShapes = new Map<string, string>();
  /** "ns/ds/node" → when a failed pod there may next be replaced, and the current backoff. */
  private readonly failedBackoff = new Map<string, { until: number; delay: number }>();
  /** Pods by their controller, from the pod watch: a sync reads its own pods, not the namespace's. */
  private readonly pods = new OwnedPodIndex();
  private stops: (() => void)[] = [];

  constructor(
    private readonly objects: ObjectService,
    /** Awaited between batches of pod writes, so a fleet-wide rollout leaves room for the API. */
    private readonly pace: Pace = noPace,
  ) {
    this.dsType = objects.registry.lookup('apps', 'v1', 'daemonsets')!;
    this.podType = objects.registry.lookup('', 'v1', 'pods')!;
    this.nodeType = objects.registry.lookup('', 'v1', 'nodes')!;
    this.events = new EventRecorder(objects, 'daemonset-controller');
  }

  start(): void {
    this.stops.push(
      this.objects.watch(this.dsType, undefined, {}, (e) => this.queue.add(keyOfObject(e.object))),
      this.objects.watch(this.podType, undefined, {}, (e) => {
        this.pods.apply(e.type, e.object);
        this.onPod(e.object);
      }),
      this.objects.watch(this.nodeType, undefined, {}, (e) => this.onNode(e.type, e.object)),
    );
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    this.queue.stop();
    this.events.close();
  }

  private onPod(pod: KubeObject): void {
    const ref = controllerRef(pod);
    const ns = pod.metadata.namespace!;
    if (ref) {
      if (ref.kind === 'DaemonSet') this.queue.add(`${ns}/${ref.name}`);
      return;
    }
    for (const ds of this.objects.list(this.dsType, ns).items)
      if (selects(labelSelectorOf(ds.spec?.selector), pod)) this.queue.add(keyOfObject(ds));
  }

  /** Only changes that can move daemon pods count; readiness heartbeats do not. */
  private onNode(type: string, node: KubeObject): void {
    const name = node.metadata.name!;
    let changed: boolean;
    if (type === 'DELETED') {
      changed = this.nodeShapes.delete(name);
    } else {
      const shape = JSON.stringify([node.metadata.labels ?? {}, node.spec?.taints ?? [], nodeIsReady(node)]);
      changed = this.nodeShapes.get(name) !== shape;
      this.nodeShapes.set(name, shape);
    }
    if (!changed) return;
    for (const ds of this.objects.list(this.dsType, undefined).items) this.queue.add(keyOfObject(ds));
  }

  private async sync(key: string): Promise<void> {
    try {
      await this.syncDaemonSet(key);
    } catch (err) {
      if (isConflict(err)) this.queue.addAfter(key, 20);
      else throw err;
    }
  }

  private async syncDaemonSet(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const ds = this.objects.find(this.dsType, namespace, name);
    if (!ds) return;
    const selector = labelSelectorOf(ds.spec?.selector);
    if (!selector || selector.length === 0) return;
    const hash = templateHash(ds.spec?.template);
    const nodes = this.objects.list(this.nodeType, undefined).items;
    await this.claimPods(ds);
    await yieldToLoop();
    if (!ds.metadata.deletionTimestamp) {
      await this.manage(ds, nodes, hash);
      const strategy = ds.spec?.updateStrategy?.type ?? 'RollingUpdate';
      // Nothing to roll while every pod runs the current template: skip the walk over every node.
      if (strategy === 'RollingUpdate' && this.hasOutdatedPods(ds, hash)) {
        await yieldToLoop();
        await this.rollingUpdate(ds, nodes, hash);
      }
    }
    await yieldToLoop();
    await this.updateStatus(ds, nodes, hash);
  }

  private hasOutdatedPods(ds: KubeObject, hash: string): boolean {
    for (const pod of this.ownedPods(ds)) {
      if (!pod.metadata.deletionTimestamp && pod.metadata.labels?.[CONTROLLER_REVISION_HASH] !== hash)
        return true;
    }
    return false;
  }

  private ownedPods(ds: KubeObject): Iterable<KubeObject> {
    return this.pods.owned(ds.metadata.uid!);
  }

  /** Owned pods by node, leaving out pods that are both deleted and finished. */
  private podsByNode(ds: KubeObject): Map<string, KubeObject[]> {
    const byNode = new Map<string, KubeObject[]>();
    for (const pod of this.ownedPods(ds)) {
      const finished = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
      if (pod.metadata.deletionTimestamp && finished) continue;
      const node = pod.spec?.nodeName ?? '';
      const onNode = byNode.get(node);
      if (onNode) onNode.push(pod);
      else byNode.set(node, [pod]);
    }
    return byNode;
  }

  private async claimPods(ds: KubeObject): Promise<void> {
    const selector = labelSelectorOf(ds.spec.selector);
    const canAdopt = !ds.metadata.deletionTimestamp;
    const candidates = [...this.ownedPods(ds), ...this.pods.orphans(ds.metadata.namespace!)];
    for (const pod of candidates) {
      const ref = controllerRef(pod);
      const matches = selects(selector, pod);
      if (ref) {
        if (ref.uid === ds.metadata.uid && !matches && canAdopt) await this.setOwner(pod, ds, false);
        continue;
      }
      if (matches && canAdopt && !pod.metadata.deletionTimestamp) await this.setOwner(pod, ds, true);
    }
  }

  private async setOwner(pod: KubeObject, ds: KubeObject, adopt: boolean): Promise<void> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.podType, pod.metadata.namespace, pod.metadata.name!),
    );
    if (!entry) return;
    const next = structuredClone(entry.object);
    const others = (next.metadata.ownerReferences ?? []).filter((r) => r.uid !== ds.metadata.uid);
    next.metadata.ownerReferences = adopt ? [...others, ownerReferenceTo(ds)] : others;
    if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
    try {
      await this.objects.commitUpdate(this.podType, entry, next, { fieldManager: CONTROLLER_MANAGER });
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }

  /** Creates missing daemon pods and deletes the ones that must go. */
  private async manage(ds: KubeObject, nodes: KubeObject[], hash: string): Promise<void> {
    const byNode = this.podsByNode(ds);
    const surgeAllowed = rollingUpdateCounts(ds, 1).surge > 0;
    const create: string[] = [];
    const remove: KubeObject[] = [];
    const nowMs = Date.now();
    let visited = 0;
    for (const node of nodes) {
      if (++visited % YIELD_EVERY === 0) await yieldToLoop();
      const nodeName = node.metadata.name!;
      const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(nodeName);
      if (shouldRun && !pods) {
        create.push(nodeName);
        continue;
      }
      if (!pods) continue;
      if (!shouldContinueRunning) {
        remove.push(...pods.filter((p) => !p.metadata.deletionTimestamp));
        continue;
      }
      const running: KubeObject[] = [];
      for (const pod of pods) {
        if (pod.metadata.deletionTimestamp) continue;
        if (pod.status?.phase === 'Failed') {
          const backoffKey = `${keyOfObject(ds)}/${nodeName}`;
          const backoff = this.failedBackoff.get(backoffKey);
          if (backoff && backoff.until > nowMs) {
            this.queue.addAfter(keyOfObject(ds), backoff.until - nowMs);
            continue;
          }
          const delay = Math.min(
            FAILED_POD_BACKOFF_MS.max,
            backoff ? backoff.delay * 2 : FAILED_POD_BACKOFF_MS.base,
          );
          this.failedBackoff.set(backoffKey, { until: nowMs + delay, delay });
          this.events.event(
            ds,
            'Warning',
            'FailedDaemonPod',
            `Found failed daemon pod ${pod.metadata.namespace}/${pod.metadata.name} on node ${nodeName}, will try to kill it`,
          );
          remove.push(pod);
        } else if (pod.status?.phase === 'Succeeded') {
          remove.push(pod);
        } else {
          running.push(pod);
        }
      }
      running.sort(byCreationAndScheduling);
      if (!surgeAllowed) {
        remove.push(...running.slice(1));
        continue;
      }
      if (running.length === 0) {
        if (shouldRun) create.push(nodeName);
        continue;
      }
      if (running.length === 1) continue;
      // Surging: keep the oldest up-to-date pod and the oldest old one while the new one is not available.
      let oldestNew: KubeObject | undefined;
      let oldestOld: KubeObject | undefined;
      for (const pod of running) {
        const isNew = pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash;
        if (isNew && !oldestNew) oldestNew = pod;
        else if (!isNew && !oldestOld) oldestOld = pod;
        else remove.push(pod);
      }
      if (oldestNew && oldestOld) {
        const minReady = Number(ds.spec?.minReadySeconds ?? 0);
        if (!isPodReady(oldestOld) || isPodAvailable(oldestNew, minReady, nowMs)) remove.push(oldestOld);
      }
    }
    // Pods that were never bound to a node have nowhere to run.
    for (const pod of byNode.get('') ?? []) if (!pod.metadata.deletionTimestamp) remove.push(pod);
    await this.syncNodes(ds, remove, create, hash);
  }

  private async syncNodes(
    ds: KubeObject,
    remove: KubeObject[],
    create: string[],
    hash: string,
  ): Promise<void> {
    const created = await slowStartBatch(
      create.length,
      (i) => this.createPod(ds, create[i]!, hash),
      this.pace,
    );
    await inWriteBatches(remove, (p) => this.deletePod(ds, p), this.pace);
    if (created.error) throw created.error;
  }

  private async createPod(ds: KubeObject, nodeName: string, hash: string): Promise<void> {
    const pod = daemonPodFor(ds, hash);
    pod.metadata.ownerReferences = [ownerReferenceTo(ds)];
    pod.spec.nodeName = nodeName;
    // As upstream, the pod also says where it belongs in its required node affinity.
    pod.spec.affinity ??= {};
    const affinity = pod.spec.affinity;
    affinity.nodeAffinity = {
      ...affinity.nodeAffinity,
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] }],
      },
    };
    try {
      const result = await this.objects.create(this.podType, ds.metadata.namespace, pod, {
        fieldManager: CONTROLLER_MANAGER,
      });
      this.events.event(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${result.object.metadata.name}`);
    } catch (err) {
      this.events.event(ds, 'Warning', 'FailedCreate', `Error creating: ${(err as Error).message}`);
      throw err;
    }
  }

  private async deletePod(ds: KubeObject, pod: KubeObject): Promise<void> {
    try {
      await this.objects.delete(this.podType, pod.metadata.namespace, pod.metadata.name!, {
        preconditions: { uid: pod.metadata.uid },
      });
      this.events.event(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`);
    } catch (err) {
      if (isNotFound(err)) return;
      this.events.event(ds, 'Warning', 'FailedDelete', `Error deleting: ${(err as Error).message}`);
      throw err;
    }
  }

  /** Replaces old pods within maxUnavailable (delete first) or maxSurge (new pod first). */
  private async rollingUpdate(ds: KubeObject, nodes: KubeObject[], hash: string): Promise<void> {
    const byNode = this.podsByNode(ds);
    const eligible = nodes.filter((n) => nodeShouldRunDaemonPod(n, ds).shouldRun);
    const { surge, unavailable } = rollingUpdateCounts(ds, eligible.length);
    const minReady = Number(ds.spec?.minReadySeconds ?? 0);
    const nowMs = Date.now();
    // Nodes that should run the daemon or still hold one of its pods. Devices that are not Ready
    // (out of range) or no longer registered are left alone until they are back.
    const known = new Set(nodes.map((n) => n.metadata.name!));
    const nodeNames = new Set([
      ...eligible.map((n) => n.metadata.name!),
      ...[...byNode.keys()].filter((n) => known.has(n)),
    ]);
    const outOfRange = new Set(nodes.filter((n) => !nodeIsReady(n)).map((n) => n.metadata.name!));
    const remove: KubeObject[] = [];
    const create: string[] = [];
    if (surge === 0) {
      let numUnavailable = 0;
      const replaceNow: KubeObject[] = [];
      const candidates: KubeObject[] = [];
      for (const nodeName of nodeNames) {
        if (outOfRange.has(nodeName)) continue;
        const { newPod, oldPod, ok } = splitPods(byNode.get(nodeName) ?? [], hash);
        if (!ok || (!newPod && !oldPod) || (newPod && oldPod)) {
          numUnavailable++;
        } else if (newPod) {
          if (!isPodAvailable(newPod, minReady, nowMs)) numUnavailable++;
        } else if (oldPod) {
          if (!isPodAvailable(oldPod, minReady, nowMs)) replaceNow.push(oldPod);
          else if (numUnavailable < unavailable) candidates.push(oldPod);
        }
      }
      const room = Math.min(Math.max(0, unavailable - numUnavailable), candidates.length);
      remove.push(...replaceNow, ...candidates.slice(0, room));
    } else {
      let numSurge = 0;
      const allowed: string[] = [];
      const candidates: string[] = [];
      const shouldRun = new Set(eligible.map((n) => n.metadata.name!));
      for (const nodeName of nodeNames) {
        if (outOfRange.has(nodeName)) continue;
        const { newPod, oldPod, ok } = splitPods(byNode.get(nodeName) ?? [], hash);
        if (!ok) {
          numSurge++;
          continue;
        }
        if (!oldPod) continue;
        if (!newPod) {
          if (!shouldRun.has(nodeName)) continue;
          if (!isPodAvailable(oldPod, minReady, nowMs)) allowed.push(nodeName);
          else if (numSurge < surge) candidates.push(nodeName);
          continue;
        }
        if (!isPodAvailable(newPod, minReady, nowMs)) numSurge++;
        else remove.push(oldPod);
      }
      const room = Math.min(Math.max(0, surge - numSurge), candidates.length);
      create.push(...allowed, ...candidates.slice(0, room));
    }
    if (remove.length > 0 || create.length > 0) await this.syncNodes(ds, remove, create, hash);
  }

  private async updateStatus(ds: KubeObject, nodes: KubeObject[], hash: string): Promise<void> {
    const byNode = this.podsByNode(ds);
    const minReady = Number(ds.spec?.minReadySeconds ?? 0);
    const nowMs = Date.now();
    let desired = 0;
    let current = 0;
    let misscheduled = 0;
    let ready = 0;
    let available = 0;
    let updated = 0;
    let nextAvailableIn = Number.POSITIVE_INFINITY;
    let visited = 0;
    for (const node of nodes) {
      if (++visited % YIELD_EVERY === 0) await yieldToLoop();
      const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
      const pods = byNode.get(node.metadata.name!) ?? [];
      if (!shouldRun) {
        if (pods.length > 0) misscheduled++;
        continue;
      }
      desired++;
      if (pods.length === 0) continue;
      current++;
      const pod = pods.length === 1 ? pods[0]! : [...pods].sort(byCreationAndScheduling)[0]!;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, minReady, nowMs)) available++;
        else nextAvailableIn = Math.min(nextAvailableIn, msUntilAvailable(pod, minReady, nowMs));
      }
      if (pod.metadata.labels?.[CONTROLLER_REVISION_HASH] === hash) updated++;
    }
    const status: Record<string, unknown> = {
      currentNumberScheduled: current,
      numberMisscheduled: misscheduled,
      desiredNumberScheduled: desired,
      numberReady: ready,
    };
    if (ds.metadata.generation) status.observedGeneration = ds.metadata.generation;
    if (updated) status.updatedNumberScheduled = updated;
    if (available) status.numberAvailable = available;
    if (desired - available > 0) status.numberUnavailable = desired - available;
    if (ds.status?.collisionCount) status.collisionCount = ds.status.collisionCount;
    if (ds.status?.conditions) status.conditions = ds.status.conditions;
    const entry = this.objects.store.get(
      this.objects.keyOf(this.dsType, ds.metadata.namespace, ds.metadata.name!),
    );
    if (
      entry &&
      entry.object.metadata.uid === ds.metadata.uid &&
      !deepEqual(asStored(status), entry.object.status ?? {})
    ) {
      const next = structuredClone(entry.object);
      next.status = asStored(status);
      await this.objects.commitUpdate(this.dsType, entry, next, {
        fieldManager: CONTROLLER_MANAGER,
        subresource: 'status',
      });
    }
    if (Number.isFinite(nextAvailableIn)) this.queue.addAfter(keyOfObject(ds), nextAvailableIn + 50);
  }

  /** For tests: no DaemonSet waits in the queue. */
  drained(): Promise<void> {
    return this.queue.drained();
  }
}
