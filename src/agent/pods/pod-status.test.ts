import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../api/types.js';
import { buildPodStatus, type ContainerView, containerIdFor, podPhase, qosClass } from './pod-status.js';

// biome-ignore lint/suspicious/noExplicitAny: statuses are inspected field by field
type Json = Record<string, any>;

const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u1' },
  spec: { containers: [{ name: 'a', image: 'a.wasm' }] },
};

const running = (name: string, restarts = 0): ContainerView => ({
  name,
  image: `${name}.wasm`,
  record: { restartCount: restarts, imageID: 'sha256:ab', containerID: 'minato://wasm-1' },
  running: { startedAt: '2026-01-01T00:00:00Z', containerID: 'minato://wasm-1' },
  ready: true,
});

const base = {
  pod,
  hostIP: '10.0.0.5',
  podIP: '10.0.0.5',
  initContainers: [],
  initialized: true,
  now: '2026-01-01T00:00:10Z',
};

test('a running pod: phase, conditions, container status and addresses as the kubelet reports them', () => {
  const status = buildPodStatus({
    ...base,
    startTime: '2026-01-01T00:00:00Z',
    containers: [running('a')],
  }) as Json;
  assert.equal(status.phase, 'Running');
  assert.equal(status.hostIP, '10.0.0.5');
  assert.deepEqual(status.podIPs, [{ ip: '10.0.0.5' }]);
  assert.equal(status.startTime, '2026-01-01T00:00:00Z');
  assert.equal(status.qosClass, 'BestEffort');
  const conditions = Object.fromEntries(status.conditions.map((c: Json) => [c.type, c.status]));
  assert.deepEqual(conditions, {
    PodReadyToStartContainers: 'True',
    Initialized: 'True',
    Ready: 'True',
    ContainersReady: 'True',
    PodScheduled: 'True',
  });
  assert.deepEqual(status.containerStatuses[0], {
    name: 'a',
    state: { running: { startedAt: '2026-01-01T00:00:00Z' } },
    lastState: {},
    ready: true,
    restartCount: 0,
    image: 'a.wasm',
    imageID: 'sha256:ab',
    containerID: 'minato://wasm-1',
    started: true,
  });
});

test('CrashLoopBackOff: waiting with the last termination in lastState, and the pod is Running, not Ready', () => {
  const view: ContainerView = {
    name: 'a',
    image: 'a.wasm',
    record: {
      restartCount: 3,
      lastTermination: {
        exitCode: 1,
        reason: 'Error',
        finishedAt: '2026-01-01T00:00:05Z',
        containerID: 'minato://wasm-3',
      },
    },
    waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' },
    ready: false,
  };
  const status = buildPodStatus({ ...base, containers: [view] }) as Json;
  assert.equal(status.phase, 'Running');
  const cs = status.containerStatuses[0];
  assert.deepEqual(cs.state, { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 20s' } });
  assert.equal(cs.lastState.terminated.exitCode, 1);
  assert.equal(cs.restartCount, 3);
  assert.equal(cs.ready, false);
  const ready = status.conditions.find((c: Json) => c.type === 'Ready');
  assert.deepEqual(
    [ready.status, ready.reason, ready.message],
    ['False', 'ContainersNotReady', 'containers with unready status: [a]'],
  );
});

test('phases: Pending before start, Succeeded / Failed when every container finished', () => {
  const waiting: ContainerView = { name: 'a', image: 'x', record: { restartCount: 0 }, ready: false };
  assert.equal(podPhase({ containers: [waiting], initContainers: [], initialized: true }), 'Pending');
  const done = (code: number): ContainerView => ({
    name: 'a',
    image: 'x',
    record: {
      restartCount: 0,
      lastTermination: { exitCode: code, reason: code ? 'Error' : 'Completed', finishedAt: 't' },
    },
    finished: true,
    ready: false,
  });
  assert.equal(podPhase({ containers: [done(0)], initContainers: [], initialized: true }), 'Succeeded');
  assert.equal(
    podPhase({ containers: [done(0), { ...done(2), name: 'b' }], initContainers: [], initialized: true }),
    'Failed',
  );
  assert.equal(
    podPhase({ containers: [running('a'), done(0)], initContainers: [], initialized: true }),
    'Running',
  );
  assert.equal(
    podPhase({ containers: [running('a')], initContainers: [], initialized: true, finishedPhase: 'Failed' }),
    'Failed',
  );
  const status = buildPodStatus({ ...base, containers: [done(0)] }) as Json;
  assert.deepEqual(status.containerStatuses[0].state.terminated.reason, 'Completed');
  assert.equal(status.conditions.find((c: Json) => c.type === 'Ready').reason, 'PodCompleted');
});

test('init containers: Pending and Initialized=False until they complete', () => {
  const init: ContainerView = { name: 'setup', image: 'x', record: { restartCount: 0 }, ready: false };
  const status = buildPodStatus({
    ...base,
    initContainers: [init],
    initialized: false,
    containers: [],
  }) as Json;
  assert.equal(status.phase, 'Pending');
  const initialized = status.conditions.find((c: Json) => c.type === 'Initialized');
  assert.deepEqual(
    [initialized.status, initialized.message],
    ['False', 'containers with incomplete status: [setup]'],
  );
  assert.equal(status.initContainerStatuses[0].name, 'setup');
});

test('transition times are kept while a condition keeps its value (no rewrite on an unchanged pod)', () => {
  const first = buildPodStatus({ ...base, containers: [running('a')], now: '2026-01-01T00:00:10Z' });
  const second = buildPodStatus({
    ...base,
    containers: [running('a')],
    previous: first,
    now: '2026-01-01T00:05:00Z',
  });
  assert.deepEqual(second, first);
  const notReady = buildPodStatus({
    ...base,
    containers: [{ ...running('a'), ready: false, running: undefined }],
    previous: first,
    now: '2026-01-01T00:06:00Z',
  }) as Json;
  assert.equal(
    notReady.conditions.find((c: Json) => c.type === 'Ready').lastTransitionTime,
    '2026-01-01T00:06:00Z',
  );
  assert.equal(
    notReady.conditions.find((c: Json) => c.type === 'PodScheduled').lastTransitionTime,
    '2026-01-01T00:00:10Z',
  );
});

test('QoS class and container IDs', () => {
  assert.equal(qosClass(pod), 'BestEffort');
  const limited = (requests: object, limits: object): KubeObject => ({
    ...pod,
    spec: { containers: [{ name: 'a', resources: { requests, limits } }] },
  });
  assert.equal(qosClass(limited({ cpu: '1', memory: '1Gi' }, { cpu: '1', memory: '1Gi' })), 'Guaranteed');
  assert.equal(qosClass(limited({}, { cpu: '1', memory: '1Gi' })), 'Guaranteed');
  assert.equal(qosClass(limited({ cpu: '100m' }, {})), 'Burstable');
  assert.equal(containerIdFor('wasm://abc-1'), 'minato://wasm-abc-1');
});
