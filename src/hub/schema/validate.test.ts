import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refTo } from './definition-names.js';
import { strictDecodingMessage } from './schema-causes.js';
import { SchemaRegistry } from './schema-registry.js';
import type { Schema } from './types.js';
import { applyDefaults, pruneUnknownFields, validateObject } from './validate.js';

const registry = new SchemaRegistry();
const DEPLOYMENT = refTo('io.k8s.api.apps.v1.Deployment');
const POD = refTo('io.k8s.api.core.v1.Pod');

function deployment(): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'web' } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx',
              ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }],
              resources: { limits: { cpu: '500m', memory: '128Mi' }, requests: { cpu: 0.25 } },
            },
          ],
        },
      },
    },
  };
}

test('a valid deployment passes with no unknown fields', () => {
  assert.deepEqual(validateObject(deployment(), DEPLOYMENT, registry), { causes: [], unknownFields: [] });
});

test('unknown fields are reported with their path, nested ones too', () => {
  const d = deployment() as {
    spec: Record<string, unknown> & { template: { spec: { containers: object[] } } };
  };
  d.spec.replicass = 3;
  Object.assign(d.spec.template.spec.containers[0]!, { imagee: 'x' });
  const { causes, unknownFields } = validateObject(d, DEPLOYMENT, registry);
  assert.deepEqual(causes, []);
  // Reported in document order: replicass was added after template.
  assert.deepEqual(unknownFields, ['.spec.template.spec.containers[0].imagee', '.spec.replicass']);
  assert.equal(
    strictDecodingMessage(unknownFields),
    'strict decoding error: unknown field "spec.template.spec.containers[0].imagee", unknown field "spec.replicass"',
  );
});

test('metadata, apiVersion and kind are always known; unknown metadata fields are not', () => {
  const obj = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'a', colour: 'red' },
    data: { k: 'v' },
  };
  const { unknownFields } = validateObject(obj, refTo('io.k8s.api.core.v1.ConfigMap'), registry);
  assert.deepEqual(unknownFields, ['.metadata.colour']);
});

test('wrong types give invalid-value causes in the kubectl format', () => {
  const d = deployment() as { spec: Record<string, unknown> };
  d.spec.replicas = 'three';
  d.spec.paused = 'yes';
  const { causes } = validateObject(d, DEPLOYMENT, registry);
  assert.deepEqual(causes, [
    {
      reason: 'FieldValueInvalid',
      field: 'spec.replicas',
      message: 'Invalid value: "string": spec.replicas in body must be of type integer: "string"',
    },
    {
      reason: 'FieldValueInvalid',
      field: 'spec.paused',
      message: 'Invalid value: "string": spec.paused in body must be of type boolean: "string"',
    },
  ]);
});

test('int-or-string accepts integers and strings only', () => {
  const d = deployment() as { spec: { strategy: { rollingUpdate: Record<string, unknown> } } };
  d.spec.strategy.rollingUpdate.maxSurge = 1.5;
  d.spec.strategy.rollingUpdate.maxUnavailable = true;
  const fields = validateObject(d, DEPLOYMENT, registry).causes.map((c) => c.field);
  assert.deepEqual(fields, [
    'spec.strategy.rollingUpdate.maxSurge',
    'spec.strategy.rollingUpdate.maxUnavailable',
  ]);
});

test('required fields are reported, nested in list items too', () => {
  const pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p' },
    spec: { containers: [{ image: 'nginx' }] },
  };
  assert.deepEqual(validateObject(pod, POD, registry).causes, [
    { reason: 'FieldValueRequired', field: 'spec.containers[0].name', message: 'Required value' },
  ]);
  assert.deepEqual(validateObject(pod, POD, registry, { required: false }).causes, []);
  const noSpec = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'x' }, spec: {} };
  assert.deepEqual(
    validateObject(noSpec, DEPLOYMENT, registry).causes.map((c) => c.field),
    ['spec.selector', 'spec.template'],
  );
});

test('quantities accept numbers and unit strings and reject junk', () => {
  const d = deployment() as {
    spec: { template: { spec: { containers: { resources: { limits: object } }[] } } };
  };
  d.spec.template.spec.containers[0]!.resources.limits = { cpu: 'lots', memory: '1.5Gi', gpu: 2 };
  const { causes } = validateObject(d, DEPLOYMENT, registry);
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, 'spec.template.spec.containers[0].resources.limits[cpu]');
  assert.match(causes[0]!.message!, /^Invalid value: "lots": quantities must match/);
});

test('duplicate list-map keys are rejected, and the check can be turned off', () => {
  const d = deployment() as { spec: { template: { spec: { containers: object[] } } } };
  d.spec.template.spec.containers.push({ name: 'web', image: 'busybox' });
  const { causes } = validateObject(d, DEPLOYMENT, registry);
  assert.deepEqual(causes, [
    {
      reason: 'FieldValueDuplicate',
      field: 'spec.template.spec.containers[1]',
      message: 'Duplicate value: {"name":"web"}',
    },
  ]);
  assert.deepEqual(validateObject(d, DEPLOYMENT, registry, { uniqueListMapKeys: false }).causes, []);
});

test('date-time and byte formats are checked loosely', () => {
  const secret = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', creationTimestamp: 'yesterday' },
    data: { good: 'aGVsbG8=', bad: 'not base64!' },
  };
  const fields = validateObject(secret, refTo('io.k8s.api.core.v1.Secret'), registry).causes.map(
    (c) => c.field,
  );
  assert.deepEqual(fields, ['metadata.creationTimestamp', 'data[bad]']);
});

/** A CRD-style schema exercising the constraints built-ins never use. */
const widget: Schema = {
  type: 'object',
  properties: {
    metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 5 } } },
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'string', enum: ['small', 'large'] },
        replicas: { type: 'integer', minimum: 1, maximum: 10, default: 1 },
        name: { type: 'string', pattern: '^[a-z]+$', minLength: 2 },
        tags: { type: 'array', maxItems: 2, items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        note: { type: 'string', nullable: true },
        settings: { type: 'object', default: {}, properties: { mode: { type: 'string', default: 'fast' } } },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        template: {
          type: 'object',
          'x-kubernetes-embedded-resource': true,
          properties: { spec: { type: 'object', properties: { x: { type: 'string' } } } },
        },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        choice: {
          type: 'object',
          properties: { a: { type: 'string' }, b: { type: 'string' } },
          oneOf: [{ required: ['a'] }, { required: ['b'] }],
        },
      },
    },
  },
};

test('CRD constraints: enum, bounds, pattern, length, items, oneOf, embedded resources', () => {
  const obj = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'toolong' },
    spec: {
      size: 'medium',
      replicas: 11,
      name: 'A',
      tags: ['a', 'b', 'a'],
      note: null,
      extra: { anything: { goes: true } },
      template: { metadata: { name: 'inner' }, spec: { x: 'y', z: 1 } },
      port: 'http',
      choice: { a: 'x', b: 'y' },
    },
  };
  const { causes, unknownFields } = validateObject(obj, widget, registry);
  assert.deepEqual(
    causes.map((c) => [c.field, c.reason]),
    [
      ['metadata.name', 'FieldValueTooLong'],
      ['spec.size', 'FieldValueNotSupported'],
      ['spec.replicas', 'FieldValueInvalid'],
      ['spec.name', 'FieldValueInvalid'],
      ['spec.name', 'FieldValueInvalid'],
      ['spec.tags', 'FieldValueTooMany'],
      ['spec.tags[2]', 'FieldValueDuplicate'],
      ['spec.template.apiVersion', 'FieldValueRequired'],
      ['spec.template.kind', 'FieldValueRequired'],
      ['spec.choice', 'FieldValueInvalid'],
    ],
  );
  assert.equal(causes[1]!.message, 'Unsupported value: "medium": supported values: "small", "large"');
  assert.equal(
    causes[2]!.message,
    'Invalid value: 11: spec.replicas in body should be less than or equal to 10',
  );
  assert.deepEqual(unknownFields, ['.spec.template.spec.z']);
});

test('pruning drops unknown fields but keeps metadata, preserved subtrees and embedded resource headers', () => {
  const obj = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', labels: { a: 'b' }, bogus: 1 },
    spec: {
      size: 'small',
      typo: true,
      extra: { anything: 1 },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', junk: 2 }, spec: { x: 'y', z: 1 } },
    },
    status: { phase: 'x' },
  };
  const pruned = pruneUnknownFields(obj, widget, registry);
  assert.deepEqual(pruned, [
    'metadata.bogus',
    'spec.typo',
    'spec.template.metadata.junk',
    'spec.template.spec.z',
    'status',
  ]);
  assert.deepEqual(obj, {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w', labels: { a: 'b' } },
    spec: {
      size: 'small',
      extra: { anything: 1 },
      template: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { x: 'y' } },
    },
  });
});

test('defaults fill absent fields, recurse into defaulted objects, and replace non-nullable nulls', () => {
  const obj: Record<string, unknown> = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: { name: 'w' },
    spec: { size: 'small', replicas: null, note: null, name: null },
  };
  applyDefaults(obj, widget, registry);
  assert.deepEqual(obj.spec, { size: 'small', replicas: 1, note: null, settings: { mode: 'fast' } });
  // Defaults are copies: changing one object must not change the schema.
  (obj.spec as { settings: { mode: string } }).settings.mode = 'slow';
  const again: Record<string, unknown> = { spec: { size: 'large' } };
  applyDefaults(again, widget, registry);
  assert.deepEqual(again.spec, { size: 'large', replicas: 1, settings: { mode: 'fast' } });
});
