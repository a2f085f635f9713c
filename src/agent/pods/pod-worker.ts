/**
 * Runs one pod on the device: init containers in order, then the app containers, each restarted
 * under the pod's restartPolicy with CrashLoopBackOff; stops them for a deletion with the grace
 * period; and keeps the record (restart counts, terminations) that status and offline restarts are
 * built from. It knows nothing about the hub: the PodManager feeds it pods and reads its views.
 */
import type { KubeObject } from '../../api/types.js';
import { ContainerLogWriter, logPaths } from '../logs/container-logs.js';
import {
  type ContainerSpec,
  ContainerStartError,
  type RunningContainer,
  type Runtime,
  type WorkloadKind,
} from '../runtimes/runtime.js';
import type { ContainerRecord, PersistedPod, PodRuntimeRecord } from '../state/agent-state.js';
import { ConfigError, type ConfigLookup, type PodFacts, resolveEnv } from './config-refs.js';
import { ModuleError, type ModuleResolver } from './modules.js';
import { type ContainerView, containerIdFor } from './pod-status.js';
import {
  type BackoffOptions,
  backoffDelayMs,
  nextCrashCount,
  type RestartPolicy,
  restartPolicyOf,
  shouldRestart,
} from './restart-policy.js';
import { containerMounts, podDirectory, prepareVolumes } from './volumes.js';

// biome-ignore lint/suspicious/noExplicitAny: container specs are read field by field
type Spec = Record<string, any>;

export type RuntimeKind = 'wasm' | 'process';

export interface PodWorkerDeps {
  dataDir: string;
  logDir: string;
  maxLogBytes: number;
  facts: PodFacts;
  runtime(kind: RuntimeKind): Runtime | undefined;
  modules: ModuleResolver;
  config: ConfigLookup;
  /** True while a referenced ConfigMap/Secret is still being fetched (so "missing" is not yet known). */
  configPending(pod: KubeObject): boolean;
  restartBackoff: BackoffOptions;
  /** Seconds to wait before retrying a container whose config or module is missing. */
  retryMs: number;
  persist(record: PersistedPod): void;
  /** Something in the pod's status may have changed. */
  changed(uid: string): void;
  log(line: string): void;
}

interface Slot {
  name: string;
  init: boolean;
  spec: Spec;
  record: ContainerRecord;
  running?: RunningContainer;
  runningID?: string;
  runningSince?: number;
  waiting?: { reason: string; message?: string };
  finished: boolean;
  timer?: NodeJS.Timeout;
  crashes: number;
  launching: boolean;
  logs?: ContainerLogWriter;
  /** Exits of this run are ignored (the agent is shutting down or the container is being replaced). */
  detached?: boolean;
}

/** The runtime a pod asks for: spec.runtimeClassName, else the minato.dev/runtime annotation, else wasm. */
export function runtimeKindOf(pod: KubeObject): { kind: RuntimeKind; http: boolean } | { error: string } {
  const requested = String(
    pod.spec?.runtimeClassName ?? pod.metadata.annotations?.['minato.dev/runtime'] ?? 'wasm',
  );
  if (requested === 'wasm' || requested === 'wasi') return { kind: 'wasm', http: false };
  if (requested === 'wagi') return { kind: 'wasm', http: true };
  if (requested === 'process') return { kind: 'process', http: false };
  return { error: `runtime "${requested}" is not available on this device (wasm, wagi or process)` };
}

export function workloadKind(pod: KubeObject, container: Spec, http: boolean, init: boolean): WorkloadKind {
  if (init) return 'job';
  if (http && (container.ports ?? []).length > 0) return 'http-handler';
  return restartPolicyOf(pod) === 'Always' ? 'service' : 'job';
}

/** Memory limit in bytes from a Kubernetes quantity ("64Mi", "1G", "500000"). */
export function parseMemory(quantity: unknown): number | undefined {
  if (quantity === undefined || quantity === null) return undefined;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(String(quantity));
  if (!m) return undefined;
  const unit: Record<string, number> = {
    Ki: 2 ** 10,
    Mi: 2 ** 20,
    Gi: 2 ** 30,
    Ti: 2 ** 40,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    m: 1e-3,
  };
  return Math.floor(Number(m[1]) * (m[2] ? unit[m[2]]! : 1));
}

export function parseCpuMillis(quantity: unknown): number | undefined {
  if (quantity === undefined || quantity === null) return undefined;
  const text = String(quantity);
  if (text.endsWith('m')) return Number(text.slice(0, -1)) || undefined;
  const cores = Number(text);
  return Number.isFinite(cores) && cores > 0 ? Math.round(cores * 1000) : undefined;
}

export class PodWorker {
  pod: KubeObject;
  readonly record: PodRuntimeRecord;
  private readonly slots = new Map<string, Slot>();
  private terminating: Promise<void> | undefined;
  private stoppedForShutdown = false;
  private podMessage: { reason: string; message: string } | undefined;

  constructor(
    pod: KubeObject,
    record: PodRuntimeRecord | undefined,
    private readonly deps: PodWorkerDeps,
  ) {
    this.pod = pod;
    this.record = record ?? { containers: {} };
    for (const [init, list] of [
      [true, pod.spec?.initContainers ?? []],
      [false, pod.spec?.containers ?? []],
    ] as [boolean, Spec[]][]) {
      for (const spec of list) {
        const saved = this.record.containers[spec.name];
        const rec: ContainerRecord = saved ?? { restartCount: 0 };
        this.record.containers[spec.name] = rec;
        this.slots.set(spec.name, {
          name: spec.name,
          init,
          spec,
          record: rec,
          finished: false,
          crashes: 0,
          launching: false,
        });
      }
    }
  }

  get uid(): string {
    return this.pod.metadata.uid!;
  }

  get key(): string {
    return `${this.pod.metadata.namespace}/${this.pod.metadata.name}`;
  }

  get isTerminating(): boolean {
    return this.terminating !== undefined;
  }

  /** Starts (or, after an agent restart, resumes) the pod from its record. */
  start(): void {
    const runtime = runtimeKindOf(this.pod);
    if ('error' in runtime) {
      this.podMessage = { reason: 'UnsupportedRuntime', message: runtime.error };
      for (const slot of this.slots.values())
        slot.waiting = { reason: 'CreateContainerConfigError', message: runtime.error };
      this.changed();
      return;
    }
    if (this.record.finishedPhase) {
      for (const slot of this.slots.values()) slot.finished = true;
      this.changed();
      return;
    }
    this.record.startTime ??= new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Containers that were running when the agent stopped did not survive it: record that honestly.
    for (const slot of this.slots.values()) {
      const rec = slot.record;
      const done =
        rec.lastTermination && !shouldRestart(restartPolicyOf(this.pod), rec.lastTermination.exitCode);
      if (!slot.init && !rec.startedAt && done) slot.finished = true;
      if (rec.startedAt && rec.containerID && rec.lastTermination?.containerID !== rec.containerID) {
        rec.lastTermination = {
          exitCode: 255,
          reason: 'Unknown',
          message: 'the container was running when the agent stopped',
          startedAt: rec.startedAt,
          finishedAt: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
          containerID: rec.containerID,
        };
        delete rec.startedAt;
        if (!slot.init && !shouldRestart(restartPolicyOf(this.pod), 255)) slot.finished = true;
        else if (!slot.init) rec.restartCount++;
      }
    }
    const apps = [...this.slots.values()].filter((s) => !s.init);
    if (apps.length > 0 && apps.every((s) => s.finished)) {
      this.record.finishedPhase = this.allSucceeded() ? 'Succeeded' : 'Failed';
      this.finishPod(`its containers did not survive the agent stopping (restartPolicy ${this.policy})`);
      return;
    }
    // Init containers run again after a restart of the agent (a new "sandbox"), as in Kubernetes.
    this.record.initDone = false;
    this.persist();
    this.runInitOrApps();
  }

  /** A newer version of the same pod (same uid) from the hub. */
  update(pod: KubeObject): void {
    const before = this.pod;
    this.pod = pod;
    if (pod.metadata.deletionTimestamp && !this.terminating) {
      void this.terminate();
      return;
    }
    // Image updates are the only mutable part of a running container in Kubernetes: restart it.
    for (const spec of (pod.spec?.containers ?? []) as Spec[]) {
      const slot = this.slots.get(spec.name);
      const oldImage = ((before.spec?.containers ?? []) as Spec[]).find((c) => c.name === spec.name)?.image;
      if (!slot) continue;
      slot.spec = spec;
      if (oldImage !== spec.image && !this.terminating && !this.record.finishedPhase) {
        this.deps.log(
          `pod ${this.key}: container ${spec.name} image changed to ${spec.image}; restarting it`,
        );
        void this.replace(slot);
      }
    }
    this.persist();
  }

  /** A referenced ConfigMap or Secret changed: refresh volumes, retry containers waiting for config. */
  configChanged(): void {
    if (this.terminating || this.record.finishedPhase) return;
    void prepareVolumes(this.podDir, this.pod, this.deps.config, this.deps.facts).catch(() => undefined);
    for (const slot of this.slots.values()) {
      const waitingForConfig =
        slot.waiting?.reason === 'CreateContainerConfigError' || slot.waiting?.reason === 'ContainerCreating';
      if (waitingForConfig && !slot.running && !slot.launching) {
        clearTimeout(slot.timer);
        void this.launch(slot);
      }
    }
  }

  /** Stops every container with the pod's grace period (deletion). Idempotent. */
  terminate(graceSeconds?: number): Promise<void> {
    if (this.terminating) return this.terminating;
    const grace =
      graceSeconds ??
      this.pod.metadata.deletionGracePeriodSeconds ??
      this.pod.spec?.terminationGracePeriodSeconds ??
      30;
    this.terminating = (async () => {
      const stops: Promise<void>[] = [];
      for (const slot of this.slots.values()) {
        clearTimeout(slot.timer);
        slot.waiting = undefined;
        if (slot.running) stops.push(slot.running.stop(Math.max(0, grace) * 1000));
        else slot.finished = true;
      }
      this.changed();
      await Promise.all(stops);
      // Exit handlers have run (stop resolves after the exit): every container is finished now.
      for (const slot of this.slots.values()) slot.finished = true;
      this.record.terminated = true;
      this.record.finishedPhase ??= this.allSucceeded() ? 'Succeeded' : 'Failed';
      this.persist();
      this.changed();
    })();
    return this.terminating;
  }

  /** The agent is exiting: stop containers quickly without recording anything (the next start resumes). */
  async shutdown(graceMs: number): Promise<void> {
    this.stoppedForShutdown = true;
    const stops: Promise<void>[] = [];
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      slot.detached = true;
      if (slot.running) stops.push(slot.running.stop(graceMs));
      slot.logs?.close();
    }
    await Promise.all(stops);
  }

  /** What status reporting needs. */
  views(): { init: ContainerView[]; app: ContainerView[]; message?: { reason: string; message: string } } {
    const view = (slot: Slot): ContainerView => ({
      name: slot.name,
      image: String(slot.spec.image ?? ''),
      record: slot.record,
      ...(slot.running && slot.runningID
        ? {
            running: {
              startedAt: slot.record.startedAt ?? new Date().toISOString(),
              containerID: slot.runningID,
            },
          }
        : {}),
      ...(slot.waiting && !slot.running ? { waiting: slot.waiting } : {}),
      finished: slot.finished && !slot.running,
      ready: Boolean(slot.running),
    });
    const all = [...this.slots.values()];
    return {
      init: all.filter((s) => s.init).map(view),
      app: all.filter((s) => !s.init).map(view),
      message: this.podMessage,
    };
  }

  /** Running containers' stats (memory), for the local status API. */
  stats(): { container: string; memoryBytes: number }[] {
    return [...this.slots.values()]
      .filter((s) => s.running)
      .map((s) => ({ container: s.name, memoryBytes: s.running!.stats().memoryBytes }));
  }

  private get podDir(): string {
    return podDirectory(this.deps.dataDir, this.uid);
  }

  private get policy(): RestartPolicy {
    return restartPolicyOf(this.pod);
  }

  private allSucceeded(): boolean {
    return [...this.slots.values()]
      .filter((s) => !s.init)
      .every((s) => s.record.lastTermination?.exitCode === 0);
  }

  private runInitOrApps(): void {
    if (this.terminating || this.stoppedForShutdown) return;
    const inits = [...this.slots.values()].filter((s) => s.init);
    const next = inits.find((s) => !(s.finished && s.record.lastTermination?.exitCode === 0));
    if (next) {
      if (!next.running && !next.launching && !next.timer) void this.launch(next);
      return;
    }
    if (!this.record.initDone) {
      this.record.initDone = true;
      this.persist();
    }
    for (const slot of this.slots.values()) {
      if (!slot.init && !slot.finished && !slot.running && !slot.launching && !slot.timer)
        void this.launch(slot);
    }
    this.changed();
  }

  private async launch(slot: Slot): Promise<void> {
    slot.timer = undefined;
    if (this.terminating || this.stoppedForShutdown || slot.running || slot.launching) return;
    slot.launching = true;
    slot.detached = false;
    try {
      const container = await this.startContainer(slot);
      if (this.terminating || this.stoppedForShutdown) {
        await container.stop(0);
        return;
      }
      const id = containerIdFor(container.id);
      slot.running = container;
      slot.runningID = id;
      slot.runningSince = container.startedAt.getTime();
      slot.waiting = undefined;
      slot.record.containerID = id;
      slot.record.startedAt = container.startedAt.toISOString().replace(/\.\d{3}Z$/, 'Z');
      this.persist();
      container.onExit((result) => this.exited(slot, container, result));
      this.changed();
    } catch (err) {
      this.failedToStart(slot, err);
    } finally {
      slot.launching = false;
    }
  }

  private async startContainer(slot: Slot): Promise<RunningContainer> {
    const runtimeChoice = runtimeKindOf(this.pod);
    if ('error' in runtimeChoice)
      throw new ContainerStartError('CreateContainerConfigError', runtimeChoice.error);
    const runtime = this.deps.runtime(runtimeChoice.kind);
    if (!runtime) {
      throw new ContainerStartError(
        'CreateContainerConfigError',
        `the ${runtimeChoice.kind} runtime is not available on this device`,
      );
    }
    const spec = slot.spec;
    const env = resolveEnv(this.pod, spec, this.deps.config, this.deps.facts);
    const command = ((spec.command ?? []) as string[]).map(String);
    const args = ((spec.args ?? []) as string[]).map(String);
    const module =
      runtimeChoice.kind === 'process'
        ? await this.deps.modules.resolveExecutable(command[0] ?? String(spec.image ?? ''))
        : await this.deps.modules.resolveModule(String(spec.image ?? ''));
    slot.record.imageID = module.imageID;
    const volumeDirs = await prepareVolumes(this.podDir, this.pod, this.deps.config, this.deps.facts);
    const volumes = containerMounts(spec, volumeDirs);
    const expand = (s: string) => s.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, n: string) => env[n] ?? m);
    const argv = runtimeChoice.kind === 'process' ? [...command.slice(1), ...args] : [...command, ...args];
    const paths = logPaths(this.deps.logDir, this.uid, slot.name);
    slot.logs?.close();
    const logs = new ContainerLogWriter(paths, this.deps.maxLogBytes);
    slot.logs = logs;
    const containerSpec: ContainerSpec = {
      podUid: this.uid,
      podName: this.pod.metadata.name!,
      namespace: this.pod.metadata.namespace ?? 'default',
      containerName: slot.name,
      module: { path: module.path },
      args: argv.map(expand),
      env,
      ports: ((spec.ports ?? []) as Spec[]).map((p) => ({
        containerPort: Number(p.containerPort),
        protocol: (p.protocol ?? 'TCP') as 'TCP' | 'UDP' | 'SCTP',
      })),
      volumes,
      limits: {
        memoryBytes: parseMemory(spec.resources?.limits?.memory),
        cpuMillis: parseCpuMillis(spec.resources?.limits?.cpu),
      },
      kind: workloadKind(this.pod, spec, runtimeChoice.http, slot.init),
      ...(spec.workingDir ? { workingDir: String(spec.workingDir) } : {}),
      logSink: (stream, chunk) => logs.write(stream, chunk),
    };
    if (containerSpec.limits.memoryBytes === undefined) delete containerSpec.limits.memoryBytes;
    if (containerSpec.limits.cpuMillis === undefined) delete containerSpec.limits.cpuMillis;
    return runtime.start(containerSpec);
  }

  private failedToStart(slot: Slot, err: unknown): void {
    if (this.terminating) return;
    const message = err instanceof Error ? err.message : String(err);
    let reason: string;
    let delay: number;
    if (err instanceof ConfigError && this.deps.configPending(this.pod)) {
      // Still fetching what it references: wait quietly for configChanged.
      slot.waiting = { reason: 'ContainerCreating' };
      slot.timer = setTimeout(() => void this.launch(slot), this.deps.retryMs);
      slot.timer.unref?.();
      return;
    }
    if (err instanceof ConfigError) {
      // Retried when the ConfigMap or Secret arrives (configChanged), and periodically.
      reason = 'CreateContainerConfigError';
      delay = this.deps.retryMs;
    } else {
      const pulling = slot.waiting?.reason === 'ErrImagePull' || slot.waiting?.reason === 'ImagePullBackOff';
      reason =
        err instanceof ModuleError
          ? pulling
            ? 'ImagePullBackOff'
            : err.reason
          : err instanceof ContainerStartError
            ? err.reason
            : 'RunContainerError';
      slot.crashes++;
      delay = Math.max(this.deps.retryMs, backoffDelayMs(slot.crashes + 1, this.deps.restartBackoff));
    }
    if (slot.waiting?.message !== message || slot.waiting.reason !== reason) {
      this.deps.log(`pod ${this.key}: container ${slot.name}: ${reason}: ${message}`);
    }
    slot.waiting = { reason, message };
    slot.timer = setTimeout(() => void this.launch(slot), delay);
    slot.timer.unref?.();
    this.changed();
  }

  private exited(
    slot: Slot,
    container: RunningContainer,
    result: { exitCode: number; reason: string; message?: string; finishedAt: Date },
  ): void {
    if (slot.running !== container) return;
    slot.running = undefined;
    const ranMs = Date.now() - (slot.runningSince ?? Date.now());
    slot.logs?.close();
    if (slot.detached) return;
    slot.record.lastTermination = {
      exitCode: result.exitCode,
      reason: result.reason,
      ...(result.message ? { message: result.message } : {}),
      ...(slot.record.startedAt ? { startedAt: slot.record.startedAt } : {}),
      finishedAt: result.finishedAt.toISOString().replace(/\.\d{3}Z$/, 'Z'),
      ...(slot.runningID ? { containerID: slot.runningID } : {}),
    };
    delete slot.record.startedAt;
    slot.runningID = undefined;
    if (this.terminating) {
      slot.finished = true;
      this.persist();
      this.changed();
      return;
    }
    if (slot.init) {
      if (result.exitCode === 0) {
        slot.finished = true;
        slot.crashes = 0;
      } else if (this.policy === 'Never') {
        slot.finished = true;
        this.record.finishedPhase = 'Failed';
        this.finishPod('Init container failed');
        return;
      } else {
        this.scheduleRestart(slot, ranMs);
        return;
      }
      this.persist();
      this.runInitOrApps();
      return;
    }
    if (shouldRestart(this.policy, result.exitCode)) {
      this.scheduleRestart(slot, ranMs);
      return;
    }
    slot.finished = true;
    this.persist();
    if ([...this.slots.values()].filter((s) => !s.init).every((s) => s.finished)) {
      this.record.finishedPhase = this.allSucceeded() ? 'Succeeded' : 'Failed';
      this.finishPod(`all containers exited (${this.record.finishedPhase})`);
      return;
    }
    this.changed();
  }

  private scheduleRestart(slot: Slot, ranMs: number): void {
    slot.crashes = nextCrashCount(slot.crashes, ranMs, this.deps.restartBackoff);
    const delay = backoffDelayMs(slot.crashes, this.deps.restartBackoff);
    slot.record.restartCount++;
    if (delay > 0) {
      slot.waiting = {
        reason: 'CrashLoopBackOff',
        message: `back-off ${Math.round(delay / 1000)}s restarting failed container=${slot.name} pod=${this.pod.metadata.name}_${this.pod.metadata.namespace}(${this.uid})`,
      };
    } else slot.waiting = undefined;
    this.persist();
    this.changed();
    slot.timer = setTimeout(() => void this.launch(slot), delay);
    slot.timer.unref?.();
  }

  /** Stops a container and starts it again at once (image update). */
  private async replace(slot: Slot): Promise<void> {
    const running = slot.running;
    if (running) {
      slot.detached = true;
      slot.running = undefined;
      await running.stop((this.pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000);
      slot.record.restartCount++;
    }
    clearTimeout(slot.timer);
    slot.timer = undefined;
    slot.finished = false;
    void this.launch(slot);
  }

  private finishPod(why: string): void {
    this.deps.log(`pod ${this.key}: ${why}`);
    for (const slot of this.slots.values()) {
      clearTimeout(slot.timer);
      if (!slot.running) slot.finished = true;
    }
    this.persist();
    this.changed();
  }

  private persist(): void {
    if (this.stoppedForShutdown) return;
    this.deps.persist({ pod: this.pod, runtime: this.record });
  }

  private changed(): void {
    this.deps.changed(this.uid);
  }
}
