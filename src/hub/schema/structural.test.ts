import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkStructuralSchema } from './structural.js';

const P = 'spec.versions[0].schema.openAPIV3Schema';

function fields(schema: unknown): string[] {
  return checkStructuralSchema(schema, P).map((c) => `${c.field}: ${c.message}`);
}

test('a typical structural schema passes', () => {
  const schema = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', maxLength: 20 } } },
      spec: {
        type: 'object',
        required: ['image'],
        properties: {
          image: { type: 'string' },
          replicas: { type: 'integer', default: 1, minimum: 0 },
          port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
          config: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
          labels: {
            type: 'object',
            additionalProperties: { type: 'string' },
            'x-kubernetes-map-type': 'atomic',
          },
          ports: {
            type: 'array',
            'x-kubernetes-list-type': 'map',
            'x-kubernetes-list-map-keys': ['name'],
            items: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
          },
          anything: { 'x-kubernetes-preserve-unknown-fields': true },
          mode: { type: 'string', oneOf: [{ enum: ['a'] }, { enum: ['b'] }] },
        },
      },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
  };
  assert.deepEqual(fields(schema), []);
});

test('missing types are reported with the path of the field', () => {
  const schema = {
    type: 'object',
    properties: { spec: { properties: { a: { type: 'string' } } }, list: { type: 'array', items: {} } },
  };
  assert.deepEqual(fields(schema), [
    `${P}.properties[spec].type: Required value: must not be empty for specified object fields`,
    `${P}.properties[list].items.type: Required value: must not be empty for specified array items`,
  ]);
  assert.deepEqual(fields({ properties: {} }), [`${P}.type: Required value: must not be empty at the root`]);
});

test('$ref, properties with additionalProperties, and additionalProperties false are forbidden', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { $ref: '#/definitions/x', type: 'object' },
      b: { type: 'object', properties: { c: { type: 'string' } }, additionalProperties: { type: 'string' } },
      d: { type: 'object', additionalProperties: false },
    },
  };
  assert.deepEqual(fields(schema), [
    `${P}.properties[a].$ref: Forbidden: $ref is not supported`,
    `${P}.properties[b].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    `${P}.properties[d].additionalProperties: Forbidden: additionalProperties cannot be set to false`,
  ]);
});

test('metadata may only restrict name and generateName', () => {
  const schema = {
    type: 'object',
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string' }, labels: { type: 'object' } } },
    },
  };
  assert.deepEqual(fields(schema), [
    `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
  ]);
});

test('int-or-string, embedded resources and preserve-unknown-fields have their own rules', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'string', 'x-kubernetes-int-or-string': true },
      b: { type: 'string', 'x-kubernetes-embedded-resource': true },
      c: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false },
    },
  };
  assert.deepEqual(
    checkStructuralSchema(schema, P).map((c) => c.field),
    [
      `${P}.properties[a].type`,
      `${P}.properties[b].type`,
      `${P}.properties[b].properties`,
      `${P}.properties[c].x-kubernetes-preserve-unknown-fields`,
    ],
  );
});

test('value validations may not declare types or defaults', () => {
  const schema = {
    type: 'object',
    properties: { a: { type: 'string', anyOf: [{ type: 'string', pattern: '^a' }, { default: 'x' }] } },
  };
  assert.deepEqual(fields(schema), [
    `${P}.properties[a].anyOf[0].type: Forbidden: must be empty to be structural`,
    `${P}.properties[a].anyOf[1].default: Forbidden: must be empty to be structural`,
  ]);
});

test('list types: map needs keys that are required scalars; keys only with map', () => {
  const schema = {
    type: 'object',
    properties: {
      a: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'object' } },
      b: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: { type: 'object', properties: { name: { type: 'string' } } },
      },
      c: { type: 'array', 'x-kubernetes-list-map-keys': ['x'], items: { type: 'string' } },
      d: { type: 'array', 'x-kubernetes-list-type': 'bag', items: { type: 'string' } },
    },
  };
  assert.deepEqual(
    checkStructuralSchema(schema, P).map((c) => c.field),
    [
      `${P}.properties[a].x-kubernetes-list-map-keys`,
      `${P}.properties[b].items.properties[name]`,
      `${P}.properties[c].x-kubernetes-list-map-keys`,
      `${P}.properties[d].x-kubernetes-list-type`,
    ],
  );
});

test('defaults must be valid for their field and are not allowed at the root or in metadata', () => {
  const schema = {
    type: 'object',
    default: {},
    properties: {
      metadata: { type: 'object', properties: { name: { type: 'string', default: 'x' } } },
      replicas: { type: 'integer', default: 'one' },
      spec: { type: 'object', default: { unknown: 1 }, properties: { a: { type: 'string' } } },
    },
  };
  assert.deepEqual(
    checkStructuralSchema(schema, P).map((c) => `${c.field}: ${c.reason}`),
    [
      `${P}.default: FieldValueForbidden`,
      `${P}.properties[metadata].properties[name].default: FieldValueForbidden`,
      `${P}.properties[replicas].default: FieldValueInvalid`,
      `${P}.properties[spec].default: FieldValueInvalid`,
    ],
  );
});
