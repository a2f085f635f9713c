/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../../../api/types.js';
import {
  countStates,
  deviceClass,
  deviceState,
  leaseAgeSeconds,
  linkQuality,
  parsePosition,
  position,
} from './node-state.js';

function node(
  extra: {
    annotations?: Record<string, string>;
    labels?: Record<string, string>;
    spec?: object;
    ready?: string;
    taints?: string[];
  } = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'car-1', annotations: extra.annotations, labels: extra.labels },
    spec: { ...extra.spec, taints: extra.taints?.map((key) => ({ key, effect: 'NoSchedule' })) },
    status: { conditions: extra.ready ? [{ type: 'Ready', status: extra.ready }] : [] },
  };
}

test('a device is in range unless something says otherwise', () => {
  assert.equal(deviceState(node({ ready: 'True' })), 'ready');
  assert.equal(deviceState(node()), 'ready');
});

test('out of range wins over everything: the unreachable taint or Ready=Unknown', () => {
  assert.equal(deviceState(node({ ready: 'Unknown' })), 'out-of-range');
  const all = node({
    ready: 'True',
    taints: ['node.kubernetes.io/unreachable', 'minato.dev/link-degraded'],
    annotations: { 'minato.dev/departing': '2030-01-01T00:00:00Z' },
    spec: { unschedulable: true },
  });
  assert.equal(deviceState(all), 'out-of-range');
});

test('then departing, cordoned, not ready, degraded, in that order', () => {
  const departing = node({
    annotations: { 'minato.dev/departing': '2030-01-01T00:00:00Z' },
    spec: { unschedulable: true },
  });
  assert.equal(deviceState(departing), 'departing');
  assert.equal(deviceState(node({ spec: { unschedulable: true }, ready: 'False' })), 'cordoned');
  assert.equal(deviceState(node({ ready: 'False', taints: ['minato.dev/link-degraded'] })), 'not-ready');
  assert.equal(deviceState(node({ ready: 'True', taints: ['minato.dev/link-degraded'] })), 'degraded');
});

test('positions are "x,y" in metres; anything else is no position', () => {
  assert.deepEqual(parsePosition('12.5,-3'), { x: 12.5, y: -3 });
  assert.deepEqual(parsePosition(' 4 , 5 '), { x: 4, y: 5 });
  for (const bad of ['', '1', '1,2,3', 'a,b', ',2', '1,', 'NaN,1', 'Infinity,2'])
    assert.equal(parsePosition(bad), undefined, bad);
  assert.deepEqual(position(node({ annotations: { 'minato.dev/position': '1,2' } })), { x: 1, y: 2 });
});

test('link quality is clamped to 0-100; class falls back to "device"', () => {
  assert.equal(linkQuality(node({ annotations: { 'minato.dev/link-quality': '140' } })), 100);
  assert.equal(linkQuality(node({ annotations: { 'minato.dev/link-quality': '-3' } })), 0);
  assert.equal(linkQuality(node({ annotations: { 'minato.dev/link-quality': 'good' } })), undefined);
  assert.equal(deviceClass(node({ labels: { 'minato.dev/device-class': 'drone' } })), 'drone');
  assert.equal(deviceClass(node({ labels: { 'minato.dev/device-class': 'submarine' } })), 'device');
});

test('lease age comes from spec.renewTime', () => {
  const lease: KubeObject = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {},
    spec: { renewTime: '2030-01-01T00:00:00.000000Z' },
  };
  assert.equal(leaseAgeSeconds(lease, Date.parse('2030-01-01T00:00:07Z')), 7);
  assert.equal(leaseAgeSeconds(undefined, 0), undefined);
});

test('counts have every state, zeros included', () => {
  const c = countStates([node(), node({ ready: 'Unknown' }), node({ ready: 'Unknown' })]);
  assert.deepEqual(c, {
    ready: 1,
    degraded: 0,
    'not-ready': 0,
    departing: 0,
    cordoned: 0,
    'out-of-range': 2,
  });
});
