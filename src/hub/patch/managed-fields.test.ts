import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fieldPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import {
  ANCIENT_CHANGES_MANAGER,
  capUpdateManagers,
  decodeManagedFields,
  encodeManagedFields,
  type ManagedFieldSets,
  managerIdentity,
  stripServerOwnedFields,
} from './managed-fields.js';

test('decode and encode round-trip, in upstream order', () => {
  const entries = [
    {
      manager: 'kubectl-edit',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2025-01-01T00:02:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    },
    {
      manager: 'controller',
      operation: 'Update',
      apiVersion: 'apps/v1',
      time: '2025-01-01T00:01:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:status': { 'f:replicas': {} } },
      subresource: 'status',
    },
    {
      manager: 'kubectl',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2025-01-01T00:03:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: { 'f:metadata': { 'f:labels': { 'f:app': {} } } },
    },
  ];
  const encoded = encodeManagedFields(decodeManagedFields(entries));
  assert.deepEqual(encoded, [entries[2], entries[1], entries[0]]);
});

test('invalid entries are rejected', () => {
  const good = { manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: {} };
  assert.throws(() => decodeManagedFields([{ ...good, operation: 'Patch' }]), /operation/);
  assert.throws(() => decodeManagedFields([{ ...good, apiVersion: '' }]), /apiVersion/);
  assert.throws(() => decodeManagedFields([{ ...good, fieldsType: undefined }]), /missing fieldsType/);
  assert.throws(() => decodeManagedFields([{ ...good, fieldsV1: { nonsense: {} } }]), /unknown path element/);
});

test('appliers have one identity across versions, updaters one per version', () => {
  assert.equal(managerIdentity('m', 'Apply', 'apps/v1'), managerIdentity('m', 'Apply', 'apps/v1beta1'));
  assert.notEqual(managerIdentity('m', 'Update', 'apps/v1'), managerIdentity('m', 'Update', 'apps/v1beta1'));
  assert.notEqual(
    managerIdentity('m', 'Update', 'apps/v1'),
    managerIdentity('m', 'Update', 'apps/v1', 'status'),
  );
});

test('server-owned fields are stripped and emptied managers dropped', () => {
  const sets: ManagedFieldSets = new Map([
    [
      'a',
      {
        manager: 'a',
        operation: 'Update',
        apiVersion: 'v1',
        set: FieldSet.of(
          fieldPath('metadata', 'name'),
          fieldPath('metadata', 'labels', 'x'),
          fieldPath('kind'),
        ),
      },
    ],
    [
      'b',
      { manager: 'b', operation: 'Update', apiVersion: 'v1', set: FieldSet.of(fieldPath('metadata', 'uid')) },
    ],
  ]);
  const stripped = stripServerOwnedFields(sets);
  assert.deepEqual([...stripped.keys()], ['a']);
  assert.deepEqual(stripped.get('a')!.set.toFieldsV1(), { 'f:metadata': { 'f:labels': { 'f:x': {} } } });
});

test('more than ten update managers fold the oldest into ancient-changes', () => {
  const sets: ManagedFieldSets = new Map();
  for (let i = 0; i < 12; i++) {
    const manager = `m${String(i).padStart(2, '0')}`;
    sets.set(managerIdentity(manager, 'Update', 'v1'), {
      manager,
      operation: 'Update',
      apiVersion: 'v1',
      time: `2025-01-01T00:00:${String(i).padStart(2, '0')}Z`,
      set: FieldSet.of(fieldPath('data', manager)),
    });
  }
  sets.set(managerIdentity('applier', 'Apply', 'v1'), {
    manager: 'applier',
    operation: 'Apply',
    apiVersion: 'v1',
    set: FieldSet.of(fieldPath('data', 'a')),
  });
  const capped = capUpdateManagers(sets);
  const updaters = [...capped.values()].filter((e) => e.operation === 'Update');
  assert.equal(updaters.length, 10);
  const ancient = updaters.find((e) => e.manager === ANCIENT_CHANGES_MANAGER)!;
  assert.deepEqual(ancient.set.toFieldsV1(), { 'f:data': { 'f:m00': {}, 'f:m01': {}, 'f:m02': {} } });
  assert.equal(ancient.time, '2025-01-01T00:00:02Z');
  assert.ok(capped.has(managerIdentity('applier', 'Apply', 'v1')), 'appliers are never folded');
});
