import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, statusPatch } from './status-reporter.js';

test('canonical JSON ignores key order, nulls and empty objects', () => {
  assert.equal(
    canonicalJson({ b: 1, a: { y: null, x: [{ k: {}, j: 2 }] } }),
    canonicalJson({ a: { x: [{ j: 2 }] }, b: 1 }),
  );
  assert.notEqual(canonicalJson({ a: [1, 2] }), canonicalJson({ a: [2, 1] }));
});

test('status writes are JSON patches preconditioned on the pod uid, touching only our fields', () => {
  assert.deepEqual(statusPatch('u1', { phase: 'Running', podIP: '1.2.3.4' }, { phase: 'Pending' }), [
    { op: 'test', path: '/metadata/uid', value: 'u1' },
    { op: 'add', path: '/status/phase', value: 'Running' },
    { op: 'add', path: '/status/podIP', value: '1.2.3.4' },
  ]);
  assert.deepEqual(statusPatch('u1', { phase: 'Running' }, undefined), [
    { op: 'test', path: '/metadata/uid', value: 'u1' },
    { op: 'add', path: '/status', value: { phase: 'Running' } },
  ]);
});
