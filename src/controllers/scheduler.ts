/**
 * The default scheduler, in the hub: binds pending pods (no `spec.nodeName`, schedulerName
 * `default-scheduler` or unset) to a node through the pods/binding semantics. Filters and scores
 * are in scheduling.ts. A pod that fits nowhere gets `PodScheduled=False reason=Unschedulable`
 * and a FailedScheduling event, and is tried again when nodes change or pods go away.
 *
 * Pods are placed one at a time, and the scheduler keeps its own per-node account of the pods it
 * placed, so back-to-back decisions see each other before the watch reports them.
 */
import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';
import { EventRecorder } from './events.js';
import { podRequests, type ResourceList } from './quantity.js';
import { fitErrorMessage, LINK_QUALITY_ANNOTATION, NodeInfo, schedule } from './scheduling.js';
import { WorkQueue } from './work-queue.js';
import { type Condition, isConflict, isNotFound, isPodTerminal, now, splitKey } from './workload-util.js';

export const DEFAULT_SCHEDULER = 'default-scheduler';
/** Unschedulable pods are retried at least this often, even if nothing seems to change. */
const RETRY_UNSCHEDULABLE_MS = 30_000;

export interface SchedulerOptions {
  /** Tie-breaking between equally good nodes; random by default. */
  random?: () => number;
}

interface Placed {
  nodeName: string;
  pod: KubeObject;
  requests: ResourceList;
}

export class Scheduler {
  private readonly queue = new WorkQueue((key) => this.sync(key), { workers: 1, baseDelayMs: 200 });
  private readonly events: EventRecorder;
  private readonly podType: ResourceType;
  private readonly nodeType: ResourceType;
  /** "ns/name" → the node each live, assigned pod occupies. */
  private readonly placed = new Map<string, Placed>();
  /** Pods waiting for a node that fits, with the generation that did not fit. */
  private readonly unschedulable = new Map<string, number>();
  private readonly nodeShapes = new Map<string, string>();
  private stops: (() => void)[] = [];
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly objects: ObjectService,
    private readonly options: SchedulerOptions = {},
  ) {
    this.podType = objects.registry.lookup('', 'v1', 'pods')!;
    this.nodeType = objects.registry.lookup('', 'v1', 'nodes')!;
    this.events = new EventRecorder(objects, DEFAULT_SCHEDULER);
  }

  start(): void {
    this.stops.push(
      this.objects.watch(this.nodeType, undefined, {}, (e) => this.onNode(e.type, e.object)),
      this.objects.watch(this.podType, undefined, {}, (e) => this.onPod(e.type, e.object)),
    );
    this.retryTimer = setInterval(() => this.retryUnschedulable(), RETRY_UNSCHEDULABLE_MS);
    this.retryTimer.unref();
  }

  stop(): void {
    for (const s of this.stops) s();
    this.stops = [];
    if (this.retryTimer) clearInterval(this.retryTimer);
    this.queue.stop();
    this.events.close();
  }

  /** For tests: no pod waits in the queue. */
  drained(): Promise<void> {
    return this.queue.drained();
  }

  private onPod(type: string, pod: KubeObject): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (type === 'DELETED' || isPodTerminal(pod)) {
      this.unschedulable.delete(key);
      if (this.placed.delete(key)) this.retryUnschedulable(); // room was freed
      return;
    }
    if (pod.spec?.nodeName) {
      this.unschedulable.delete(key);
      const known = this.placed.get(key);
      if (!known || known.nodeName !== pod.spec.nodeName || known.pod.metadata.uid !== pod.metadata.uid)
        this.placed.set(key, { nodeName: pod.spec.nodeName, pod, requests: podRequests(pod) });
      return;
    }
    if (!this.isOurs(pod)) return;
    // A pod that did not fit waits for a change to itself or to the nodes, not for its own status writes.
    if (this.unschedulable.get(key) === (pod.metadata.generation ?? 0)) return;
    this.queue.add(key);
  }

  private isOurs(pod: KubeObject): boolean {
    const name = pod.spec?.schedulerName;
    return (
      (!name || name === DEFAULT_SCHEDULER) &&
      !pod.spec?.nodeName &&
      !pod.metadata.deletionTimestamp &&
      !isPodTerminal(pod)
    );
  }

  /** A node appeared, went, or changed in a way that matters to placement: try waiting pods again. */
  private onNode(type: string, node: KubeObject): void {
    const name = node.metadata.name!;
    let changed: boolean;
    if (type === 'DELETED') {
      changed = this.nodeShapes.delete(name);
    } else {
      const ready = ((node.status?.conditions ?? []) as Condition[]).find((c) => c.type === 'Ready')?.status;
      const shape = JSON.stringify([
        node.metadata.labels ?? {},
        node.metadata.annotations?.[LINK_QUALITY_ANNOTATION],
        node.spec?.taints ?? [],
        Boolean(node.spec?.unschedulable),
        ready,
        node.status?.allocatable ?? null,
      ]);
      changed = this.nodeShapes.get(name) !== shape;
      this.nodeShapes.set(name, shape);
    }
    if (changed) this.retryUnschedulable();
  }

  private retryUnschedulable(): void {
    for (const key of this.unschedulable.keys()) this.queue.add(key);
  }

  private nodeInfos(): NodeInfo[] {
    const infos = new Map<string, NodeInfo>();
    for (const node of this.objects.list(this.nodeType, undefined).items)
      infos.set(node.metadata.name!, new NodeInfo(node));
    for (const { nodeName, pod, requests } of this.placed.values())
      infos.get(nodeName)?.addPod(pod, requests);
    return [...infos.values()];
  }

  private async sync(key: string): Promise<void> {
    const { namespace, name } = splitKey(key);
    const entry = this.objects.store.get(this.objects.keyOf(this.podType, namespace, name));
    if (!entry || !this.isOurs(entry.object)) {
      this.unschedulable.delete(key);
      return;
    }
    const pod = entry.object;
    const nodes = this.nodeInfos();
    const decision = schedule(pod, nodes, this.options.random);
    if (!decision.node) {
      await this.markUnschedulable(key, pod, fitErrorMessage(nodes.length, decision.reasons));
      return;
    }
    try {
      await this.bind(pod, decision.node);
    } catch (err) {
      if (isNotFound(err)) return;
      if (isConflict(err)) {
        this.queue.addAfter(key, 20);
        return;
      }
      throw err;
    }
    this.unschedulable.delete(key);
    this.placed.set(key, { nodeName: decision.node, pod, requests: podRequests(pod) });
    this.events.event(
      pod,
      'Normal',
      'Scheduled',
      `Successfully assigned ${namespace}/${name} to ${decision.node}`,
    );
  }

  /** pods/binding: spec.nodeName once, and PodScheduled=True. */
  private async bind(pod: KubeObject, nodeName: string): Promise<void> {
    const entry = this.objects.store.get(
      this.objects.keyOf(this.podType, pod.metadata.namespace, pod.metadata.name!),
    );
    if (!entry || entry.object.metadata.uid !== pod.metadata.uid || entry.object.spec?.nodeName) return;
    const next = structuredClone(entry.object);
    next.spec.nodeName = nodeName;
    const conditions = ((next.status?.conditions ?? []) as Condition[]).filter(
      (c) => c.type !== 'PodScheduled',
    );
    next.status = {
      ...next.status,
      conditions: [
        ...conditions,
        { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: now() },
      ],
    };
    await this.objects.commitUpdate(this.podType, entry, next, {
      fieldManager: DEFAULT_SCHEDULER,
      subresource: 'binding',
    });
  }

  private async markUnschedulable(key: string, pod: KubeObject, message: string): Promise<void> {
    this.unschedulable.set(key, pod.metadata.generation ?? 0);
    this.events.event(pod, 'Warning', 'FailedScheduling', message);
    const entry = this.objects.store.get(
      this.objects.keyOf(this.podType, pod.metadata.namespace, pod.metadata.name!),
    );
    if (!entry) return;
    const conditions = (entry.object.status?.conditions ?? []) as Condition[];
    const current = conditions.find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message)
      return;
    const next = structuredClone(entry.object);
    next.status = {
      ...next.status,
      conditions: [
        ...conditions.filter((c) => c.type !== 'PodScheduled'),
        {
          type: 'PodScheduled',
          status: 'False',
          lastProbeTime: null,
          lastTransitionTime:
            current?.status === 'False' && current.lastTransitionTime ? current.lastTransitionTime : now(),
          reason: 'Unschedulable',
          message,
        },
      ],
    };
    try {
      await this.objects.commitUpdate(this.podType, entry, next, {
        fieldManager: DEFAULT_SCHEDULER,
        subresource: 'status',
      });
    } catch (err) {
      if (!isNotFound(err) && !isConflict(err)) throw err;
      if (isConflict(err)) this.queue.addAfter(key, 20);
    }
  }
}
