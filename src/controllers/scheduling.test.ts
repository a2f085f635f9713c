import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { podRequests } from './quantity.js';
import {
  filterNode,
  fitErrorMessage,
  leastAllocatedScore,
  linkQuality,
  NodeInfo,
  REASON_AFFINITY,
  REASON_UNSCHEDULABLE,
  schedule,
  scoreNodes,
} from './scheduling.js';

function node(
  name: string,
  extra: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    spec?: Record<string, unknown>;
    ready?: string;
    allocatable?: Record<string, string>;
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: extra.labels ?? {}, annotations: extra.annotations },
    spec: extra.spec ?? {},
    status: {
      allocatable: extra.allocatable ?? { cpu: '2', memory: '4Gi', pods: '10' },
      conditions: [{ type: 'Ready', status: extra.ready ?? 'True' }],
    },
  };
}

function pod(name: string, spec: Record<string, unknown> = {}, owner?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ...(owner
        ? {
            ownerReferences: [
              { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: owner, uid: owner, controller: true },
            ],
          }
        : {}),
    },
    spec: {
      containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '500m', memory: '1Gi' } } }],
      ...spec,
    },
  };
}

const info = (n: KubeObject, ...pods: KubeObject[]) => {
  const i = new NodeInfo(n);
  for (const p of pods) i.addPod(p);
  return i;
};
const reasons = (p: KubeObject, i: NodeInfo) => filterNode(p, podRequests(p), i);

test('filters give upstream reasons, first failing filter wins', () => {
  const p = pod('p');
  assert.deepEqual(reasons(p, info(node('a'))), []);
  assert.deepEqual(reasons(p, info(node('a', { spec: { unschedulable: true } }))), [REASON_UNSCHEDULABLE]);
  assert.deepEqual(
    reasons(p, info(node('a', { spec: { taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] } }))),
    ['node(s) had untolerated taint {k: v}'],
  );
  assert.deepEqual(
    reasons(p, info(node('a', { spec: { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] } }))),
    [],
  );
  assert.deepEqual(reasons(p, info(node('a', { ready: 'False' }))), [
    'node(s) had untolerated taint {node.kubernetes.io/not-ready: }',
  ]);
  assert.deepEqual(reasons(p, info(node('a', { ready: 'Unknown' }))), [
    'node(s) had untolerated taint {node.kubernetes.io/unreachable: }',
  ]);
  const tolerant = pod('t', { tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }] });
  assert.deepEqual(reasons(tolerant, info(node('a', { ready: 'False' }))), []);
  assert.deepEqual(reasons(pod('s', { nodeSelector: { zone: 'x' } }), info(node('a'))), [REASON_AFFINITY]);
  // Unschedulable is reported before the selector mismatch, as upstream's filter order.
  assert.deepEqual(
    reasons(pod('s', { nodeSelector: { zone: 'x' } }), info(node('a', { spec: { unschedulable: true } }))),
    [REASON_UNSCHEDULABLE],
  );
});

test('resources: requests against allocatable, every shortage reported', () => {
  assert.deepEqual(reasons(pod('p'), info(node('a'), pod('x'), pod('y'), pod('z'))), [], 'exactly full fits');
  const full = info(node('a'), pod('x'), pod('y'), pod('z'), pod('w'));
  assert.deepEqual(reasons(pod('p'), full), ['Insufficient cpu', 'Insufficient memory']);
  const tiny = info(node('a', { allocatable: { cpu: '100m', memory: '1Mi', pods: '1' } }), pod('x'));
  assert.deepEqual(reasons(pod('p'), tiny), ['Too many pods', 'Insufficient cpu', 'Insufficient memory']);
  // A node that does not report cpu/memory is not limited in them; extended resources must be reported.
  const bare = info(node('a', { allocatable: {} }));
  assert.deepEqual(reasons(pod('p'), bare), []);
  const gpu = pod('g', {
    containers: [{ name: 'c', image: 'x', resources: { limits: { 'example.com/gpu': '1' } } }],
  });
  assert.deepEqual(reasons(gpu, bare), ['Insufficient example.com/gpu']);
  assert.deepEqual(reasons(gpu, info(node('a', { allocatable: { 'example.com/gpu': '2' } }))), []);
});

test('host ports may not clash', () => {
  const web = (name: string, hostPort: number) =>
    pod(name, { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80, hostPort }] }] });
  assert.deepEqual(reasons(web('b', 8080), info(node('a'), web('a', 8080))), [
    "node(s) didn't have free ports for the requested pod ports",
  ]);
  assert.deepEqual(reasons(web('b', 8081), info(node('a'), web('a', 8080))), []);
});

test('the fit error reads like upstream', () => {
  assert.equal(
    fitErrorMessage(
      3,
      new Map([
        [REASON_AFFINITY, 2],
        [REASON_UNSCHEDULABLE, 1],
      ]),
    ),
    "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector.",
  );
  assert.equal(fitErrorMessage(0, new Map()), 'no nodes available to schedule pods');
});

test('link quality: the annotation, clamped, 100 when absent or unreadable', () => {
  assert.equal(linkQuality(node('a')), 100);
  assert.equal(linkQuality(node('a', { annotations: { 'minato.dev/link-quality': '35' } })), 35);
  assert.equal(linkQuality(node('a', { annotations: { 'minato.dev/link-quality': '250' } })), 100);
  assert.equal(linkQuality(node('a', { annotations: { 'minato.dev/link-quality': '-4' } })), 0);
  assert.equal(linkQuality(node('a', { annotations: { 'minato.dev/link-quality': 'great' } })), 100);
});

test('least allocated prefers emptier nodes', () => {
  const p = pod('p');
  const empty = leastAllocatedScore(podRequests(p), info(node('a')));
  const busy = leastAllocatedScore(podRequests(p), info(node('b'), pod('x')));
  assert.ok(empty > busy);
  assert.equal(empty, (75 + 75) / 2);
});

test('scores: spreading, link quality and PreferNoSchedule steer the choice', () => {
  const p = pod('p', {}, 'rs1');
  // Same capacity, one node already runs a pod of the same ReplicaSet.
  const spread = schedule(p, [info(node('a'), pod('x', {}, 'rs1')), info(node('b'), pod('y', {}, 'other'))]);
  assert.equal(spread.node, 'b');
  const link = schedule(p, [
    info(node('weak', { annotations: { 'minato.dev/link-quality': '40' } })),
    info(node('strong', { annotations: { 'minato.dev/link-quality': '95' } })),
  ]);
  assert.equal(link.node, 'strong');
  const prefer = schedule(p, [
    info(node('tainted', { spec: { taints: [{ key: 'k', effect: 'PreferNoSchedule' }] } })),
    info(node('clean')),
  ]);
  assert.equal(prefer.node, 'clean');
  const scores = scoreNodes(p, podRequests(p), [info(node('a')), info(node('b'))]);
  assert.equal(scores[0]!.total, scores[1]!.total);
  // Ties are broken by the random source.
  assert.equal(schedule(p, [info(node('a')), info(node('b'))], () => 0).node, 'a');
  assert.equal(schedule(p, [info(node('a')), info(node('b'))], () => 0.99).node, 'b');
});

test('no feasible node: reasons counted per node', () => {
  const d = schedule(pod('p', { nodeSelector: { zone: 'x' } }), [
    info(node('a', { spec: { unschedulable: true } })),
    info(node('b')),
    info(node('c')),
  ]);
  assert.equal(d.node, undefined);
  assert.deepEqual(
    [...d.reasons],
    [
      [REASON_UNSCHEDULABLE, 1],
      [REASON_AFFINITY, 2],
    ],
  );
});
