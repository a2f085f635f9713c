import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { nodeAllocatable, parseQuantity, podRequests, resourceUnits } from './quantity.js';

test('quantities parse with decimal, binary and exponent suffixes', () => {
  assert.equal(parseQuantity('100m'), 0.1);
  assert.equal(parseQuantity('2'), 2);
  assert.equal(parseQuantity('0.5'), 0.5);
  assert.equal(parseQuantity('.5'), 0.5);
  assert.equal(parseQuantity('1.5Gi'), 1.5 * 2 ** 30);
  assert.equal(parseQuantity('128Mi'), 128 * 2 ** 20);
  assert.equal(parseQuantity('64Ki'), 65536);
  assert.equal(parseQuantity('2k'), 2000);
  assert.equal(parseQuantity('1M'), 1e6);
  assert.equal(parseQuantity('1G'), 1e9);
  assert.equal(parseQuantity('1e3'), 1000);
  assert.equal(parseQuantity('5E-1'), 0.5);
  assert.equal(parseQuantity('250u'), 0.00025);
  assert.equal(parseQuantity(3), 3);
  for (const bad of ['', 'abc', '1.2.3', '5 Mi', 'Mi', '1mi', '1KB'])
    assert.equal(parseQuantity(bad), undefined, bad);
});

test('cpu compares in millicores, everything else in whole units, rounded up', () => {
  assert.equal(resourceUnits('cpu', '0.1'), 100);
  assert.equal(resourceUnits('cpu', '1'), 1000);
  assert.equal(resourceUnits('cpu', '250m'), 250);
  assert.equal(resourceUnits('cpu', '1.0005'), 1001);
  assert.equal(resourceUnits('memory', '1Gi'), 2 ** 30);
  assert.equal(resourceUnits('memory', '100m'), 1);
  assert.equal(resourceUnits('pods', '110'), 110);
  assert.equal(resourceUnits('cpu', 'nonsense'), 0);
});

const pod = (spec: Record<string, unknown>): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: {},
  spec,
});

test('pod requests: containers add up, init containers take the max, limits stand in for requests', () => {
  const requests = podRequests(
    pod({
      containers: [
        { name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } },
        { name: 'b', resources: { limits: { cpu: '200m', 'example.com/gpu': '1' } } },
      ],
      initContainers: [
        { name: 'i1', resources: { requests: { cpu: '1', memory: '16Mi' } } },
        { name: 'sidecar', restartPolicy: 'Always', resources: { requests: { memory: '32Mi' } } },
      ],
      overhead: { cpu: '10m' },
    }),
  );
  assert.deepEqual(requests, {
    cpu: 1010,
    memory: 96 * 2 ** 20,
    'example.com/gpu': 1,
  });
  assert.deepEqual(podRequests(pod({ containers: [{ name: 'x' }] })), {});
});

test('node allocatable in scheduler units, absent when not reported', () => {
  const node = (status: Record<string, unknown>): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {},
    status,
  });
  assert.deepEqual(nodeAllocatable(node({ allocatable: { cpu: '3500m', memory: '2Gi', pods: '20' } })), {
    cpu: 3500,
    memory: 2 ** 31,
    pods: 20,
  });
  assert.equal(nodeAllocatable(node({})), undefined);
});
