import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import builtin from './builtin.generated.json' with { type: 'json' };
import { INT_OR_STRING, QUANTITY, refName, refTo } from './definition-names.js';
import { applyPatchSemantics } from './patch-semantics.js';
import { forEachRef, SchemaRegistry } from './schema-registry.js';
import type { Schema } from './types.js';

const defs = builtin as unknown as Record<string, Schema>;
const registry = new SchemaRegistry();

/** Follows a dotted path of property names (and [] for array items) from a definition. */
function walk(from: string, path: string): Schema {
  let s: Schema = refTo(from);
  for (const step of path.split('.')) {
    const next = step === '[]' ? registry.child(s, 0) : registry.child(s, step);
    assert.ok(next, `no ${step} under ${path}`);
    s = next;
  }
  return s;
}

const KINDS: [string, string, string, string][] = [
  ['io.k8s.api.core.v1.Namespace', '', 'v1', 'Namespace'],
  ['io.k8s.api.core.v1.Node', '', 'v1', 'Node'],
  ['io.k8s.api.core.v1.Pod', '', 'v1', 'Pod'],
  ['io.k8s.api.core.v1.PodList', '', 'v1', 'PodList'],
  ['io.k8s.api.core.v1.Binding', '', 'v1', 'Binding'],
  ['io.k8s.api.core.v1.Service', '', 'v1', 'Service'],
  ['io.k8s.api.core.v1.Endpoints', '', 'v1', 'Endpoints'],
  ['io.k8s.api.core.v1.ConfigMap', '', 'v1', 'ConfigMap'],
  ['io.k8s.api.core.v1.Secret', '', 'v1', 'Secret'],
  ['io.k8s.api.core.v1.Event', '', 'v1', 'Event'],
  ['io.k8s.api.core.v1.ServiceAccount', '', 'v1', 'ServiceAccount'],
  ['io.k8s.api.coordination.v1.Lease', 'coordination.k8s.io', 'v1', 'Lease'],
  ['io.k8s.api.apps.v1.Deployment', 'apps', 'v1', 'Deployment'],
  ['io.k8s.api.apps.v1.ReplicaSet', 'apps', 'v1', 'ReplicaSet'],
  ['io.k8s.api.apps.v1.DaemonSet', 'apps', 'v1', 'DaemonSet'],
  ['io.k8s.api.apps.v1.StatefulSet', 'apps', 'v1', 'StatefulSet'],
  ['io.k8s.api.autoscaling.v1.Scale', 'autoscaling', 'v1', 'Scale'],
  ['io.k8s.api.discovery.v1.EndpointSlice', 'discovery.k8s.io', 'v1', 'EndpointSlice'],
  ['io.k8s.api.policy.v1.PodDisruptionBudget', 'policy', 'v1', 'PodDisruptionBudget'],
  ['io.k8s.api.policy.v1.Eviction', 'policy', 'v1', 'Eviction'],
  ['io.k8s.api.events.v1.Event', 'events.k8s.io', 'v1', 'Event'],
  ['io.k8s.api.rbac.v1.Role', 'rbac.authorization.k8s.io', 'v1', 'Role'],
  ['io.k8s.api.rbac.v1.ClusterRole', 'rbac.authorization.k8s.io', 'v1', 'ClusterRole'],
  ['io.k8s.api.rbac.v1.RoleBinding', 'rbac.authorization.k8s.io', 'v1', 'RoleBinding'],
  ['io.k8s.api.rbac.v1.ClusterRoleBinding', 'rbac.authorization.k8s.io', 'v1', 'ClusterRoleBinding'],
  [
    'io.k8s.api.certificates.v1.CertificateSigningRequest',
    'certificates.k8s.io',
    'v1',
    'CertificateSigningRequest',
  ],
  [
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition',
    'apiextensions.k8s.io',
    'v1',
    'CustomResourceDefinition',
  ],
  ['io.k8s.api.authentication.v1.TokenRequest', 'authentication.k8s.io', 'v1', 'TokenRequest'],
  ['io.k8s.api.authentication.v1.SelfSubjectReview', 'authentication.k8s.io', 'v1', 'SelfSubjectReview'],
  ['io.k8s.api.authentication.v1.TokenReview', 'authentication.k8s.io', 'v1', 'TokenReview'],
  [
    'io.k8s.api.authorization.v1.SelfSubjectAccessReview',
    'authorization.k8s.io',
    'v1',
    'SelfSubjectAccessReview',
  ],
  [
    'io.k8s.api.authorization.v1.SelfSubjectRulesReview',
    'authorization.k8s.io',
    'v1',
    'SelfSubjectRulesReview',
  ],
  ['io.k8s.api.authorization.v1.SubjectAccessReview', 'authorization.k8s.io', 'v1', 'SubjectAccessReview'],
  ['io.k8s.api.node.v1.RuntimeClass', 'node.k8s.io', 'v1', 'RuntimeClass'],
  ['io.k8s.apimachinery.pkg.apis.meta.v1.Status', '', 'v1', 'Status'],
];

test('every top-level kind is generated with its group-version-kind', () => {
  for (const [name, group, version, kind] of KINDS) {
    assert.deepEqual(defs[name]?.['x-kubernetes-group-version-kind'], [{ group, version, kind }], name);
  }
  assert.ok(defs['io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions']);
});

test('every $ref in the built-ins resolves to a built-in definition', () => {
  for (const [name, def] of Object.entries(defs)) {
    forEachRef(def, (ref) => assert.ok(defs[refName(ref) ?? ''], `${name} points at missing ${ref}`));
  }
});

test('deployment containers resolve to Container, with name required and upstream merge keys', () => {
  const containers = walk('io.k8s.api.apps.v1.Deployment', 'spec.template.spec.containers');
  assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
  assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
  const container = registry.child(containers, 0)!;
  assert.equal(container, registry.definition('io.k8s.api.core.v1.Container'));
  assert.deepEqual(container.required, ['name']);
  const ports = container.properties!.ports!;
  assert.equal(ports['x-kubernetes-patch-merge-key'], 'containerPort');
  assert.deepEqual(ports['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
  assert.equal(ports['x-kubernetes-list-type'], 'map');
  assert.equal(container.properties!.envFrom!['x-kubernetes-list-type'], 'atomic');
});

test('patch semantics of metadata, pods, nodes, services and conditions', () => {
  const meta = defs['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']!.properties!;
  assert.equal(meta.finalizers!['x-kubernetes-list-type'], 'set');
  assert.equal(meta.finalizers!['x-kubernetes-patch-strategy'], 'merge');
  assert.equal(meta.ownerReferences!['x-kubernetes-patch-merge-key'], 'uid');
  assert.equal(meta.labels!['x-kubernetes-map-type'], 'granular');
  const pod = defs['io.k8s.api.core.v1.PodSpec']!.properties!;
  assert.equal(pod.volumes!['x-kubernetes-patch-strategy'], 'merge,retainKeys');
  assert.equal(pod.tolerations!['x-kubernetes-list-type'], 'atomic');
  assert.equal(pod.tolerations!['x-kubernetes-patch-merge-key'], undefined);
  assert.equal(pod.hostAliases!['x-kubernetes-patch-merge-key'], 'ip');
  const svc = defs['io.k8s.api.core.v1.ServiceSpec']!.properties!;
  assert.deepEqual(svc.ports!['x-kubernetes-list-map-keys'], ['port', 'protocol']);
  const deployStatus = walk('io.k8s.api.apps.v1.Deployment', 'status.conditions');
  assert.equal(deployStatus['x-kubernetes-patch-merge-key'], 'type');
  const nodeStatus = defs['io.k8s.api.core.v1.NodeStatus']!.properties!;
  assert.equal(nodeStatus.addresses!['x-kubernetes-patch-merge-key'], 'type');
  assert.equal(
    walk('io.k8s.api.discovery.v1.EndpointSlice', 'endpoints')['x-kubernetes-list-type'],
    'atomic',
  );
  assert.equal(
    defs['io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector']!['x-kubernetes-map-type'],
    'atomic',
  );
});

test('the committed JSON already carries the patch-semantics table', () => {
  const copy = structuredClone(defs);
  assert.deepEqual(applyPatchSemantics(copy), []);
  assert.deepEqual(copy, defs);
});

test('quantities, int-or-string, times and raw JSON map to their upstream shapes', () => {
  const limits = walk('io.k8s.api.core.v1.Container', 'resources.limits');
  assert.deepEqual(limits.additionalProperties, refTo(QUANTITY));
  const maxSurge = defs['io.k8s.api.apps.v1.RollingUpdateDeployment']!.properties!.maxSurge!;
  assert.equal(maxSurge.$ref, refTo(INT_OR_STRING).$ref);
  assert.equal(registry.resolve(maxSurge)['x-kubernetes-int-or-string'], true);
  assert.equal(walk('io.k8s.api.core.v1.Pod', 'metadata.creationTimestamp').format, 'date-time');
  assert.deepEqual(walk('io.k8s.api.core.v1.Secret', 'data').additionalProperties, {
    type: 'string',
    format: 'byte',
  });
  const props = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaProps';
  assert.equal(defs[props]!.properties!.default!['x-kubernetes-preserve-unknown-fields'], true);
  // The recursive type points back at itself rather than being expanded.
  const self = registry.definition(props);
  assert.equal(
    registry.child(refTo(props), 'properties')?.additionalProperties && walk(props, 'properties.anyname'),
    self,
  );
  assert.equal(walk(props, 'properties.anyname.not'), self);
});

test('resolve follows $ref and one-element allOf; child returns undefined when the schema does not say', () => {
  const wrapped: Schema = { allOf: [refTo('io.k8s.api.core.v1.Container')], description: 'x' };
  assert.equal(registry.resolve(wrapped), registry.definition('io.k8s.api.core.v1.Container'));
  assert.equal(registry.child(refTo('io.k8s.api.core.v1.Container'), 'nosuchfield'), undefined);
  assert.equal(registry.child({ 'x-kubernetes-preserve-unknown-fields': true }, 'a'), undefined);
  assert.deepEqual(registry.child({ type: 'object', additionalProperties: { type: 'string' } }, 'k'), {
    type: 'string',
  });
  assert.throws(() => registry.resolve(refTo('no.such.Def')), /does not resolve/);
});

test('custom definitions can be added and removed; built-ins cannot be replaced', () => {
  const r = new SchemaRegistry();
  r.addDefinitions({ 'com.example.v1.Widget': { type: 'object', properties: { spec: { type: 'object' } } } });
  assert.ok(r.has('com.example.v1.Widget'));
  assert.equal(r.isBuiltin('com.example.v1.Widget'), false);
  assert.throws(() => r.addDefinitions({ 'io.k8s.api.core.v1.Pod': { type: 'object' } }), /built-in/);
  r.removeDefinitions(['com.example.v1.Widget', 'io.k8s.api.core.v1.Pod']);
  assert.equal(r.has('com.example.v1.Widget'), false);
  assert.ok(r.has('io.k8s.api.core.v1.Pod'));
  // Instances are independent: the first registry never saw the widget.
  assert.equal(registry.has('com.example.v1.Widget'), false);
});

test('reachable walks $refs transitively', () => {
  const names = registry.reachable(['io.k8s.api.apps.v1.Deployment']);
  for (const n of [
    'io.k8s.api.core.v1.Container',
    'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
    QUANTITY,
  ]) {
    assert.ok(names.includes(n), n);
  }
  assert.ok(!names.includes('io.k8s.api.rbac.v1.Role'));
});

test('the generator reproduces the committed file exactly', () => {
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
  const out = execFileSync(process.execPath, [join(root, 'dist/scripts/gen-builtin-schemas.js'), '--check'], {
    encoding: 'utf8',
  });
  assert.match(out, /unchanged/);
});
