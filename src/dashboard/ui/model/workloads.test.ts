/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../api/types.js';
import { podSummary, podsOf, rollout, selects } from './workloads.js';

const obj = (kind: string, spec: object, status: object, generation = 1): KubeObject => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name: 'x', namespace: 'ns', generation },
  spec,
  status: { observedGeneration: 1, ...status },
});

test('deployment rollout counts replicas', () => {
  const r = rollout(
    obj('Deployment', { replicas: 4 }, { updatedReplicas: 3, readyReplicas: 2, availableReplicas: 2 }),
  );
  assert.deepEqual([r.desired, r.updated, r.ready, r.available, r.complete], [4, 3, 2, 2, false]);
  const done = rollout(
    obj('Deployment', { replicas: 2 }, { updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 }),
  );
  assert.equal(done.complete, true);
  assert.match(done.summary, /2 of 2 replicas/);
});

test('daemonset rollout counts devices; a spec the controller has not seen is not complete', () => {
  const r = rollout(
    obj(
      'DaemonSet',
      {},
      { desiredNumberScheduled: 5, updatedNumberScheduled: 5, numberReady: 5, numberAvailable: 5 },
      2,
    ),
  );
  assert.equal(r.stale, true);
  assert.equal(r.complete, false);
});

test('pod status reads like kubectl', () => {
  const pod = (status: object, extra: object = {}): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', ...extra },
    spec: { nodeName: 'n', containers: [{ name: 'a' }] },
    status,
  });
  assert.deepEqual(
    podSummary(pod({ phase: 'Running', containerStatuses: [{ ready: true, restartCount: 2 }] })),
    { status: 'Running', tone: 'ok', ready: '1/1', restarts: 2 },
  );
  assert.equal(
    podSummary(
      pod({
        phase: 'Running',
        containerStatuses: [{ ready: false, state: { waiting: { reason: 'CrashLoopBackOff' } } }],
      }),
    ).tone,
    'bad',
  );
  assert.equal(podSummary(pod({ phase: 'Running' }, { deletionTimestamp: 'x' })).status, 'Terminating');
});

test('selectors: matchLabels and matchExpressions', () => {
  const sel = {
    matchLabels: { app: 'a' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['edge'] },
      { key: 'old', operator: 'DoesNotExist' },
    ],
  };
  assert.equal(selects(sel, { app: 'a', tier: 'edge' }), true);
  assert.equal(selects(sel, { app: 'a', tier: 'cloud' }), false);
  assert.equal(selects(sel, { app: 'a', tier: 'edge', old: '1' }), false);
  assert.equal(selects(undefined, { app: 'a' }), false);
  const d = obj('Deployment', { selector: { matchLabels: { app: 'a' } } }, {});
  const pods = [
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: '1', namespace: 'ns', labels: { app: 'a' } } },
    { apiVersion: 'v1', kind: 'Pod', metadata: { name: '2', namespace: 'other', labels: { app: 'a' } } },
  ];
  assert.deepEqual(
    podsOf(d, pods).map((p) => p.metadata.name),
    ['1'],
  );
});
