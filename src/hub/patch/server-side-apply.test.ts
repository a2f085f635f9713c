import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ApiError, isApiError } from '../../api/errors.js';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import { fieldPath } from './field-path.js';
import { LAST_APPLIED_ANNOTATION } from './last-applied.js';
import { type ApplyOptions, apply, trackUpdate, type UpdateTrackingOptions } from './server-side-apply.js';
import { definitions, deploymentSchema, resolver, tinyResolver } from './test-schemas.js';

const T0 = new Date('2025-01-01T00:00:00.123Z');
const T1 = new Date('2025-01-01T00:01:00Z');
const T2 = new Date('2025-01-01T00:02:00Z');

const base = { schema: deploymentSchema, resolver, apiVersion: 'apps/v1', statusSubresource: true };
const applyOpts = (now = T1, force = false): ApplyOptions => ({ ...base, now, force });
const updateOpts = (now = T1, extra: Partial<UpdateTrackingOptions> = {}): UpdateTrackingOptions => ({
  ...base,
  now,
  operation: 'Update',
  ...extra,
});

function config(spec: JsonObject, labels: Record<string, string> = { app: 'web' }): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', labels },
    spec,
  };
}

const webSpec = (image = 'nginx:1.27', replicas = 2): JsonObject => ({
  replicas,
  selector: { matchLabels: { app: 'web' } },
  template: { spec: { containers: [{ name: 'c', image }] } },
});

/** The stored object after a create by a non-apply manager (e.g. kubectl create / client-side apply). */
function created(obj: KubeObject, manager: string, now = T0): KubeObject {
  const stored = structuredClone(obj);
  stored.metadata = {
    ...stored.metadata,
    uid: 'u-1',
    resourceVersion: '1',
    creationTimestamp: '2025-01-01T00:00:00Z',
  };
  stored.metadata.managedFields = trackUpdate(undefined, stored, manager, updateOpts(now));
  return stored;
}

function entryOf(obj: KubeObject, manager: string): ManagedFieldsEntry | undefined {
  return obj.metadata.managedFields?.find((e) => e.manager === manager);
}

function conflictOf(fn: () => unknown): ApiError {
  try {
    fn();
  } catch (err) {
    assert.ok(isApiError(err));
    return err;
  }
  assert.fail('expected a conflict');
}

test('create via apply: the object is the configuration, the applier owns what it set', () => {
  const { object, managedFields, changed } = apply(undefined, config(webSpec()), 'deployer', applyOpts(T0));
  assert.equal(changed, true);
  assert.deepEqual(object.spec, webSpec());
  assert.deepEqual(managedFields, [
    {
      manager: 'deployer',
      operation: 'Apply',
      apiVersion: 'apps/v1',
      time: '2025-01-01T00:00:00Z',
      fieldsType: 'FieldsV1',
      fieldsV1: {
        'f:metadata': { 'f:labels': { 'f:app': {} } },
        'f:spec': {
          'f:replicas': {},
          'f:selector': {},
          'f:template': {
            'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
          },
        },
      },
    },
  ]);
  assert.deepEqual(object.metadata.managedFields, managedFields);
});

test('re-applying the same configuration is a no-op', () => {
  const first = apply(undefined, config(webSpec()), 'deployer', applyOpts(T0)).object;
  const again = apply(first, config(webSpec()), 'deployer', applyOpts(T2));
  assert.equal(again.changed, false);
  assert.deepEqual(again.object, first);
  assert.deepEqual(again.managedFields, first.metadata.managedFields);
});

test('re-applying without a field removes it (and its ownership)', () => {
  const first = apply(
    undefined,
    config({ ...webSpec(), paused: false }, { app: 'web', tier: 'front' }),
    'deployer',
    applyOpts(T0),
  ).object;
  const { object, managedFields } = apply(first, config(webSpec()), 'deployer', applyOpts(T1));
  assert.equal(object.spec.paused, undefined);
  assert.deepEqual(object.metadata.labels, { app: 'web' });
  assert.equal(managedFields[0]!.time, '2025-01-01T00:01:00Z');
  assert.deepEqual((managedFields[0]!.fieldsV1!['f:metadata'] as JsonObject)['f:labels'], { 'f:app': {} });
});

test('a dropped list item is removed; items others added stay', () => {
  const first = apply(
    undefined,
    config({
      ...webSpec(),
      template: {
        spec: {
          containers: [
            { name: 'c', image: 'a' },
            { name: 'd', image: 'b' },
          ],
        },
      },
    }),
    'deployer',
    applyOpts(T0),
  ).object;
  // Someone else adds a sidecar with a plain update.
  const withSidecar = structuredClone(first);
  withSidecar.spec.template.spec.containers.push({ name: 'sidecar', image: 's' });
  withSidecar.metadata.managedFields = trackUpdate(first, withSidecar, 'injector', updateOpts(T1));

  const { object } = apply(withSidecar, config({ ...webSpec('a') }), 'deployer', applyOpts(T2));
  assert.deepEqual(
    object.spec.template.spec.containers.map((c: { name: string }) => c.name),
    ['c', 'sidecar'],
  );
});

test('conflict with an update manager: exact upstream message and causes', () => {
  const live = created(config(webSpec('nginx:1.27', 3)), 'kubectl-client-side-apply');
  const err = conflictOf(() => apply(live, config(webSpec('nginx:1.27', 5)), 'deployer', applyOpts()));
  assert.equal(err.code, 409);
  assert.equal(err.reason, 'Conflict');
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas',
  );
  assert.deepEqual(err.details?.causes, [
    {
      reason: 'FieldManagerConflict',
      message: 'conflict with "kubectl-client-side-apply" using apps/v1',
      field: '.spec.replicas',
    },
  ]);
});

test('several conflicts: grouped by manager, one line per field', () => {
  const live = created(config(webSpec('nginx:1.27', 3)), 'm');
  const err = conflictOf(() =>
    apply(live, config(webSpec('nginx:1.28', 5), { app: 'other' }), 'deployer', applyOpts()),
  );
  assert.equal(
    err.message,
    'Apply failed with 3 conflicts: conflicts with "m" using apps/v1:\n' +
      '- .metadata.labels.app\n' +
      '- .spec.replicas\n' +
      '- .spec.template.spec.containers[name="c"].image',
  );
  assert.equal(err.details?.causes?.length, 3);
  assert.deepEqual(
    err.details?.causes?.map((c) => c.field),
    ['.metadata.labels.app', '.spec.replicas', '.spec.template.spec.containers[name="c"].image'],
  );
});

test('conflicts with an applier name it without a version', () => {
  const live = apply(undefined, config(webSpec()), 'team-a', applyOpts(T0)).object;
  const err = conflictOf(() => apply(live, config(webSpec('other')), 'team-b', applyOpts()));
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "team-a": .spec.template.spec.containers[name="c"].image',
  );
});

test('force takes ownership from the other manager', () => {
  const live = created(config(webSpec('nginx:1.27', 3)), 'kubectl-client-side-apply');
  const { object, managedFields } = apply(
    live,
    config(webSpec('nginx:1.27', 5)),
    'deployer',
    applyOpts(T1, true),
  );
  assert.equal(object.spec.replicas, 5);
  const csa = managedFields.find((e) => e.manager === 'kubectl-client-side-apply')!;
  assert.equal((csa.fieldsV1!['f:spec'] as JsonObject)['f:replicas'], undefined);
  const mine = managedFields.find((e) => e.manager === 'deployer')!;
  assert.deepEqual((mine.fieldsV1!['f:spec'] as JsonObject)['f:replicas'], {});
  // Appliers sort before updaters.
  assert.deepEqual(
    managedFields.map((e) => e.operation),
    ['Apply', 'Update'],
  );
});

test('setting the value a field already has is no conflict: both managers share it', () => {
  const live = created(config(webSpec('nginx:1.27', 3)), 'kubectl-client-side-apply');
  const { object } = apply(live, config(webSpec('nginx:1.27', 3)), 'deployer', applyOpts());
  assert.ok(JSON.stringify(entryOf(object, 'kubectl-client-side-apply')!.fieldsV1).includes('f:replicas'));
  assert.ok(JSON.stringify(entryOf(object, 'deployer')!.fieldsV1).includes('f:replicas'));
});

test('two appliers sharing a field: it stays until the last one lets go', () => {
  const shared = config(webSpec('nginx:1.27', 3));
  let live = apply(undefined, shared, 'a', applyOpts(T0)).object;
  live = apply(live, shared, 'b', applyOpts(T1)).object;
  const withoutReplicas = config({ ...webSpec(), replicas: undefined } as unknown as JsonObject);
  delete withoutReplicas.spec.replicas;

  live = apply(live, withoutReplicas, 'a', applyOpts(T2)).object;
  assert.equal(live.spec.replicas, 3, 'b still owns replicas');
  live = apply(live, withoutReplicas, 'b', applyOpts(T2)).object;
  assert.equal(live.spec.replicas, undefined, 'nobody owns replicas any more');
});

test('trackUpdate: a scale moves replicas to the scaler, and a later apply conflicts with it', () => {
  let live = apply(undefined, config(webSpec('nginx:1.27', 2)), 'deployer', applyOpts(T0)).object;
  const scaled = structuredClone(live);
  scaled.spec.replicas = 7;
  scaled.metadata.managedFields = trackUpdate(
    live,
    scaled,
    'kubectl',
    updateOpts(T1, { subresource: 'scale' }),
  );
  live = scaled;

  const scaler = entryOf(live, 'kubectl')!;
  assert.deepEqual(scaler, {
    manager: 'kubectl',
    operation: 'Update',
    apiVersion: 'apps/v1',
    time: '2025-01-01T00:01:00Z',
    fieldsType: 'FieldsV1',
    fieldsV1: { 'f:spec': { 'f:replicas': {} } },
    subresource: 'scale',
  });
  assert.ok(!JSON.stringify(entryOf(live, 'deployer')!.fieldsV1).includes('f:replicas'));

  const err = conflictOf(() => apply(live, config(webSpec('nginx:1.27', 2)), 'deployer', applyOpts(T2)));
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "kubectl" with subresource "scale" using apps/v1: .spec.replicas',
  );
});

test('trackUpdate: entries per manager and version; unchanged writes change nothing', () => {
  const live = created(config(webSpec()), 'kubectl-create', T0);
  const createEntry = entryOf(live, 'kubectl-create')!;
  assert.equal(createEntry.time, '2025-01-01T00:00:00Z');
  // Server-owned fields never appear; a new map records itself (".").
  assert.deepEqual(createEntry.fieldsV1!['f:metadata'], { 'f:labels': { '.': {}, 'f:app': {} } });
  assert.equal(createEntry.fieldsV1!['f:apiVersion'], undefined);

  const edited = structuredClone(live);
  edited.metadata.labels!.app = 'web2';
  edited.metadata.resourceVersion = '2';
  const fields = trackUpdate(live, edited, 'kubectl-edit', updateOpts(T1));
  assert.deepEqual(
    fields.map((e) => e.manager),
    ['kubectl-create', 'kubectl-edit'],
  );
  assert.deepEqual(fields[1]!.fieldsV1, { 'f:metadata': { 'f:labels': { 'f:app': {} } } });
  // The creator keeps the labels map itself, just not the changed label.
  assert.deepEqual(fields[0]!.fieldsV1!['f:metadata'], { 'f:labels': {} });

  const bumpOnly = structuredClone(live);
  bumpOnly.metadata.resourceVersion = '3';
  assert.deepEqual(trackUpdate(live, bumpOnly, 'kubectl-edit', updateOpts(T2)), live.metadata.managedFields);

  const otherVersion = trackUpdate(live, edited, 'kubectl-edit', {
    ...updateOpts(T1),
    apiVersion: 'apps/v1beta2',
  });
  assert.equal(otherVersion.find((e) => e.manager === 'kubectl-edit')!.apiVersion, 'apps/v1beta2');
});

test('trackUpdate: a manager that loses all its fields disappears', () => {
  const live = apply(undefined, config({ replicas: 1 }), 'applier', applyOpts(T0)).object;
  const edited = structuredClone(live);
  edited.spec.replicas = 2;
  edited.metadata.labels = { app: 'x' };
  const managers = trackUpdate(live, edited, 'editor', updateOpts(T1)).map((e) => e.manager);
  assert.deepEqual(managers, ['editor']);
});

test('trackUpdate: status is not owned through the main resource of a kind with /status', () => {
  const live = created(config(webSpec()), 'creator');
  const next = structuredClone(live);
  next.status = { replicas: 2 };
  next.spec.replicas = 4;
  const fields = trackUpdate(live, next, 'editor', updateOpts(T1));
  assert.deepEqual(fields.find((e) => e.manager === 'editor')!.fieldsV1, { 'f:spec': { 'f:replicas': {} } });

  const viaStatus = trackUpdate(live, next, 'controller', updateOpts(T1, { subresource: 'status' }));
  assert.deepEqual(viaStatus.find((e) => e.manager === 'controller')!.fieldsV1, {
    'f:status': { '.': {}, 'f:replicas': {} },
  });
});

test('trackUpdate: managed fields sent by the client are honoured, [{}] resets them', () => {
  const live = created(config(webSpec()), 'creator');
  const next = structuredClone(live);
  next.metadata.managedFields = [{}];
  next.spec.replicas = 4;
  const fields = trackUpdate(live, next, 'editor', updateOpts(T1));
  assert.deepEqual(
    fields.map((e) => e.manager),
    ['editor'],
  );
});

test('apply through /status owns status only; the main resource ignores applied status', () => {
  const live = apply(undefined, config(webSpec()), 'deployer', applyOpts(T0)).object;
  const withStatus = { ...config(webSpec()), status: { replicas: 1 } };
  const main = apply(live, withStatus, 'deployer', applyOpts(T1));
  assert.ok(!JSON.stringify(main.managedFields).includes('f:status'));

  const statusApply = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    status: { replicas: 1 },
  };
  const viaStatus = apply(live, statusApply, 'controller', { ...applyOpts(T1), subresource: 'status' });
  const entry = viaStatus.managedFields.find((e) => e.manager === 'controller')!;
  assert.equal(entry.subresource, 'status');
  assert.deepEqual(entry.fieldsV1, { 'f:status': { 'f:replicas': {} } });
  // The deployer still owns its spec.
  assert.ok(
    JSON.stringify(viaStatus.managedFields.find((e) => e.manager === 'deployer')).includes('f:replicas'),
  );
});

test('kubectl moving from client-side apply takes over what it applied before, without conflicts', () => {
  const lastApplied = config(webSpec('nginx:1.27', 3));
  const live = created(
    {
      ...lastApplied,
      metadata: {
        ...lastApplied.metadata,
        annotations: { [LAST_APPLIED_ANNOTATION]: JSON.stringify(lastApplied) },
      },
    },
    'kubectl-client-side-apply',
  );
  const { object } = apply(live, config(webSpec('nginx:1.27', 5)), 'kubectl', applyOpts());
  assert.equal(object.spec.replicas, 5);
  const recorded = JSON.parse(object.metadata.annotations![LAST_APPLIED_ANNOTATION]!);
  assert.equal(recorded.spec.replicas, 5, 'the annotation follows the server-side applied configuration');

  // A field changed since the last client-side apply still conflicts.
  const drifted = structuredClone(live);
  drifted.spec.replicas = 4;
  drifted.metadata.managedFields = trackUpdate(live, drifted, 'hpa', updateOpts(T1));
  const err = conflictOf(() => apply(drifted, config(webSpec('nginx:1.27', 5)), 'kubectl', applyOpts(T2)));
  assert.match(err.message, /conflict with "hpa" using apps\/v1: \.spec\.replicas/);
});

test('list-map items are keyed with defaulted key fields', () => {
  const spec = webSpec();
  spec.template = { spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] } };
  const { managedFields } = apply(undefined, config(spec), 'deployer', applyOpts());
  assert.ok(
    JSON.stringify(managedFields[0]!.fieldsV1).includes(
      'k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}',
    ),
  );
});

test('null in an applied configuration removes the field', () => {
  const live = apply(undefined, config({ ...webSpec(), paused: true }), 'deployer', applyOpts(T0)).object;
  const { object } = apply(live, config({ ...webSpec(), paused: null }), 'deployer', applyOpts(T1));
  assert.equal('paused' in object.spec, false);
});

test('bad apply requests are 400, duplicate keys 422', () => {
  const cases: [unknown, string, number, RegExp][] = [
    [
      { ...config(webSpec()), apiVersion: 'apps/v1beta1' },
      'm',
      400,
      /Specified patch version: apps\/v1beta1, expected: apps\/v1/,
    ],
    [
      { ...config(webSpec()), metadata: { name: 'web', managedFields: [] } },
      'm',
      400,
      /managedFields must be nil/,
    ],
    [config(webSpec()), '', 400, /fieldManager/],
    [['not', 'an', 'object'], 'm', 400, /must be an object/],
    [
      config({ template: { spec: { containers: [{ name: 'c' }, { name: 'c' }] } } }),
      'm',
      422,
      /duplicate entries/,
    ],
  ];
  for (const [body, manager, code, message] of cases) {
    assert.throws(
      () => apply(undefined, body, manager, applyOpts()),
      (err: unknown) => isApiError(err) && err.code === code && message.test(err.message),
      String(message),
    );
  }
});

test('the live object is not modified', () => {
  const live = created(config(webSpec('nginx:1.27', 3)), 'creator');
  const snapshot = structuredClone(live);
  apply(live, config(webSpec('nginx:1.28', 3)), 'deployer', applyOpts(T1, true));
  trackUpdate(live, { ...live, spec: { replicas: 1 } }, 'x', updateOpts());
  assert.deepEqual(live, snapshot);
});

test('reset fields can be given explicitly', () => {
  const live = created(config(webSpec()), 'creator');
  const next = structuredClone(live);
  next.spec.replicas = 4;
  next.metadata.labels!.extra = 'y';
  const fields = trackUpdate(live, next, 'editor', { ...updateOpts(T1), resetFields: [fieldPath('spec')] });
  assert.deepEqual(fields.find((e) => e.manager === 'editor')!.fieldsV1, {
    'f:metadata': { 'f:labels': { 'f:extra': {} } },
  });
});

test('"__proto__" is an ordinary label for apply and tracking', () => {
  const body = config(webSpec());
  body.metadata.labels = JSON.parse('{"__proto__":"x","app":"web"}');
  const { object, managedFields } = apply(undefined, body, 'deployer', applyOpts());
  assert.deepEqual(Object.keys(object.metadata.labels!), ['__proto__', 'app']);
  assert.deepEqual((managedFields[0]!.fieldsV1!['f:metadata'] as JsonObject)['f:labels'], {
    'f:__proto__': {},
    'f:app': {},
  });
  const without = config(webSpec());
  const next = apply(object, without, 'deployer', applyOpts(T2)).object;
  assert.deepEqual(Object.keys(next.metadata.labels!), ['app']);
});

test('list-map keys the schema does not default are completed from the live item', () => {
  // The kind strategy, not the schema, defaults protocol here (as for Minato's built-ins today).
  const noDefaults = structuredClone(definitions);
  delete noDefaults.ContainerPort!.properties!.protocol!.default;
  const opts = { ...applyOpts(T0), resolver: tinyResolver(noDefaults) };
  const spec = webSpec();
  spec.template = { spec: { containers: [{ name: 'c', image: 'x', ports: [{ containerPort: 80 }] }] } };

  const created = apply(undefined, config(spec), 'deployer', opts).object;
  created.spec.template.spec.containers[0].ports[0].protocol = 'TCP'; // what defaulting does

  const again = apply(created, config(spec), 'deployer', { ...opts, now: T1 });
  assert.deepEqual(again.object.spec.template.spec.containers[0].ports, [
    { containerPort: 80, protocol: 'TCP' },
  ]);
  assert.equal(again.changed, false);
  const ports = JSON.stringify(again.managedFields[0]!.fieldsV1);
  assert.ok(ports.includes('k:{\\"containerPort\\":80,\\"protocol\\":\\"TCP\\"}'), ports);
  assert.ok(!ports.includes('f:protocol'), 'a completed key field is not owned');
});

test('fields of an object without managed fields belong to before-first-apply', () => {
  const live = config(webSpec('nginx:1.27', 3));
  const err = conflictOf(() => apply(live, config(webSpec('nginx:1.27', 5)), 'deployer', applyOpts()));
  assert.equal(
    err.message,
    'Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .spec.replicas',
  );
  const { managedFields } = apply(live, config(webSpec('nginx:1.27', 3)), 'deployer', applyOpts());
  assert.deepEqual(
    managedFields.map((e) => e.manager),
    ['deployer', 'before-first-apply'],
  );
});

test('set lists merge by value: each applier keeps and releases its own finalizers', () => {
  const withFinalizers = (...finalizers: string[]) => {
    const c = config({ replicas: 1 });
    c.metadata.finalizers = finalizers;
    return c;
  };
  let live = apply(undefined, withFinalizers('a.io/x'), 'a', applyOpts(T0)).object;
  live = apply(live, withFinalizers('b.io/y'), 'b', { ...applyOpts(T1), force: true }).object;
  assert.deepEqual(live.metadata.finalizers, ['a.io/x', 'b.io/y']);
  assert.deepEqual((entryOf(live, 'b')!.fieldsV1!['f:metadata'] as JsonObject)['f:finalizers'], {
    'v:"b.io/y"': {},
  });
  live = apply(live, withFinalizers(), 'a', applyOpts(T2)).object;
  assert.deepEqual(live.metadata.finalizers, ['b.io/y']);
});
