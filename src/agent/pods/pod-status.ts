/**
 * PodStatus as the kubelet reports it, built from what the agent knows about each container. Pure:
 * the same inputs give the same status, and transition times are carried over from the previous
 * status while a condition keeps its value, so re-reporting an unchanged pod writes nothing new.
 */
import type { KubeObject } from '../../api/types.js';
import type { ContainerRecord } from '../state/agent-state.js';

export type PodPhase = 'Pending' | 'Running' | 'Succeeded' | 'Failed';

/** What the agent knows about one container right now. */
export interface ContainerView {
  name: string;
  image: string;
  record: ContainerRecord;
  /** Running now. */
  running?: { startedAt: string; containerID: string };
  /** Not running and will be (re)started: the reason it is waiting. */
  waiting?: { reason: string; message?: string };
  /** Not running and never will be again (completed under its restart policy, or the pod is ending). */
  finished?: boolean;
  ready: boolean;
}

export interface PodStatusInput {
  pod: KubeObject;
  hostIP: string;
  podIP: string;
  startTime?: string;
  initContainers: ContainerView[];
  containers: ContainerView[];
  initialized: boolean;
  /** Set once the pod is over; overrides what the containers would say. */
  finishedPhase?: 'Succeeded' | 'Failed';
  reason?: string;
  message?: string;
  /** The status last reported, for stable lastTransitionTime values. */
  previous?: KubeObject['status'];
  now: string;
}

type Condition = {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
  lastProbeTime: null;
  lastTransitionTime: string;
};

export function containerIdFor(runtimeId: string): string {
  return `minato://${runtimeId.replace('://', '-')}`;
}

export function podPhase(
  input: Pick<PodStatusInput, 'containers' | 'initialized' | 'finishedPhase' | 'initContainers'>,
): PodPhase {
  if (input.finishedPhase) return input.finishedPhase;
  if (input.initContainers.some((c) => c.finished && (c.record.lastTermination?.exitCode ?? 0) !== 0))
    return 'Failed';
  if (!input.initialized) return 'Pending';
  const cs = input.containers;
  if (cs.length > 0 && cs.every((c) => c.finished)) {
    return cs.every((c) => c.record.lastTermination?.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  const restarting = (c: ContainerView) => c.waiting !== undefined && c.record.lastTermination !== undefined;
  if (cs.some((c) => c.running || restarting(c) || c.finished)) return 'Running';
  return 'Pending';
}

export function buildContainerStatus(view: ContainerView): Record<string, unknown> {
  const record = view.record;
  const last = record.lastTermination;
  const terminated = (t: NonNullable<ContainerRecord['lastTermination']>) => ({
    terminated: {
      exitCode: t.exitCode,
      ...(t.signal ? { signal: t.signal } : {}),
      reason: t.reason,
      ...(t.message ? { message: t.message } : {}),
      ...(t.startedAt ? { startedAt: t.startedAt } : {}),
      finishedAt: t.finishedAt,
      ...(t.containerID ? { containerID: t.containerID } : {}),
    },
  });
  let state: Record<string, unknown>;
  let lastState: Record<string, unknown> = {};
  if (view.running) {
    state = { running: { startedAt: view.running.startedAt } };
    if (last) lastState = terminated(last);
  } else if (view.finished && last) {
    state = terminated(last);
  } else {
    const waiting = view.waiting ?? { reason: 'ContainerCreating' };
    state = { waiting: { reason: waiting.reason, ...(waiting.message ? { message: waiting.message } : {}) } };
    if (last) lastState = terminated(last);
  }
  const containerID =
    view.running?.containerID ?? (view.finished ? last?.containerID : undefined) ?? record.containerID;
  return {
    name: view.name,
    state,
    lastState,
    ready: Boolean(view.running) && view.ready,
    restartCount: record.restartCount,
    image: view.image,
    imageID: record.imageID ?? '',
    ...(containerID ? { containerID } : {}),
    started: Boolean(view.running),
  };
}

export function qosClass(pod: KubeObject): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])] as {
    resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  }[];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const requests = c.resources?.requests ?? {};
    const limits = c.resources?.limits ?? {};
    if (Object.keys(requests).length || Object.keys(limits).length) any = true;
    for (const r of ['cpu', 'memory']) {
      const limit = limits[r];
      const request = requests[r] ?? limit;
      if (limit === undefined || request !== limit) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

export function buildPodStatus(input: PodStatusInput): Record<string, unknown> {
  const phase = podPhase(input);
  const previous = (input.previous?.conditions ?? []) as Condition[];
  const condition = (type: string, ok: boolean, reason?: string, message?: string): Condition => {
    const status = ok ? 'True' : 'False';
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
      lastProbeTime: null,
      lastTransitionTime:
        before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : input.now,
    };
  };
  const terminal = phase === 'Succeeded' || phase === 'Failed';
  const unready = input.containers.filter((c) => !(c.running && c.ready)).map((c) => c.name);
  const incompleteInit = input.initContainers
    .filter((c) => !(c.finished && c.record.lastTermination?.exitCode === 0))
    .map((c) => c.name);
  const containersReady = !terminal && unready.length === 0 && input.containers.length > 0;
  const notReadyReason = terminal ? 'PodCompleted' : 'ContainersNotReady';
  const notReadyMessage = terminal ? undefined : `containers with unready status: [${unready.join(' ')}]`;
  const initialized = input.initialized || incompleteInit.length === 0;
  const conditions = [
    condition('PodReadyToStartContainers', true),
    condition(
      'Initialized',
      initialized,
      initialized ? undefined : 'ContainersNotInitialized',
      initialized ? undefined : `containers with incomplete status: [${incompleteInit.join(' ')}]`,
    ),
    condition(
      'Ready',
      containersReady,
      containersReady ? undefined : notReadyReason,
      containersReady ? undefined : notReadyMessage,
    ),
    condition(
      'ContainersReady',
      containersReady,
      containersReady ? undefined : notReadyReason,
      containersReady ? undefined : notReadyMessage,
    ),
    condition('PodScheduled', true),
  ];
  const status: Record<string, unknown> = {
    phase,
    conditions,
    hostIP: input.hostIP,
    hostIPs: [{ ip: input.hostIP }],
    podIP: input.podIP,
    podIPs: [{ ip: input.podIP }],
    ...(input.startTime ? { startTime: input.startTime } : {}),
    ...(input.initContainers.length
      ? { initContainerStatuses: input.initContainers.map(buildContainerStatus) }
      : {}),
    containerStatuses: input.containers.map(buildContainerStatus),
    qosClass: qosClass(input.pod),
  };
  if (input.reason) status.reason = input.reason;
  if (input.message) status.message = input.message;
  return status;
}
