/**
 * The Pod printer. Its Status cell is not the phase: kubectl condenses init progress, container
 * waiting/terminated reasons, deletion and node loss into one word, and users read that word first
 * when something is wrong, so the rules below follow kubectl's order of precedence exactly.
 */
import type { KubeObject } from '../../api/types.js';
import { age, humanDuration, parseTimestamp, ZERO_TIME_MS } from './duration.js';
import { ageColumn, asArray, asInt, asRecord, asString, column, nameColumn, wide } from './format.js';
import type { TablePrinter, TableRowCondition } from './types.js';

/** The reason the node lifecycle controller puts on pods of a node that stopped reporting. */
const NODE_LOST = 'NodeLost';

type Rec = Record<string, unknown>;

/** Sidecar-style init containers (restartPolicy: Always) keep running and count like app containers. */
function isRestartable(initContainer: Rec | undefined): boolean {
  return initContainer?.restartPolicy === 'Always';
}

function hasCondition(status: Rec, type: string): boolean {
  return asArray(status.conditions).some((c) => asRecord(c).type === type && asRecord(c).status === 'True');
}

/** The moment the container last stopped before its current run; ZERO_TIME_MS when never. */
function lastTerminatedAt(containerStatus: Rec): number {
  const terminated = asRecord(asRecord(containerStatus.lastState).terminated);
  return parseTimestamp(terminated.finishedAt) ?? ZERO_TIME_MS;
}

/** Status text for a terminated container without a reason: the signal if any, else the exit code. */
function exitDescription(terminated: Rec, prefix: string): string {
  const signal = asInt(terminated.signal);
  return signal !== 0 ? `${prefix}Signal:${signal}` : `${prefix}ExitCode:${asInt(terminated.exitCode)}`;
}

export interface PodSummary {
  ready: string;
  status: string;
  restarts: string;
}

/** Ready, Status and Restarts of a pod as kubectl computes them. */
export function summarizePod(pod: KubeObject, now: Date): PodSummary {
  const spec = asRecord(pod.spec);
  const status = asRecord(pod.status);
  const phase = asString(status.phase);
  let reason = asString(status.reason) || phase;

  for (const raw of asArray(status.conditions)) {
    const c = asRecord(raw);
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initSpecs = asArray(spec.initContainers).map(asRecord);
  const initByName = new Map(initSpecs.map((c) => [asString(c.name), c]));
  const total = asArray(spec.containers).length + initSpecs.filter(isRestartable).length;
  let ready = 0;
  let restarts = 0;
  let lastRestart = ZERO_TIME_MS;
  let sidecarRestarts = 0;
  let sidecarLastRestart = ZERO_TIME_MS;

  let initializing = false;
  const initStatuses = asArray(status.initContainerStatuses).map(asRecord);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i]!;
    const restartable = isRestartable(initByName.get(asString(cs.name)));
    restarts += asInt(cs.restartCount);
    lastRestart = Math.max(lastRestart, lastTerminatedAt(cs));
    if (restartable) {
      sidecarRestarts += asInt(cs.restartCount);
      sidecarLastRestart = Math.max(sidecarLastRestart, lastTerminatedAt(cs));
    }

    const state = asRecord(cs.state);
    const terminated = state.terminated === undefined ? undefined : asRecord(state.terminated);
    const waiting = asRecord(state.waiting);
    if (terminated && asInt(terminated.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) ready++;
      continue;
    }
    if (terminated) {
      const why = asString(terminated.reason);
      reason = why ? `Init:${why}` : exitDescription(terminated, 'Init:');
    } else if (asString(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${asString(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initSpecs.length}`;
    }
    initializing = true;
    break;
  }

  // Once init is over, only sidecar restarts carry over; the app containers decide the status.
  if (!initializing || hasCondition(status, 'Initialized')) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let hasRunning = false;
    const statuses = asArray(status.containerStatuses).map(asRecord);
    // Walk backwards so the first container's state wins, as kubectl does.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i]!;
      restarts += asInt(cs.restartCount);
      lastRestart = Math.max(lastRestart, lastTerminatedAt(cs));
      const state = asRecord(cs.state);
      const waiting = asRecord(state.waiting);
      const terminated = state.terminated === undefined ? undefined : asRecord(state.terminated);
      if (asString(waiting.reason) !== '') {
        reason = asString(waiting.reason);
      } else if (terminated && asString(terminated.reason) !== '') {
        reason = asString(terminated.reason);
      } else if (terminated) {
        reason = exitDescription(terminated, '');
      } else if (cs.ready === true && state.running !== undefined) {
        hasRunning = true;
        ready++;
      }
    }
    // One container finished but another still serves: the pod is not "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(status, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = pod.metadata.deletionTimestamp !== undefined && pod.metadata.deletionTimestamp !== null;
  if (deleting && status.reason === NODE_LOST) {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartText = String(restarts);
  if (restarts !== 0 && lastRestart !== ZERO_TIME_MS) {
    restartText = `${restarts} (${humanDuration(now.getTime() - lastRestart)} ago)`;
  }
  return { ready: `${ready}/${total}`, status: reason, restarts: restartText };
}

function podIP(status: Rec): string {
  const first = asRecord(asArray(status.podIPs)[0]);
  return asString(first.ip) || asString(status.podIP) || '<none>';
}

/** "1/2" of readiness gates whose condition is True, or "<none>" when the pod declares none. */
function readinessGates(spec: Rec, status: Rec): string {
  const gates = asArray(spec.readinessGates).map(asRecord);
  if (gates.length === 0) return '<none>';
  const conditions = asArray(status.conditions).map(asRecord);
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True');
  return `${passed.length}/${gates.length}`;
}

export const podPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Ready containers out of all containers in the pod.'),
    column('Status', 'string', 'Condensed state of the pod and its containers.'),
    column('Restarts', 'string', 'Container restarts, and how long ago the last one happened.'),
    ageColumn,
    wide('IP', 'string', 'Primary IP address of the pod.'),
    wide('Node', 'string', 'Node the pod is bound to.'),
    wide('Nominated Node', 'string', 'Node the scheduler plans to place the pod on after preemption.'),
    wide('Readiness Gates', 'string', 'Readiness gates whose condition is true, out of all declared.'),
  ],
  cells(pod, now) {
    const spec = asRecord(pod.spec);
    const status = asRecord(pod.status);
    const s = summarizePod(pod, now);
    return [
      pod.metadata.name ?? '',
      s.ready,
      s.status,
      s.restarts,
      age(pod.metadata.creationTimestamp, now),
      podIP(status),
      asString(spec.nodeName) || '<none>',
      asString(status.nominatedNodeName) || '<none>',
      readinessGates(spec, status),
    ];
  },
  conditions(pod): TableRowCondition[] | undefined {
    const phase = asRecord(pod.status).phase;
    if (phase === 'Succeeded') {
      return [
        {
          type: 'Completed',
          status: 'True',
          reason: 'Succeeded',
          message: 'All containers exited successfully.',
        },
      ];
    }
    if (phase === 'Failed') {
      return [
        { type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod stopped with a failure.' },
      ];
    }
    return undefined;
  },
};
