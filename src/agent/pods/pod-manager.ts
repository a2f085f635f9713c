/**
 * The set of pods on this device, keyed by uid (so a pod can never run twice, whatever the link
 * does): starts workers for new pods, passes updates on, terminates pods being deleted, stops pods
 * the hub no longer has, and turns each worker's view into PodStatus for the StatusReporter. It is
 * fed either by the hub (watch events, relists) or by local state at start; both paths converge.
 */
import type { KubeObject } from '../../api/types.js';
import type { AgentState, PersistedPod, PodRuntimeRecord } from '../state/agent-state.js';
import { type ObjectRef, referencedObjects, refKey } from './config-refs.js';
import type { ConfigStore } from './config-store.js';
import { buildPodStatus } from './pod-status.js';
import { PodWorker, type PodWorkerDeps } from './pod-worker.js';
import type { StatusReporter } from './status-reporter.js';
import { podDirectory, removePodDirectory } from './volumes.js';

export interface PodManagerOptions {
  workerDeps: Omit<PodWorkerDeps, 'persist' | 'changed' | 'config' | 'configPending'>;
  state: AgentState;
  config: ConfigStore;
  reporter: StatusReporter;
  log(line: string): void;
  /** Grace for containers when the agent itself stops. Default 5 s. */
  shutdownGraceMs?: number;
}

export interface PodSummary {
  namespace: string;
  name: string;
  uid: string;
  phase: string;
  terminating: boolean;
  containers: { name: string; state: string; restartCount: number; ready: boolean; memoryBytes?: number }[];
}

const TERMINAL = new Set(['Succeeded', 'Failed']);

export class PodManager {
  private readonly workers = new Map<string, PodWorker>();
  private readonly lastStatus = new Map<string, Record<string, unknown>>();
  private readonly statusQueued = new Set<string>();

  constructor(private readonly options: PodManagerOptions) {}

  /** Starts the pods saved in local state (offline start). */
  restore(saved: PersistedPod[]): void {
    for (const { pod, runtime } of saved) {
      if (this.workers.has(pod.metadata.uid!)) continue;
      this.startWorker(pod, runtime);
      if (runtime.terminated) this.options.reporter.confirmDeletion(pod);
    }
    this.updateReferences();
  }

  /** The full set of pods the hub has for this node (after a list). */
  sync(pods: KubeObject[]): void {
    const seen = new Set<string>();
    for (const pod of pods) {
      seen.add(pod.metadata.uid!);
      this.upsert(pod, false);
    }
    for (const uid of [...this.workers.keys()]) if (!seen.has(uid)) this.gone(uid);
    this.updateReferences();
  }

  /** A watch event for a pod bound to this node. */
  apply(type: 'ADDED' | 'MODIFIED' | 'DELETED', pod: KubeObject): void {
    if (type === 'DELETED') this.gone(pod.metadata.uid!);
    else this.upsert(pod, true);
    this.updateReferences();
  }

  /** A ConfigMap or Secret changed: tell the pods that use it. */
  configChanged(ref: ObjectRef): void {
    const key = refKey(ref);
    for (const worker of this.workers.values()) {
      if (referencedObjects(worker.pod).some((r) => refKey(r) === key)) worker.configChanged();
    }
  }

  find(namespace: string, name: string): PodWorker | undefined {
    for (const worker of this.workers.values()) {
      if (worker.pod.metadata.namespace === namespace && worker.pod.metadata.name === name) return worker;
    }
    return undefined;
  }

  get size(): number {
    return this.workers.size;
  }

  summaries(): PodSummary[] {
    return [...this.workers.values()].map((w) => {
      const status = this.lastStatus.get(w.uid) ?? {};
      const views = w.views();
      const stats = new Map(w.stats().map((s) => [s.container, s.memoryBytes]));
      return {
        namespace: w.pod.metadata.namespace ?? 'default',
        name: w.pod.metadata.name!,
        uid: w.uid,
        phase: String(status.phase ?? 'Pending'),
        terminating: w.isTerminating,
        containers: [...views.init, ...views.app].map((v) => ({
          name: v.name,
          state: v.running
            ? 'running'
            : v.finished
              ? 'terminated'
              : `waiting${v.waiting ? `: ${v.waiting.reason}` : ''}`,
          restartCount: v.record.restartCount,
          ready: Boolean(v.running) && v.ready,
          ...(stats.has(v.name) ? { memoryBytes: stats.get(v.name) } : {}),
        })),
      };
    });
  }

  /** The agent is exiting: stop containers, keep state (the next start resumes the pods). */
  async shutdown(): Promise<void> {
    await Promise.all(
      [...this.workers.values()].map((w) => w.shutdown(this.options.shutdownGraceMs ?? 5_000)),
    );
  }

  /** The hub confirmed the deletion: forget the pod entirely. */
  deleted(uid: string): void {
    const worker = this.workers.get(uid);
    this.workers.delete(uid);
    this.lastStatus.delete(uid);
    void this.options.state.deletePod(uid);
    void removePodDirectory(podDirectory(this.options.workerDeps.dataDir, uid));
    if (worker) this.options.log(`pod ${worker.key}: deleted`);
    this.updateReferences();
  }

  private upsert(pod: KubeObject, fromWatch: boolean): void {
    const uid = pod.metadata.uid!;
    const worker = this.workers.get(uid);
    if (worker) {
      this.options.reporter.observed(pod);
      if (pod.metadata.resourceVersion !== worker.pod.metadata.resourceVersion) worker.update(pod);
      if (pod.metadata.deletionTimestamp) this.whenTerminated(worker);
      return;
    }
    // A pod that already ended (before this agent knew it) is history, not work.
    if (TERMINAL.has(pod.status?.phase)) return;
    // The same name with another uid is a different pod: the old one is stopped first.
    for (const other of this.workers.values()) {
      if (
        other.pod.metadata.namespace === pod.metadata.namespace &&
        other.pod.metadata.name === pod.metadata.name
      ) {
        this.gone(other.uid);
      }
    }
    if (pod.metadata.deletionTimestamp) {
      // Deleted before it ever ran here: nothing to stop, just confirm.
      this.options.reporter.confirmDeletion(pod);
      return;
    }
    this.options.log(
      `pod ${pod.metadata.namespace}/${pod.metadata.name}: ${fromWatch ? 'assigned to this device' : 'found on the hub'}; starting it`,
    );
    // Watch what it references before its containers look for it.
    this.updateReferences(pod);
    this.startWorker(pod, undefined);
    this.options.reporter.observed(pod);
  }

  private startWorker(pod: KubeObject, record: PodRuntimeRecord | undefined): PodWorker {
    const worker = new PodWorker(pod, record ? structuredClone(record) : undefined, {
      ...this.options.workerDeps,
      config: this.options.config.lookup,
      configPending: (p) => referencedObjects(p).some((ref) => this.options.config.isPending(ref)),
      persist: (rec) => void this.options.state.savePod(rec),
      changed: (uid) => this.queueStatus(uid),
    });
    this.workers.set(pod.metadata.uid!, worker);
    void this.options.state.savePod({ pod, runtime: worker.record });
    if (record?.terminated) return worker;
    if (pod.metadata.deletionTimestamp) {
      this.whenTerminated(worker);
      return worker;
    }
    worker.start();
    return worker;
  }

  /** Once a deleting pod's containers are stopped, report the final status and confirm the deletion. */
  private whenTerminated(worker: PodWorker): void {
    void worker.terminate().then(() => {
      if (this.workers.get(worker.uid) !== worker) return;
      this.reportNow(worker);
      this.options.reporter.confirmDeletion(worker.pod);
    });
  }

  /** The hub no longer has the pod (deleted for good, or bound elsewhere): stop it and forget it. */
  private gone(uid: string): void {
    const worker = this.workers.get(uid);
    if (!worker) return;
    if (!worker.isTerminating) this.options.log(`pod ${worker.key}: removed from the hub; stopping it`);
    this.options.reporter.forget(uid);
    void worker
      .terminate(Math.min(worker.pod.spec?.terminationGracePeriodSeconds ?? 30, 30))
      .then(() => this.deleted(uid));
  }

  private updateReferences(extra?: KubeObject): void {
    const refs = [...this.workers.values()]
      .filter((w) => !w.record.terminated)
      .flatMap((w) => referencedObjects(w.pod));
    if (extra) refs.push(...referencedObjects(extra));
    this.options.config.setReferences(refs);
  }

  /** Status is rebuilt once per turn of the event loop, however many changes a pod had. */
  private queueStatus(uid: string): void {
    if (this.statusQueued.has(uid)) return;
    this.statusQueued.add(uid);
    queueMicrotask(() => {
      this.statusQueued.delete(uid);
      const worker = this.workers.get(uid);
      if (worker) this.reportNow(worker);
    });
  }

  private reportNow(worker: PodWorker): void {
    const views = worker.views();
    const facts = this.options.workerDeps.facts;
    const status = buildPodStatus({
      pod: worker.pod,
      hostIP: facts.hostIP,
      podIP: facts.podIP,
      startTime: worker.record.startTime,
      initContainers: views.init,
      containers: views.app,
      initialized: Boolean(worker.record.initDone) || views.init.length === 0,
      finishedPhase: worker.record.finishedPhase,
      ...(views.message ? { reason: views.message.reason, message: views.message.message } : {}),
      previous: this.lastStatus.get(worker.uid) ?? worker.pod.status,
      now: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    this.lastStatus.set(worker.uid, status);
    this.options.reporter.report(worker.pod, status);
  }
}
