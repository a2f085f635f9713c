import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Schema } from '../schema/types.js';
import { type SwaggerDocument, swaggerDocument, swaggerFromV3, toSwaggerSchema } from './swagger.js';
import { kubectlModelProblems, registries, WIDGET_SCHEMA } from './test-fixtures.js';

const INFO = { title: 'Minato', version: 'test' };

function hubDocument(): SwaggerDocument {
  const { registry, schemas } = registries();
  return swaggerDocument(registry, schemas, INFO);
}

describe('Swagger 2.0 document', () => {
  const doc = hubDocument();

  it('is a Swagger 2.0 document with info, paths, definitions and bearer-token security', () => {
    assert.equal(doc.swagger, '2.0');
    assert.deepEqual(doc.info, INFO);
    assert.ok(Object.keys(doc.paths).length > 50);
    assert.ok(Object.keys(doc.definitions).length > 200);
    assert.deepEqual(doc.security, [{ BearerToken: [] }]);
    assert.equal(doc.securityDefinitions.BearerToken?.in, 'header');
  });

  it('points every $ref at #/definitions/, never at components', () => {
    const json = JSON.stringify(doc);
    assert.ok(!json.includes('#/components/schemas/'));
    assert.ok(json.includes('"$ref":"#/definitions/io.k8s.api.apps.v1.Deployment"'));
  });

  it('builds definitions kubectl 1.27/1.28 can turn into models', () => {
    assert.deepEqual(kubectlModelProblems(doc), []);
  });

  it('marks top-level kinds with x-kubernetes-group-version-kind (how kubectl finds a kind)', () => {
    assert.deepEqual(doc.definitions['io.k8s.api.apps.v1.Deployment']?.['x-kubernetes-group-version-kind'], [
      { group: 'apps', kind: 'Deployment', version: 'v1' },
    ]);
    assert.deepEqual(doc.definitions[WIDGET_SCHEMA]?.['x-kubernetes-group-version-kind'], [
      { group: 'example.com', version: 'v1', kind: 'Widget' },
    ]);
  });

  it('keeps strategic merge patch extensions on list fields', () => {
    const containers = doc.definitions['io.k8s.api.core.v1.PodSpec']?.properties?.containers;
    assert.equal(containers?.type, 'array');
    assert.deepEqual(containers?.items, { $ref: '#/definitions/io.k8s.api.core.v1.Container' });
    assert.equal(containers?.['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers?.['x-kubernetes-patch-strategy'], 'merge');
  });

  it('has get/put/patch/delete on the item and get/post on the collection, tagged with kind and action', () => {
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!;
    const collection = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments']!;
    const gvk = { group: 'apps', version: 'v1', kind: 'Deployment' };
    const ops = { get: item.get, put: item.put, patch: item.patch, delete: item.delete };
    for (const [method, op] of Object.entries(ops)) {
      assert.ok(op, method);
      assert.deepEqual(op['x-kubernetes-group-version-kind'], gvk, method);
    }
    assert.equal(item.patch?.['x-kubernetes-action'], 'patch');
    assert.equal(collection.get?.['x-kubernetes-action'], 'list');
    assert.equal(collection.post?.['x-kubernetes-action'], 'post');
    assert.deepEqual(
      item.parameters?.map((p) => [p.name, p.in]),
      [
        ['name', 'path'],
        ['namespace', 'path'],
        ['pretty', 'query'],
      ],
    );
  });

  it('gives write operations a body parameter and the fieldValidation query parameter', () => {
    const item = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']!;
    for (const op of [
      item.put!,
      item.patch!,
      doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments']!.post!,
    ]) {
      const body = op.parameters?.find((p) => p.in === 'body');
      assert.equal(body?.name, 'body');
      assert.equal(body?.required, true);
      const fieldValidation = op.parameters?.find((p) => p.name === 'fieldValidation');
      assert.deepEqual(
        fieldValidation && {
          in: fieldValidation.in,
          type: 'type' in fieldValidation && fieldValidation.type,
        },
        { in: 'query', type: 'string' },
      );
    }
    assert.ok(item.patch?.consumes?.includes('application/strategic-merge-patch+json'));
    assert.deepEqual(item.get?.responses['200']?.schema, {
      $ref: '#/definitions/io.k8s.api.apps.v1.Deployment',
    });
    assert.ok(item.get?.produces?.includes('application/json'));
  });

  it('serves custom resources: paths, status subresource, no strategic merge patch', () => {
    const item = doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']!;
    assert.ok(item.patch?.parameters?.some((p) => p.name === 'fieldValidation'));
    assert.ok(!item.patch?.consumes?.includes('application/strategic-merge-patch+json'));
    assert.ok(doc.paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}/status']?.put);
    assert.ok(doc.definitions['com.example.v1.WidgetList']);
  });

  it('converts the custom schema: nullable untyped, anyOf dropped, arrays always with items', () => {
    const spec = doc.definitions[WIDGET_SCHEMA]?.properties?.spec;
    assert.deepEqual(spec?.properties?.note, { 'x-nullable': true });
    assert.deepEqual(spec?.properties?.port, { 'x-kubernetes-int-or-string': true });
    assert.deepEqual(spec?.properties?.anything, { type: 'array', items: {} });
    assert.deepEqual(spec?.properties?.size, {
      type: 'integer',
      description: 'How big.',
      maximum: 10,
      minimum: 1,
    });
    assert.deepEqual(spec?.properties?.color, { type: 'string', default: 'red', enum: ['red', 'no'] });
    assert.deepEqual(spec?.required, ['size']);
  });
});

describe('toSwaggerSchema', () => {
  it('turns a one-element allOf around a $ref into a $ref with the description beside it', () => {
    const s: Schema = { allOf: [{ $ref: '#/components/schemas/a.B' }], description: 'the b' };
    assert.deepEqual(toSwaggerSchema(s), { $ref: '#/definitions/a.B', description: 'the b' });
  });

  it('never puts a type or properties beside a $ref', () => {
    const s: Schema = {
      $ref: '#/components/schemas/a.B',
      type: 'object',
      properties: { x: { type: 'string' } },
    };
    assert.deepEqual(toSwaggerSchema(s), { $ref: '#/definitions/a.B' });
  });

  it('keeps additionalProperties as a schema or a boolean', () => {
    assert.deepEqual(toSwaggerSchema({ type: 'object', additionalProperties: { type: 'string' } }), {
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    assert.deepEqual(toSwaggerSchema({ type: 'object', additionalProperties: false }), {
      type: 'object',
      additionalProperties: false,
    });
  });

  it('keeps a title and multipleOf a CRD schema may carry', () => {
    const s = { type: 'number', title: 'T', multipleOf: 0.5 } as Schema;
    assert.deepEqual(toSwaggerSchema(s), { type: 'number', title: 'T', multipleOf: 0.5 });
  });
});

describe('swaggerFromV3', () => {
  it('drops a $ref to a definition the document does not have instead of failing kubectl', () => {
    const doc = swaggerFromV3(
      [
        {
          openapi: '3.0.0',
          info: { title: 't', version: 'v1' },
          paths: {},
          components: {
            schemas: {
              'a.A': {
                type: 'object',
                properties: { b: { $ref: '#/components/schemas/a.Missing', description: 'b' } },
              },
            },
            securitySchemes: {},
          },
          security: [],
        },
      ],
      INFO,
    );
    assert.deepEqual(doc.definitions['a.A']?.properties?.b, { description: 'b' });
    assert.deepEqual(kubectlModelProblems(doc), []);
  });
});
