import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  fieldElement,
  fieldPath,
  formatPath,
  keyElement,
  parseElementToken,
  valueElement,
} from './field-path.js';
import { FieldSet } from './field-set.js';

const containerC = keyElement([['name', 'c']]);

test('FieldsV1 round-trip: f:, k:, v: and "."', () => {
  const fieldsV1 = {
    'f:metadata': { 'f:finalizers': { '.': {}, 'v:"example.com/x"': {} }, 'f:labels': { 'f:app': {} } },
    'f:spec': {
      'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } },
      'f:replicas': {},
    },
  };
  const set = FieldSet.fromFieldsV1(fieldsV1);
  assert.ok(set.has(fieldPath('metadata', 'labels', 'app')));
  assert.ok(set.has([...fieldPath('spec', 'containers'), containerC]));
  assert.ok(set.has([...fieldPath('spec', 'containers'), containerC, fieldElement('image')]));
  assert.ok(set.has([...fieldPath('metadata', 'finalizers'), valueElement('example.com/x')]));
  assert.ok(set.has(fieldPath('metadata', 'finalizers')));
  assert.ok(!set.has(fieldPath('spec')), 'a path with children only is not a member');
  assert.deepEqual(set.toFieldsV1(), fieldsV1);
  assert.equal(
    JSON.stringify(FieldSet.fromFieldsV1(set.toFieldsV1()).toFieldsV1()),
    JSON.stringify(fieldsV1),
  );
});

test('FieldsV1 output puts "." first and orders fields before keys', () => {
  const set = FieldSet.of(
    [
      ...fieldPath('spec', 'ports'),
      keyElement([
        ['protocol', 'TCP'],
        ['port', 80],
      ]),
      fieldElement('port'),
    ],
    [
      ...fieldPath('spec', 'ports'),
      keyElement([
        ['port', 80],
        ['protocol', 'TCP'],
      ]),
    ],
    fieldPath('spec', 'ports'),
  );
  assert.equal(
    JSON.stringify(set.toFieldsV1()),
    '{"f:spec":{"f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},"f:port":{}}}}}',
  );
});

test('key elements are canonical whatever order their fields were written in', () => {
  const a = parseElementToken('k:{"protocol":"TCP","containerPort":80}');
  const b = keyElement([
    ['containerPort', 80],
    ['protocol', 'TCP'],
  ]);
  assert.ok(FieldSet.of([a]).has([b]));
  assert.equal(formatPath([fieldElement('ports'), b]), '.ports[containerPort=80,protocol="TCP"]');
  assert.equal(formatPath([fieldElement('finalizers'), valueElement('x')]), '.finalizers[="x"]');
});

test('union, intersection and difference work member by member', () => {
  const a = FieldSet.of(
    fieldPath('spec', 'replicas'),
    fieldPath('spec', 'paused'),
    fieldPath('metadata', 'labels', 'x'),
  );
  const b = FieldSet.of(fieldPath('spec', 'replicas'), fieldPath('spec', 'template', 'x'));
  assert.deepEqual(a.union(b).paths().map(formatPath), [
    '.metadata.labels.x',
    '.spec.paused',
    '.spec.replicas',
    '.spec.template.x',
  ]);
  assert.deepEqual(a.intersection(b).paths().map(formatPath), ['.spec.replicas']);
  assert.deepEqual(a.difference(b).paths().map(formatPath), ['.metadata.labels.x', '.spec.paused']);
  assert.ok(a.difference(a).isEmpty());
  assert.ok(a.union(b).equals(b.union(a)));
  // Removing ".spec" as a member does not remove what lies below it.
  assert.ok(a.difference(FieldSet.of(fieldPath('spec'))).has(fieldPath('spec', 'replicas')));
});

test('withoutPrefixes removes a path and everything below it', () => {
  const set = FieldSet.of(
    fieldPath('status', 'replicas'),
    fieldPath('status'),
    fieldPath('spec', 'replicas'),
  );
  assert.deepEqual(
    set
      .withoutPrefixes([fieldPath('status')])
      .paths()
      .map(formatPath),
    ['.spec.replicas'],
  );
});

test('paths list the members of a level before its subtrees', () => {
  const set = FieldSet.of(
    fieldPath('spec', 'template', 'x'),
    fieldPath('spec', 'replicas'),
    fieldPath('spec', 'a'),
  );
  assert.deepEqual(set.paths().map(formatPath), ['.spec.a', '.spec.replicas', '.spec.template.x']);
});

test('invalid FieldsV1 is rejected', () => {
  assert.throws(() => FieldSet.fromFieldsV1({ 'x:foo': {} }), /unknown path element/);
  assert.throws(() => FieldSet.fromFieldsV1({ 'f:foo': 1 }), /must be an object/);
  assert.throws(() => FieldSet.fromFieldsV1({ 'k:[1]': {} }), /invalid key/);
});
