import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ResourceType, Verb } from '../registry/resource-type.js';
import { refName } from './definition-names.js';
import {
  type OpenApiV3Document,
  type Operation,
  openApiV3Document,
  openApiV3Hash,
  openApiV3Root,
} from './openapi.js';
import { forEachRef, SchemaRegistry } from './schema-registry.js';
import type { Schema } from './types.js';

const ALL_VERBS: Verb[] = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

function resource(
  group: string,
  kind: string,
  plural: string,
  schemaName: string,
  extra: Partial<ResourceType> = {},
): ResourceType {
  return {
    group,
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: true,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: {},
    schemaName,
    builtin: true,
    ...extra,
  };
}

const registry = new SchemaRegistry();
registry.addDefinitions({
  'com.example.v1.Widget': {
    type: 'object',
    properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } },
  },
});

const RESOURCES: ResourceType[] = [
  resource('', 'Pod', 'pods', 'io.k8s.api.core.v1.Pod', { subresources: { status: true } }),
  resource('', 'ConfigMap', 'configmaps', 'io.k8s.api.core.v1.ConfigMap'),
  resource('', 'Namespace', 'namespaces', 'io.k8s.api.core.v1.Namespace', { namespaced: false }),
  resource('policy', 'Eviction', 'pods/eviction', 'io.k8s.api.policy.v1.Eviction', { verbs: ['create'] }),
  resource('apps', 'Deployment', 'deployments', 'io.k8s.api.apps.v1.Deployment', {
    subresources: {
      status: true,
      scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
    },
  }),
  resource(
    'authentication.k8s.io',
    'TokenReview',
    'tokenreviews',
    'io.k8s.api.authentication.v1.TokenReview',
    {
      namespaced: false,
      verbs: ['create'],
    },
  ),
  resource('example.com', 'Widget', 'widgets', 'com.example.v1.Widget', {
    builtin: false,
    subresources: {
      status: true,
      scale: { specReplicasPath: '.spec.size', statusReplicasPath: '.status.size' },
    },
  }),
];

function doc(gv: string): OpenApiV3Document {
  return openApiV3Document(gv, RESOURCES, registry);
}

function operations(d: OpenApiV3Document): [string, string, Operation][] {
  const out: [string, string, Operation][] = [];
  for (const [path, item] of Object.entries(d.paths)) {
    for (const method of ['get', 'post', 'put', 'patch', 'delete'] as const) {
      const op = item[method];
      if (op) out.push([path, method, op]);
    }
  }
  return out;
}

/** What kubectl's query-parameter check does: a PATCH for the GVK that takes fieldValidation. */
function kubectlSeesFieldValidation(d: OpenApiV3Document, group: string, kind: string): boolean {
  for (const item of Object.values(d.paths)) {
    const op = item.patch;
    const gvk = op?.['x-kubernetes-group-version-kind'];
    if (!op || gvk?.group !== group || gvk.kind !== kind) continue;
    return (op.parameters ?? []).some((p) => p.name === 'fieldValidation' && p.in === 'query');
  }
  return false;
}

test('the root lists one serverRelativeURL per group version', () => {
  assert.deepEqual(openApiV3Root(['apps/v1', 'v1'], { v1: 'AB', 'apps/v1': 'CD' }), {
    paths: {
      'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=AB' },
      'apis/apps/v1': { serverRelativeURL: '/openapi/v3/apis/apps/v1?hash=CD' },
    },
  });
  assert.equal(openApiV3Root(['v1'], 'H').paths['api/v1']!.serverRelativeURL, '/openapi/v3/api/v1?hash=H');
});

test('paths cover collection, item, all-namespaces, status, scale and create-only subresources', () => {
  const core = doc('v1');
  assert.deepEqual(
    Object.keys(core.paths).sort(),
    [
      '/api/v1/configmaps',
      '/api/v1/namespaces',
      '/api/v1/namespaces/{name}',
      '/api/v1/namespaces/{namespace}/configmaps',
      '/api/v1/namespaces/{namespace}/configmaps/{name}',
      '/api/v1/namespaces/{namespace}/pods',
      '/api/v1/namespaces/{namespace}/pods/{name}',
      '/api/v1/namespaces/{namespace}/pods/{name}/status',
      '/api/v1/pods',
    ].sort(),
  );
  const pods = core.paths['/api/v1/namespaces/{namespace}/pods']!;
  assert.equal(pods.get!.operationId, 'listCoreV1NamespacedPod');
  assert.equal(pods.delete!['x-kubernetes-action'], 'deletecollection');
  assert.equal(pods.delete!.operationId, 'deleteCoreV1CollectionNamespacedPod');
  assert.equal(core.paths['/api/v1/pods']!.get!.operationId, 'listCoreV1PodForAllNamespaces');
  assert.equal(
    core.paths['/api/v1/namespaces/{namespace}/pods/{name}/status']!.patch!.operationId,
    'patchCoreV1NamespacedPodStatus',
  );

  const apps = doc('apps/v1');
  const scale = apps.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']!;
  assert.deepEqual(scale.put!['x-kubernetes-group-version-kind'], {
    group: 'autoscaling',
    version: 'v1',
    kind: 'Scale',
  });
  assert.ok(apps.components.schemas['io.k8s.api.autoscaling.v1.Scale']);

  const policy = doc('policy/v1');
  const eviction = policy.paths['/apis/policy/v1/namespaces/{namespace}/pods/{name}/eviction']!;
  assert.equal(eviction.post!['x-kubernetes-action'], 'post');
  assert.equal(eviction.get, undefined);
  const auth = doc('authentication.k8s.io/v1');
  assert.deepEqual(Object.keys(auth.paths), ['/apis/authentication.k8s.io/v1/tokenreviews']);
  assert.equal(
    auth.paths['/apis/authentication.k8s.io/v1/tokenreviews']!.post!.operationId,
    'createAuthenticationV1TokenReview',
  );
});

test('every operation carries a GVK and an action; every write takes fieldValidation', () => {
  for (const gv of ['v1', 'apps/v1', 'policy/v1', 'authentication.k8s.io/v1', 'example.com/v1']) {
    for (const [path, method, op] of operations(doc(gv))) {
      assert.ok(op['x-kubernetes-group-version-kind'].kind, `${method} ${path}`);
      assert.ok(op['x-kubernetes-action'], `${method} ${path}`);
      if (method === 'post' || method === 'put' || method === 'patch') {
        assert.ok(
          op.parameters?.some((p) => p.name === 'fieldValidation' && p.in === 'query'),
          `${method} ${path}`,
        );
      }
    }
  }
  for (const [gv, group, kind] of [
    ['v1', '', 'Pod'],
    ['v1', '', 'ConfigMap'],
    ['v1', '', 'Namespace'],
    ['apps/v1', 'apps', 'Deployment'],
    ['example.com/v1', 'example.com', 'Widget'],
  ] as const) {
    assert.ok(kubectlSeesFieldValidation(doc(gv), group, kind), kind);
  }
});

test('patch bodies list the patch content types; custom resources take no strategic merge', () => {
  const podPatch = doc('v1').paths['/api/v1/namespaces/{namespace}/pods/{name}']!.patch!;
  assert.deepEqual(Object.keys(podPatch.requestBody!.content), [
    'application/json-patch+json',
    'application/merge-patch+json',
    'application/strategic-merge-patch+json',
    'application/apply-patch+yaml',
  ]);
  const widgetPatch =
    doc('example.com/v1').paths['/apis/example.com/v1/namespaces/{namespace}/widgets/{name}']!.patch!;
  assert.ok(!('application/strategic-merge-patch+json' in widgetPatch.requestBody!.content));
});

test('every $ref in a document resolves inside it, and top-level kinds carry their GVK', () => {
  for (const gv of ['v1', 'apps/v1', 'policy/v1', 'authentication.k8s.io/v1', 'example.com/v1']) {
    const d = doc(gv);
    const check = (schema: Schema, where: string): void =>
      forEachRef(schema, (ref) =>
        assert.ok(d.components.schemas[refName(ref) ?? ''], `${gv}: ${where} -> ${ref}`),
      );
    for (const [name, schema] of Object.entries(d.components.schemas)) check(schema, name);
    for (const [path, method, op] of operations(d)) {
      for (const body of Object.values(op.requestBody?.content ?? {}))
        check(body.schema, `${method} ${path}`);
      for (const response of Object.values(op.responses)) {
        for (const c of Object.values(response.content ?? {})) check(c.schema, `${method} ${path}`);
      }
    }
  }
  const apps = doc('apps/v1').components.schemas;
  assert.deepEqual(apps['io.k8s.api.apps.v1.Deployment']!['x-kubernetes-group-version-kind'], [
    { group: 'apps', version: 'v1', kind: 'Deployment' },
  ]);
  assert.deepEqual(apps['io.k8s.api.apps.v1.DeploymentList']!['x-kubernetes-group-version-kind'], [
    { group: 'apps', version: 'v1', kind: 'DeploymentList' },
  ]);
  assert.ok(!apps['io.k8s.api.rbac.v1.Role'], 'only reachable definitions are included');
});

test('kubectl explain can walk deployment.spec.template.spec.containers through components', () => {
  const schemas = doc('apps/v1').components.schemas;
  const deploymentName = Object.keys(schemas).find((n) =>
    schemas[n]!['x-kubernetes-group-version-kind']?.some(
      (g) => g.group === 'apps' && g.kind === 'Deployment',
    ),
  )!;
  let s: Schema = schemas[deploymentName]!;
  const follow = (x: Schema): Schema =>
    x.$ref ? follow(schemas[refName(x.$ref)!]!) : x.allOf?.[0] ? follow(x.allOf[0]) : x;
  for (const field of ['spec', 'template', 'spec', 'containers']) s = follow(s.properties![field]!);
  assert.equal(s.type, 'array');
  assert.deepEqual(follow(s.items!).required, ['name']);
});

test('custom resources are served with apiVersion, kind, metadata, a GVK and a list kind', () => {
  const schemas = doc('example.com/v1').components.schemas;
  const widget = schemas['com.example.v1.Widget']!;
  assert.deepEqual(Object.keys(widget.properties!).sort(), ['apiVersion', 'kind', 'metadata', 'spec']);
  assert.deepEqual(widget['x-kubernetes-group-version-kind'], [
    { group: 'example.com', version: 'v1', kind: 'Widget' },
  ]);
  assert.ok(schemas['com.example.v1.WidgetList']);
  assert.ok(schemas['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
  // The registry's copy is untouched.
  assert.equal(registry.definition('com.example.v1.Widget')!.properties!.metadata, undefined);
});

test('the hash is stable for equal documents and changes with content', () => {
  assert.equal(openApiV3Hash(doc('v1')), openApiV3Hash(doc('v1')));
  assert.notEqual(openApiV3Hash(doc('v1')), openApiV3Hash(doc('apps/v1')));
  assert.match(openApiV3Hash(doc('v1')), /^[0-9A-F]{128}$/);
});
