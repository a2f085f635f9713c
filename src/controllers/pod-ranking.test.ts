import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { rankPodsForDeletion, ranksByCoLocation } from './pod-ranking.js';

const now = Date.parse('2026-01-01T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();

function pod(
  name: string,
  o: {
    node?: string;
    phase?: string;
    ready?: boolean;
    readySince?: number;
    created?: number;
    restarts?: number;
    cost?: string;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      creationTimestamp: ago(o.created ?? 1000),
      ...(o.cost ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': o.cost } } : {}),
    },
    spec: o.node ? { nodeName: o.node } : {},
    status: {
      phase: o.phase ?? 'Running',
      conditions: [
        {
          type: 'Ready',
          status: o.ready === false ? 'False' : 'True',
          lastTransitionTime: ago(o.readySince ?? 900),
        },
      ],
      containerStatuses: [{ restartCount: o.restarts ?? 0 }],
    },
  };
}

const order = (pods: KubeObject[], ranks?: Map<string, number>) =>
  rankPodsForDeletion(pods, ranks, now).map((p) => p.metadata.name);

test('unscheduled, then pending, unknown, running; not ready before ready', () => {
  assert.deepEqual(
    order([
      pod('running', { node: 'n' }),
      pod('unknown', { node: 'n', phase: 'Unknown' }),
      pod('pending', { node: 'n', phase: 'Pending', ready: false }),
      pod('unscheduled', { phase: 'Pending', ready: false }),
      pod('not-ready', { node: 'n', ready: false }),
    ]),
    ['unscheduled', 'pending', 'unknown', 'not-ready', 'running'],
  );
});

test('deletion cost, then doubled-up nodes, then recently ready, restarts, newest', () => {
  assert.deepEqual(
    order([
      pod('cheap', { node: 'n', cost: '-10' }),
      pod('dear', { node: 'n', cost: '100' }),
      pod('plain', { node: 'n' }),
    ]),
    ['cheap', 'plain', 'dear'],
  );
  const a = pod('a', { node: 'n1' });
  const b = pod('b', { node: 'n2' });
  const c = pod('c', { node: 'n2' });
  assert.deepEqual(order([a, b], ranksByCoLocation([a, b], [a, b, c])), ['b', 'a']);
  assert.deepEqual(
    order([
      pod('old-ready', { node: 'n', readySince: 3600 }),
      pod('new-ready', { node: 'n', readySince: 10 }),
    ]),
    ['new-ready', 'old-ready'],
  );
  assert.deepEqual(order([pod('calm', { node: 'n' }), pod('crashy', { node: 'n', restarts: 7 })]), [
    'crashy',
    'calm',
  ]);
  assert.deepEqual(
    order([pod('older', { node: 'n', created: 5000 }), pod('newer', { node: 'n', created: 100 })]),
    ['newer', 'older'],
  );
});
