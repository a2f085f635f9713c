import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import { fieldPath, formatPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import { deploymentSchema, resolver } from './test-schemas.js';
import { compareValues, ensureNamedFieldsAreMembers, fieldSetOf } from './typed-fields.js';

const config: JsonObject = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', labels: { app: 'web' }, finalizers: ['example.com/x'] },
  spec: {
    selector: { matchLabels: { app: 'web' } },
    template: {
      spec: {
        containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }], command: ['a'] }],
        nodeSelector: { disk: 'ssd' },
      },
    },
  },
};

test('fieldSetOf: what an applier owns, in FieldsV1', () => {
  assert.deepEqual(fieldSetOf(config, deploymentSchema, resolver).toFieldsV1(), {
    'f:apiVersion': {},
    'f:kind': {},
    'f:metadata': {
      'f:finalizers': { 'v:"example.com/x"': {} },
      'f:labels': { 'f:app': {} },
      'f:name': {},
    },
    'f:spec': {
      // Atomic struct and atomic list/map: owned as a whole.
      'f:selector': {},
      'f:template': {
        'f:spec': {
          'f:containers': {
            'k:{"name":"c"}': {
              '.': {},
              'f:command': {},
              'f:image': {},
              'f:name': {},
              // The key is completed with the schema default for protocol.
              'f:ports': { 'k:{"containerPort":80,"protocol":"TCP"}': { '.': {}, 'f:containerPort': {} } },
            },
          },
          'f:nodeSelector': {},
        },
      },
    },
  });
});

test('fieldSetOf: unknown fields are owned as maps and atomic lists; null and {} are owned', () => {
  const set = fieldSetOf(
    { spec: { paused: null, extra: { a: [1, 2], b: {} } }, metadata: { labels: {} } },
    deploymentSchema,
    resolver,
  );
  assert.deepEqual(set.paths().map(formatPath), [
    '.metadata.labels',
    '.spec.extra',
    '.spec.paused',
    '.spec.extra.a',
    '.spec.extra.b',
  ]);
});

test('fieldSetOf: duplicate list keys are a 422', () => {
  assert.throws(
    () =>
      fieldSetOf(
        { spec: { template: { spec: { containers: [{ name: 'c' }, { name: 'c' }] } } } },
        deploymentSchema,
        resolver,
      ),
    (err: unknown) =>
      isApiError(err) &&
      err.code === 422 &&
      err.message.endsWith('.spec.template.spec.containers: duplicate entries for key [name="c"]'),
  );
});

test('compareValues: leaves are added/removed/modified, containers only appear or disappear', () => {
  const before: JsonObject = {
    metadata: { labels: { a: '1', b: '2' } },
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } },
  };
  const after: JsonObject = {
    metadata: { labels: { a: '1', b: '3' }, annotations: { n: 'v' } },
    spec: { template: { spec: { containers: [{ name: 'c', image: 'y' }, { name: 'd' }] } } },
  };
  const c = compareValues(before, after, deploymentSchema, resolver);
  assert.deepEqual(c.modified.paths().map(formatPath), [
    '.metadata.labels.b',
    '.spec.template.spec.containers[name="c"].image',
  ]);
  assert.deepEqual(c.added.paths().map(formatPath), [
    '.metadata.annotations',
    '.metadata.annotations.n',
    '.spec.template.spec.containers[name="d"]',
    '.spec.template.spec.containers[name="d"].name',
  ]);
  assert.deepEqual(c.removed.paths().map(formatPath), ['.spec.replicas']);
});

test('compareValues: atomic lists compare as one value', () => {
  const c = compareValues(
    { spec: { template: { spec: { tolerations: [{ key: 'a' }] } } } },
    { spec: { template: { spec: { tolerations: [{ key: 'b' }] } } } },
    deploymentSchema,
    resolver,
  );
  assert.deepEqual(c.modified.paths().map(formatPath), ['.spec.template.spec.tolerations']);
});

test('ensureNamedFieldsAreMembers adds struct fields, not map keys or list items', () => {
  const set = FieldSet.of([...fieldPath('metadata', 'labels', 'app')], fieldPath('spec', 'replicas'));
  const ensured = ensureNamedFieldsAreMembers(set, deploymentSchema, resolver);
  assert.deepEqual(ensured.paths().map(formatPath), [
    '.metadata',
    '.spec',
    '.metadata.labels',
    '.metadata.labels.app',
    '.spec.replicas',
  ]);
});
