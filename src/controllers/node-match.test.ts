import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import {
  firstUntoleratedTaint,
  matchesNodeSelectorAndAffinity,
  preferredAffinityWeight,
  type Taint,
  tolerates,
  untoleratedPreferNoSchedule,
  withDaemonTolerations,
} from './node-match.js';

const taint = (key: string, effect: Taint['effect'], value?: string): Taint => ({ key, effect, value });

test('tolerations match taints by key, value, operator and effect', () => {
  const t = taint('dedicated', 'NoSchedule', 'gpu');
  assert.ok(tolerates({ key: 'dedicated', operator: 'Equal', value: 'gpu', effect: 'NoSchedule' }, t));
  assert.ok(tolerates({ key: 'dedicated', value: 'gpu' }, t), 'empty operator is Equal, empty effect is any');
  assert.ok(tolerates({ key: 'dedicated', operator: 'Exists' }, t));
  assert.ok(tolerates({ operator: 'Exists' }, t), 'empty key with Exists tolerates everything');
  assert.ok(!tolerates({ key: 'dedicated', value: 'cpu' }, t));
  assert.ok(!tolerates({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, t));
  assert.ok(!tolerates({ key: 'other', operator: 'Exists' }, t));
  assert.ok(tolerates({ key: 'k', operator: 'Equal' }, taint('k', 'NoSchedule')), 'empty values are equal');
});

test('the first untolerated taint of the given effects', () => {
  const taints = [taint('a', 'PreferNoSchedule'), taint('b', 'NoSchedule'), taint('c', 'NoExecute')];
  assert.equal(firstUntoleratedTaint(taints, [], ['NoSchedule', 'NoExecute'])?.key, 'b');
  assert.equal(
    firstUntoleratedTaint(taints, [{ key: 'b', operator: 'Exists' }], ['NoSchedule', 'NoExecute'])?.key,
    'c',
  );
  assert.equal(
    firstUntoleratedTaint(taints, [{ operator: 'Exists' }], ['NoSchedule', 'NoExecute']),
    undefined,
  );
  assert.equal(untoleratedPreferNoSchedule(taints, []), 1);
  assert.equal(
    untoleratedPreferNoSchedule(taints, [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }]),
    0,
  );
  assert.equal(
    untoleratedPreferNoSchedule(taints, [{ key: 'a', operator: 'Exists', effect: 'NoSchedule' }]),
    1,
  );
});

const node = (name: string, labels: Record<string, string>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name, labels },
});
const podWith = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {},
  spec,
});
const required = (...terms: unknown[]) =>
  podWith({
    affinity: {
      nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
    },
  });

test('nodeSelector and required node affinity operators', () => {
  const n = node('n1', { zone: 'a', cores: '8', gpu: 'yes' });
  assert.ok(matchesNodeSelectorAndAffinity(podWith({ nodeSelector: { zone: 'a' } }), n));
  assert.ok(!matchesNodeSelectorAndAffinity(podWith({ nodeSelector: { zone: 'b' } }), n));
  const expr = (key: string, operator: string, values?: string[]) =>
    required({ matchExpressions: [{ key, operator, values }] });
  assert.ok(matchesNodeSelectorAndAffinity(expr('zone', 'In', ['a', 'b']), n));
  assert.ok(!matchesNodeSelectorAndAffinity(expr('zone', 'NotIn', ['a']), n));
  assert.ok(matchesNodeSelectorAndAffinity(expr('missing', 'NotIn', ['a']), n));
  assert.ok(matchesNodeSelectorAndAffinity(expr('gpu', 'Exists'), n));
  assert.ok(matchesNodeSelectorAndAffinity(expr('tpu', 'DoesNotExist'), n));
  assert.ok(matchesNodeSelectorAndAffinity(expr('cores', 'Gt', ['4']), n));
  assert.ok(!matchesNodeSelectorAndAffinity(expr('cores', 'Gt', ['8']), n));
  assert.ok(matchesNodeSelectorAndAffinity(expr('cores', 'Lt', ['16']), n));
  assert.ok(
    !matchesNodeSelectorAndAffinity(expr('zone', 'Lt', ['16']), n),
    'non-integer labels never compare',
  );
  assert.ok(!matchesNodeSelectorAndAffinity(expr('missing', 'Gt', ['1']), n));
  // Terms are ORed, expressions within a term ANDed; an empty term matches nothing.
  assert.ok(
    matchesNodeSelectorAndAffinity(
      required(
        { matchExpressions: [{ key: 'zone', operator: 'In', values: ['z'] }] },
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] },
      ),
      n,
    ),
  );
  assert.ok(!matchesNodeSelectorAndAffinity(required({}), n));
  assert.ok(!matchesNodeSelectorAndAffinity(required(), n));
  assert.ok(
    !matchesNodeSelectorAndAffinity(
      required({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n1'] }] }),
      n,
    ),
  );
});

test('preferred node affinity adds the weights of matching terms', () => {
  const pod = podWith({
    affinity: {
      nodeAffinity: {
        preferredDuringSchedulingIgnoredDuringExecution: [
          { weight: 10, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] } },
          { weight: 5, preference: { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] } },
        ],
      },
    },
  });
  assert.equal(preferredAffinityWeight(pod, node('x', { zone: 'a', gpu: '1' })), 15);
  assert.equal(preferredAffinityWeight(pod, node('y', { zone: 'b' })), 0);
});

test('daemon pods get the automatic tolerations once', () => {
  const mine = [
    {
      key: 'node.kubernetes.io/unreachable',
      operator: 'Exists' as const,
      effect: 'NoExecute' as const,
      tolerationSeconds: 5,
    },
  ];
  const all = withDaemonTolerations(mine, false);
  const keys = all.map((t) => `${t.key}:${t.effect}`);
  assert.deepEqual(keys.sort(), [
    'minato.dev/link-degraded:NoSchedule',
    'node.kubernetes.io/disk-pressure:NoSchedule',
    'node.kubernetes.io/memory-pressure:NoSchedule',
    'node.kubernetes.io/not-ready:NoExecute',
    'node.kubernetes.io/pid-pressure:NoSchedule',
    'node.kubernetes.io/unreachable:NoExecute',
    'node.kubernetes.io/unschedulable:NoSchedule',
  ]);
  assert.equal(
    all.find((t) => t.key === 'node.kubernetes.io/unreachable')?.tolerationSeconds,
    undefined,
    'no time limit',
  );
  assert.ok(withDaemonTolerations([], true).some((t) => t.key === 'node.kubernetes.io/network-unavailable'));
  assert.equal(withDaemonTolerations(withDaemonTolerations([], false), false).length, 7);
});
