/**
 * Writing objects the ways kubectl does: client-side and server-side apply (with conflicts), replace
 * with optimistic concurrency, edit, the three patch types, dry runs, diff, scale and strict field
 * validation.
 */
import assert from 'node:assert/strict';
import { chmodSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { type HubContext, setupHub, teardownHub } from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('apply');
});
after(async () => {
  await teardownHub(ctx);
});

const k = (args: string[]) => ctx.kubectl.ok(args);

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string; fieldsV1?: Record<string, unknown> }[];
  };
  data?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: deployment specs are inspected field by field
  spec?: any;
}

const get = (ns: string, kind: string, name: string) => ctx.kubectl.json<Obj>(['-n', ns, 'get', kind, name]);

function configMap(
  ns: string,
  name: string,
  data: Record<string, string>,
  extra: Record<string, unknown> = {},
): string {
  return toYaml({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data, ...extra });
}

function deployment(
  ns: string,
  name: string,
  replicas: number | undefined,
  containers: { name: string; image: string }[],
): string {
  return toYaml({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      ...(replicas === undefined ? {} : { replicas }),
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers } },
    },
  });
}

describe('client-side apply', () => {
  const ns = 'a-csa';
  before(() => k(['create', 'namespace', ns]));

  test('create, unchanged, configured, and a removed field goes away', async () => {
    const file = ctx.file('csa.yaml', configMap(ns, 'csa', { a: '1', b: '2' }));
    assert.equal((await k(['apply', '-f', file])).trim(), 'configmap/csa created');
    const created = await get(ns, 'cm', 'csa');
    assert.deepEqual(created.data, { a: '1', b: '2' });
    const lastApplied = created.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration'];
    assert.ok(lastApplied, JSON.stringify(created.metadata));
    assert.deepEqual(JSON.parse(lastApplied).data, { a: '1', b: '2' });

    assert.equal((await k(['apply', '-f', file])).trim(), 'configmap/csa unchanged');
    assert.equal(
      (await get(ns, 'cm', 'csa')).metadata.resourceVersion,
      created.metadata.resourceVersion,
      'an unchanged apply must not write',
    );

    ctx.file('csa.yaml', configMap(ns, 'csa', { a: '10', b: '2' }));
    assert.equal((await k(['apply', '-f', file])).trim(), 'configmap/csa configured');
    assert.deepEqual((await get(ns, 'cm', 'csa')).data, { a: '10', b: '2' });

    ctx.file('csa.yaml', configMap(ns, 'csa', { a: '10' }));
    assert.equal((await k(['apply', '-f', file])).trim(), 'configmap/csa configured');
    assert.deepEqual((await get(ns, 'cm', 'csa')).data, { a: '10' });
  });

  test('apply keeps fields other writers set (three-way merge)', async () => {
    const file = ctx.file('csa-3way.yaml', configMap(ns, 'threeway', { a: '1' }));
    await k(['apply', '-f', file]);
    await k(['-n', ns, 'label', 'cm', 'threeway', 'owner=someone-else']);
    ctx.file('csa-3way.yaml', configMap(ns, 'threeway', { a: '2' }));
    await k(['apply', '-f', file]);
    const obj = await get(ns, 'cm', 'threeway');
    assert.deepEqual(obj.data, { a: '2' });
    assert.equal(obj.metadata.labels?.owner, 'someone-else', 'apply removed a label it never managed');
  });

  test('apply of a deployment, then a changed image rolls into the object', async () => {
    const file = ctx.file(
      'csa-deploy.yaml',
      deployment(ns, 'web', 2, [{ name: 'app', image: 'nginx:1.26' }]),
    );
    assert.equal((await k(['apply', '-f', file])).trim(), 'deployment.apps/web created');
    ctx.file('csa-deploy.yaml', deployment(ns, 'web', 2, [{ name: 'app', image: 'nginx:1.27' }]));
    assert.equal((await k(['apply', '-f', file])).trim(), 'deployment.apps/web configured');
    const d = await get(ns, 'deploy', 'web');
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(d.spec.replicas, 2);
  });
});

describe('server-side apply', () => {
  const ns = 'a-ssa';
  before(() => k(['create', 'namespace', ns]));

  test('create and update, with the kubectl manager recorded as Apply', async () => {
    const file = ctx.file('ssa.yaml', deployment(ns, 'ssa', 2, [{ name: 'app', image: 'nginx:1.26' }]));
    assert.equal(
      (await k(['apply', '--server-side', '-f', file])).trim(),
      'deployment.apps/ssa serverside-applied',
    );
    let d = await ctx.kubectl.json<Obj>(['-n', ns, 'get', 'deploy', 'ssa', '--show-managed-fields']);
    const apply = d.metadata.managedFields?.find((m) => m.operation === 'Apply');
    assert.equal(apply?.manager, 'kubectl', JSON.stringify(d.metadata.managedFields));
    assert.ok(JSON.stringify(apply?.fieldsV1).includes('f:replicas'), JSON.stringify(apply?.fieldsV1));

    ctx.file('ssa.yaml', deployment(ns, 'ssa', 2, [{ name: 'app', image: 'nginx:1.27' }]));
    assert.equal(
      (await k(['apply', '--server-side', '-f', file])).trim(),
      'deployment.apps/ssa serverside-applied',
    );
    d = await get(ns, 'deploy', 'ssa');
    assert.equal(d.spec.template.spec.containers[0].image, 'nginx:1.27');
  });

  test('a field owned by another manager conflicts; --force-conflicts takes it', async () => {
    const file = ctx.file(
      'ssa-conflict.yaml',
      deployment(ns, 'contested', 2, [{ name: 'app', image: 'nginx' }]),
    );
    await k(['apply', '--server-side', '-f', file]);
    await k([
      '-n',
      ns,
      'patch',
      'deploy',
      'contested',
      '--type',
      'merge',
      '-p',
      '{"spec":{"replicas":5}}',
      '--field-manager=other-team',
    ]);
    ctx.file('ssa-conflict.yaml', deployment(ns, 'contested', 3, [{ name: 'app', image: 'nginx' }]));
    const r = await ctx.kubectl.fails(['apply', '--server-side', '-f', file]);
    assert.match(r.stderr, /Apply failed with 1 conflict: conflict with "other-team"/, r.stderr);
    assert.match(r.stderr, /\.spec\.replicas/, r.stderr);
    assert.equal(
      (await get(ns, 'deploy', 'contested')).spec.replicas,
      5,
      'a conflicting apply must not write',
    );

    assert.equal(
      (await k(['apply', '--server-side', '--force-conflicts', '-f', file])).trim(),
      'deployment.apps/contested serverside-applied',
    );
    const d = await ctx.kubectl.json<Obj>(['-n', ns, 'get', 'deploy', 'contested', '--show-managed-fields']);
    assert.equal(d.spec.replicas, 3);
    const other = d.metadata.managedFields?.find((m) => m.manager === 'other-team');
    assert.ok(
      !other || !JSON.stringify(other.fieldsV1 ?? {}).includes('f:replicas'),
      `other-team still owns replicas: ${JSON.stringify(other)}`,
    );
  });

  test('kubectl scale, then a server-side apply of other replicas conflicts on .spec.replicas', async () => {
    const file = ctx.file('ssa-scale.yaml', deployment(ns, 'scaled', 1, [{ name: 'app', image: 'nginx' }]));
    await k(['apply', '--server-side', '-f', file]);
    assert.equal(
      (await k(['-n', ns, 'scale', 'deploy', 'scaled', '--replicas=4'])).trim(),
      'deployment.apps/scaled scaled',
    );
    ctx.file('ssa-scale.yaml', deployment(ns, 'scaled', 2, [{ name: 'app', image: 'nginx' }]));
    const r = await ctx.kubectl.fails(['apply', '--server-side', '-f', file]);
    assert.match(r.stderr, /conflict/i, r.stderr);
    assert.match(r.stderr, /\.spec\.replicas/, r.stderr);
    await k(['apply', '--server-side', '--force-conflicts', '-f', file]);
    assert.equal((await get(ns, 'deploy', 'scaled')).spec.replicas, 2);
  });

  test('server-side apply of a configmap removes keys it no longer applies', async () => {
    const file = ctx.file('ssa-cm.yaml', configMap(ns, 'ssa-cm', { a: '1', b: '2' }));
    await k(['apply', '--server-side', '-f', file]);
    ctx.file('ssa-cm.yaml', configMap(ns, 'ssa-cm', { a: '1' }));
    await k(['apply', '--server-side', '-f', file]);
    assert.deepEqual((await get(ns, 'cm', 'ssa-cm')).data, { a: '1' });
  });
});

describe('replace and edit', () => {
  const ns = 'a-replace';
  before(async () => {
    await k(['create', 'namespace', ns]);
    await k(['-n', ns, 'create', 'configmap', 'r1', '--from-literal=v=1']);
    await k(['-n', ns, 'create', 'configmap', 'e1', '--from-literal=color=red']);
  });

  test('replace -f writes the whole object', async () => {
    const current = parseYaml(await k(['-n', ns, 'get', 'cm', 'r1', '-o', 'yaml'])) as Obj;
    current.data = { v: '2', w: 'new' };
    const file = ctx.file('replace.yaml', toYaml(current));
    assert.equal((await k(['replace', '-f', file])).trim(), 'configmap/r1 replaced');
    assert.deepEqual((await get(ns, 'cm', 'r1')).data, { v: '2', w: 'new' });
  });

  test('replace with a stale resourceVersion is a Conflict', async () => {
    const stale = parseYaml(await k(['-n', ns, 'get', 'cm', 'r1', '-o', 'yaml'])) as Obj;
    await k(['-n', ns, 'label', 'cm', 'r1', 'touched=yes']);
    stale.data = { v: 'stale' };
    const file = ctx.file('replace-stale.yaml', toYaml(stale));
    const r = await ctx.kubectl.fails(['replace', '-f', file]);
    assert.match(
      r.stderr,
      /Error from server \(Conflict\): error when replacing ".*replace-stale\.yaml": Operation cannot be fulfilled on configmaps "r1": the object has been modified; please apply your changes to the latest version and try again/,
      r.stderr,
    );
    assert.equal((await get(ns, 'cm', 'r1')).data?.v, '2', 'a conflicting replace must not write');
  });

  test('edit through KUBE_EDITOR', async () => {
    const script = ctx.file('editor.sh', `#!/bin/sh\nsed -i 's/color: red/color: green/' "$1"\n`);
    chmodSync(script, 0o755);
    const out = await ctx.kubectl.ok(['-n', ns, 'edit', 'cm', 'e1'], {
      env: { KUBE_EDITOR: script, EDITOR: script },
    });
    assert.equal(out.trim(), 'configmap/e1 edited');
    assert.equal((await get(ns, 'cm', 'e1')).data?.color, 'green');
    // An edit that changes nothing is reported as such.
    const none = await ctx.kubectl.run(['-n', ns, 'edit', 'cm', 'e1'], {
      env: { KUBE_EDITOR: 'true', EDITOR: 'true' },
    });
    assert.equal(none.code, 0, none.stderr);
    assert.match(none.stdout + none.stderr, /Edit cancelled, no changes made/, none.stdout + none.stderr);
  });
});

describe('patch', () => {
  const ns = 'a-patch';
  before(async () => {
    await k(['create', 'namespace', ns]);
    await k(['-n', ns, 'create', 'configmap', 'p1', '--from-literal=a=1']);
  });

  test('--type merge adds, and null removes', async () => {
    assert.equal(
      (await k(['-n', ns, 'patch', 'cm', 'p1', '--type', 'merge', '-p', '{"data":{"b":"2"}}'])).trim(),
      'configmap/p1 patched',
    );
    assert.deepEqual((await get(ns, 'cm', 'p1')).data, { a: '1', b: '2' });
    await k(['-n', ns, 'patch', 'cm', 'p1', '--type', 'merge', '-p', '{"data":{"a":null}}']);
    assert.deepEqual((await get(ns, 'cm', 'p1')).data, { b: '2' });
    const same = await k(['-n', ns, 'patch', 'cm', 'p1', '--type', 'merge', '-p', '{"data":{"b":"2"}}']);
    assert.equal(same.trim(), 'configmap/p1 patched (no change)');
  });

  test('--type json applies operations in order; a failed test op rejects the patch', async () => {
    await k([
      '-n',
      ns,
      'patch',
      'cm',
      'p1',
      '--type',
      'json',
      '-p',
      '[{"op":"add","path":"/data/c","value":"3"},{"op":"replace","path":"/data/b","value":"20"}]',
    ]);
    assert.deepEqual((await get(ns, 'cm', 'p1')).data, { b: '20', c: '3' });
    const r = await ctx.kubectl.fails([
      '-n',
      ns,
      'patch',
      'cm',
      'p1',
      '--type',
      'json',
      '-p',
      '[{"op":"test","path":"/data/b","value":"nope"},{"op":"remove","path":"/data/c"}]',
    ]);
    // A failed test op is a 422 without details, which kubectl prints as "The request is invalid".
    assert.match(r.stderr, /The request is invalid: .*test/, r.stderr);
    assert.deepEqual((await get(ns, 'cm', 'p1')).data, { b: '20', c: '3' });
  });

  test('a write that changes nothing keeps the resourceVersion', async () => {
    await k(['-n', ns, 'create', 'configmap', 'noop', '--from-literal=a=1']);
    const before = await get(ns, 'cm', 'noop');
    await k(['-n', ns, 'patch', 'cm', 'noop', '--type', 'merge', '-p', '{"data":{"a":"1"}}']);
    assert.equal(
      (await get(ns, 'cm', 'noop')).metadata.resourceVersion,
      before.metadata.resourceVersion,
      'no-op merge patch',
    );
    const put = await ctx.api.json(`/api/v1/namespaces/${ns}/configmaps/noop`, 'PUT', before);
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.metadata.resourceVersion, before.metadata.resourceVersion, 'no-op PUT');
  });

  test('default strategic merge merges containers by name and honours $patch: delete', async () => {
    const file = ctx.file(
      'smp.yaml',
      deployment(ns, 'smp', 1, [
        { name: 'app', image: 'nginx:1.26' },
        { name: 'sidecar', image: 'busybox:1.36' },
      ]),
    );
    await k(['apply', '-f', file]);
    await k([
      '-n',
      ns,
      'patch',
      'deploy',
      'smp',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.37"}]}}}}',
    ]);
    let containers = (await get(ns, 'deploy', 'smp')).spec.template.spec.containers as {
      name: string;
      image: string;
    }[];
    assert.deepEqual(
      containers.map((c) => [c.name, c.image]),
      [
        ['app', 'nginx:1.26'],
        ['sidecar', 'busybox:1.37'],
      ],
    );
    await k([
      '-n',
      ns,
      'patch',
      'deploy',
      'smp',
      '-p',
      '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}}}',
    ]);
    containers = (await get(ns, 'deploy', 'smp')).spec.template.spec.containers;
    assert.deepEqual(
      containers.map((c) => c.name),
      ['app'],
    );
  });

  test('strategic merge on a configmap behaves like a merge patch', async () => {
    await k(['-n', ns, 'patch', 'cm', 'p1', '-p', '{"data":{"d":"4"},"metadata":{"labels":{"x":"y"}}}']);
    const obj = await get(ns, 'cm', 'p1');
    assert.deepEqual(obj.data, { b: '20', c: '3', d: '4' });
    assert.equal(obj.metadata.labels?.x, 'y');
  });
});

describe('dry run, diff, scale, field validation', () => {
  const ns = 'a-misc';
  before(async () => {
    await k(['create', 'namespace', ns]);
  });

  test('apply --dry-run=server persists nothing', async () => {
    const file = ctx.file('dry.yaml', configMap(ns, 'dry', { a: '1' }));
    assert.equal(
      (await k(['apply', '--dry-run=server', '-f', file])).trim(),
      'configmap/dry created (server dry run)',
    );
    const r = await ctx.kubectl.fails(['-n', ns, 'get', 'cm', 'dry']);
    assert.match(r.stderr, /configmaps "dry" not found/, r.stderr);
    // A dry-run update of an existing object leaves it as it was.
    await k(['apply', '-f', file]);
    ctx.file('dry.yaml', configMap(ns, 'dry', { a: '2' }));
    assert.equal(
      (await k(['apply', '--dry-run=server', '-f', file])).trim(),
      'configmap/dry configured (server dry run)',
    );
    assert.deepEqual((await get(ns, 'cm', 'dry')).data, { a: '1' });
    const ssa = await k(['apply', '--server-side', '--dry-run=server', '-f', file]);
    assert.match(ssa, /serverside-applied \(server dry run\)/, ssa);
    assert.deepEqual((await get(ns, 'cm', 'dry')).data, { a: '1' });
  });

  test('diff shows the change (exit 1) and nothing when in sync (exit 0)', async () => {
    const file = ctx.file('diff.yaml', configMap(ns, 'diffed', { a: '1' }));
    await k(['apply', '-f', file]);
    const same = await ctx.kubectl.run(['diff', '-f', file]);
    assert.equal(same.code, 0, `diff of an unchanged file: ${same.stdout}${same.stderr}`);
    assert.equal(same.stdout, '');
    ctx.file('diff.yaml', configMap(ns, 'diffed', { a: '2' }));
    const changed = await ctx.kubectl.run(['diff', '-f', file]);
    assert.equal(changed.code, 1, `diff exit code (1 = differences): ${changed.stdout}${changed.stderr}`);
    assert.match(changed.stdout, /^-\s+a: "1"$/m, changed.stdout);
    assert.match(changed.stdout, /^\+\s+a: "2"$/m, changed.stdout);
    assert.deepEqual((await get(ns, 'cm', 'diffed')).data, { a: '1' }, 'diff must not write');
    const ssa = await ctx.kubectl.run(['diff', '--server-side', '--force-conflicts', '-f', file]);
    assert.equal(ssa.code, 1, ssa.stdout + ssa.stderr);
    assert.match(ssa.stdout, /^\+\s+a: "2"$/m, ssa.stdout);
  });

  test('scale deploy --replicas=3 sets .spec.replicas and the scale subresource', async () => {
    await k(['-n', ns, 'create', 'deployment', 'sc', '--image=nginx']);
    assert.equal(
      (await k(['-n', ns, 'scale', 'deploy', 'sc', '--replicas=3'])).trim(),
      'deployment.apps/sc scaled',
    );
    assert.equal(await k(['-n', ns, 'get', 'deploy', 'sc', '-o', 'jsonpath={.spec.replicas}']), '3');
    const scale = JSON.parse(
      await k(['get', '--raw', `/apis/apps/v1/namespaces/${ns}/deployments/sc/scale`]),
    ) as {
      kind: string;
      apiVersion: string;
      spec: { replicas: number };
    };
    assert.equal(scale.kind, 'Scale');
    assert.equal(scale.apiVersion, 'autoscaling/v1');
    assert.equal(scale.spec.replicas, 3);
    const precondition = await ctx.kubectl.fails([
      '-n',
      ns,
      'scale',
      'deploy',
      'sc',
      '--current-replicas=2',
      '--replicas=5',
    ]);
    assert.match(precondition.stderr, /Expected replicas to be 2, was 3/, precondition.stderr);
  });

  test('an unknown field is a strict decoding error; --validate=false accepts and drops it', async () => {
    const file = ctx.file('unknown.yaml', configMap(ns, 'strict', { a: '1' }, { bogus: 'field' }));
    const r = await ctx.kubectl.fails(['create', '-f', file]);
    assert.match(r.stderr, /strict decoding error: unknown field "bogus"/, r.stderr);
    const missing = await ctx.kubectl.fails(['-n', ns, 'get', 'cm', 'strict']);
    assert.match(missing.stderr, /not found/, missing.stderr);

    assert.equal((await k(['create', '--validate=false', '-f', file])).trim(), 'configmap/strict created');
    const obj = (await get(ns, 'cm', 'strict')) as Obj & { bogus?: string };
    assert.equal(obj.bogus, undefined);
    assert.deepEqual(obj.data, { a: '1' });

    const warn = await ctx.kubectl.run([
      'apply',
      '--validate=warn',
      '-f',
      ctx.file('warn.yaml', configMap(ns, 'warned', { a: '1' }, { bogus: 'x' })),
    ]);
    assert.equal(warn.code, 0, warn.stderr);
    assert.match(warn.stderr, /Warning: unknown field "bogus"/, warn.stderr);
  });
});
