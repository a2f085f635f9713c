/**
 * Watching and deleting: `get -w`, `wait` (conditions set through the status subresource, delete,
 * jsonpath), namespace deletion, owner references with the three cascade modes, and finalizers.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { eventually, type HubContext, setupHub, sleep, tableRows, teardownHub } from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('watch');
});
after(async () => {
  await teardownHub(ctx);
});

const k = (args: string[]) => ctx.kubectl.ok(args);

interface Meta {
  metadata: {
    name: string;
    uid: string;
    resourceVersion: string;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: { name: string; uid: string }[];
  };
  data?: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: status is inspected field by field
  status?: any;
}

/** `-n ns`, or nothing for cluster-scoped kinds (ns ''). */
const nsArgs = (ns: string) => (ns ? ['-n', ns] : []);

const get = (ns: string, kind: string, name: string) =>
  ctx.kubectl.json<Meta>([...nsArgs(ns), 'get', kind, name]);

/** Resolves true once `kubectl get` answers NotFound for the object. */
async function isGone(ns: string, kind: string, name: string): Promise<boolean> {
  const r = await ctx.kubectl.run([...nsArgs(ns), 'get', kind, name, '-o', 'name']);
  if (r.code === 0) return false;
  assert.match(r.stderr, /NotFound/, r.stderr);
  return true;
}

function apply(name: string, obj: unknown): Promise<string> {
  return k(['apply', '-f', ctx.file(`${name}.yaml`, toYaml(obj))]);
}

describe('get -w', () => {
  const ns = 'w-get';
  before(() => k(['create', 'namespace', ns]));

  test('prints ADDED, MODIFIED and DELETED rows as the object changes', async () => {
    const watch = ctx.kubectl.spawnLines(['-n', ns, 'get', 'configmaps', '--watch', '--output-watch-events']);
    try {
      await k(['-n', ns, 'create', 'configmap', 'w1', '--from-literal=a=1']);
      await watch.waitFor(/^ADDED\s+w1\s+1\s/);
      await k(['-n', ns, 'patch', 'configmap', 'w1', '--type=merge', '-p', '{"data":{"b":"2"}}']);
      await watch.waitFor(/^MODIFIED\s+w1\s+2\s/);
      await k(['-n', ns, 'delete', 'configmap', 'w1']);
      await watch.waitFor(/^DELETED\s+w1\s/);
      const header = watch.lines.find((l) => l.startsWith('EVENT'));
      assert.deepEqual(tableRows(header ?? '')[0], ['EVENT', 'NAME', 'DATA', 'AGE'], watch.lines.join('\n'));
    } finally {
      await watch.kill();
    }
  });

  test('get -w -o name on one object sees its updates', async () => {
    await k(['-n', ns, 'create', 'configmap', 'w2']);
    const watch = ctx.kubectl.spawnLines([
      '-n',
      ns,
      'get',
      'configmap',
      'w2',
      '-w',
      '-o',
      'jsonpath={.metadata.name}:{.data.n}{"\\n"}',
    ]);
    try {
      await watch.waitFor(/^w2:$/);
      for (const n of ['1', '2', '3']) {
        await k([
          '-n',
          ns,
          'patch',
          'configmap',
          'w2',
          '--type=merge',
          '-p',
          JSON.stringify({ data: { n } }),
        ]);
        await watch.waitFor(new RegExp(`^w2:${n}$`));
      }
    } finally {
      await watch.kill();
    }
  });
});

const MARKED = JSON.stringify({
  status: {
    conditions: [
      {
        type: 'Marked',
        status: 'True',
        reason: 'E2E',
        message: 'set by the test',
        lastTransitionTime: '2026-01-01T00:00:00Z',
      },
    ],
  },
});

describe('kubectl wait', () => {
  const ns = 'w-wait';
  before(async () => {
    await k(['create', 'namespace', ns]);
    // A Service: it has a status subresource and no controller writing its status.
    await k(['-n', ns, 'create', 'service', 'clusterip', 'cond', '--tcp=80:80']);
  });

  test('status is written only through the status subresource', async () => {
    const r = await k(['-n', ns, 'patch', 'service', 'cond', '--type=merge', '-p', MARKED]);
    assert.match(r, /patched/);
    assert.equal(
      (await get(ns, 'service', 'cond')).status?.conditions,
      undefined,
      'the main resource must ignore status',
    );
    await k(['-n', ns, 'patch', 'service', 'cond', '--subresource=status', '--type=merge', '-p', MARKED]);
    assert.equal((await get(ns, 'service', 'cond')).status?.conditions?.[0]?.type, 'Marked');
  });

  test('wait --for=condition completes when the condition is set through --subresource=status', async () => {
    const waiting = ctx.kubectl.run(
      ['-n', ns, 'wait', '--for=condition=Available', 'service/cond', '--timeout=20s'],
      { timeoutMs: 30_000 },
    );
    await sleep(1000);
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    const status = {
      status: {
        conditions: [
          {
            type: 'Available',
            status: 'True',
            reason: 'E2E',
            message: 'set by the test',
            lastTransitionTime: now,
          },
        ],
      },
    };
    await k([
      '-n',
      ns,
      'patch',
      'service',
      'cond',
      '--subresource=status',
      '--type=merge',
      '-p',
      JSON.stringify(status),
    ]);
    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'service/cond condition met');
    const again = await k([
      '-n',
      ns,
      'wait',
      '--for=condition=Available=True',
      'service/cond',
      '--timeout=5s',
    ]);
    assert.equal(again.trim(), 'service/cond condition met');
  });

  test('wait --for=condition times out when the condition never comes', async () => {
    const r = await ctx.kubectl.fails([
      '-n',
      ns,
      'wait',
      '--for=condition=Progressing',
      'service/cond',
      '--timeout=2s',
    ]);
    assert.match(r.stderr, /timed out waiting for the condition on services\/cond/, r.stderr);
  });

  test('wait --for=jsonpath', async () => {
    await k(['-n', ns, 'create', 'configmap', 'jp', '--from-literal=state=starting']);
    const waiting = ctx.kubectl.run(
      ['-n', ns, 'wait', '--for=jsonpath={.data.state}=ready', 'configmap/jp', '--timeout=20s'],
      { timeoutMs: 30_000 },
    );
    await sleep(1000);
    await k(['-n', ns, 'patch', 'configmap', 'jp', '--type=merge', '-p', '{"data":{"state":"ready"}}']);
    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'configmap/jp condition met');
  });

  test('wait --for=delete', async () => {
    await k(['-n', ns, 'create', 'configmap', 'doomed']);
    const waiting = ctx.kubectl.run(['-n', ns, 'wait', '--for=delete', 'configmap/doomed', '--timeout=20s'], {
      timeoutMs: 30_000,
    });
    await sleep(1000);
    await k(['-n', ns, 'delete', 'configmap', 'doomed', '--wait=false']);
    const r = await waiting;
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'configmap/doomed condition met');
  });
});

describe('namespace deletion', () => {
  test('deleting a namespace deletes its contents, then the namespace', async () => {
    const ns = 'w-doomed-ns';
    await k(['create', 'namespace', ns]);
    await k(['-n', ns, 'create', 'configmap', 'c1']);
    await k(['-n', ns, 'create', 'secret', 'generic', 's1', '--from-literal=a=b']);
    await k(['-n', ns, 'create', 'deployment', 'd1', '--image=nginx']);
    const out = await k(['delete', 'namespace', ns, '--timeout=30s']);
    assert.equal(out.trim(), `namespace "${ns}" deleted`);
    // kubectl delete waits for the object to be gone by default.
    const r = await ctx.kubectl.fails(['get', 'namespace', ns]);
    assert.match(
      r.stderr,
      new RegExp(`Error from server \\(NotFound\\): namespaces "${ns}" not found`),
      r.stderr,
    );
    for (const path of [
      `/api/v1/namespaces/${ns}/configmaps`,
      `/api/v1/namespaces/${ns}/secrets`,
      `/apis/apps/v1/namespaces/${ns}/deployments`,
    ]) {
      const list = JSON.parse(await k(['get', '--raw', path])) as { items: unknown[] };
      assert.deepEqual(list.items, [], `${path} still has items`);
    }
    // The name can be reused at once.
    await k(['create', 'namespace', ns]);
    assert.deepEqual(
      JSON.parse(await k(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps`])).items.filter(
        (i: Meta) => i.metadata.name === 'c1',
      ),
      [],
    );
  });

  test('a terminating namespace refuses new objects', async () => {
    const ns = 'w-terminating';
    await k(['create', 'namespace', ns]);
    await apply('terminating-holder', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'holder', namespace: ns, finalizers: ['example.minato.dev/hold'] },
    });
    await k(['delete', 'namespace', ns, '--wait=false']);
    await eventually(
      'namespace phase Terminating',
      async () => (await get('', 'namespace', ns)).status?.phase === 'Terminating',
    );
    const r = await ctx.kubectl.fails(['-n', ns, 'create', 'configmap', 'late']);
    assert.match(
      r.stderr,
      new RegExp(`unable to create new content in namespace ${ns} because it is being terminated`),
      r.stderr,
    );
    const raw = await ctx.api.json(`/api/v1/namespaces/${ns}/configmaps`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'late' },
    });
    assert.equal(raw.status, 403, raw.text);
    assert.equal(raw.body.reason, 'Forbidden', raw.text);
    await k([
      '-n',
      ns,
      'patch',
      'configmap',
      'holder',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await eventually(`namespace ${ns} gone`, () => isGone('', 'namespace', ns), 20_000);
  });
});

describe('owner references and cascading deletion', () => {
  const ns = 'w-owners';
  before(() => k(['create', 'namespace', ns]));

  async function ownerAndDependent(
    owner: string,
    dependent: string,
    dependentExtra: Record<string, unknown> = {},
  ) {
    await k(['-n', ns, 'create', 'configmap', owner]);
    const uid = (await get(ns, 'cm', owner)).metadata.uid;
    await apply(dependent, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: dependent,
        namespace: ns,
        ownerReferences: [
          { apiVersion: 'v1', kind: 'ConfigMap', name: owner, uid, blockOwnerDeletion: true },
        ],
        ...dependentExtra,
      },
      data: { owned: 'by-owner' },
    });
    assert.equal((await get(ns, 'cm', dependent)).metadata.ownerReferences?.[0]?.uid, uid);
    return uid;
  }

  test('background (default): deleting the owner deletes the dependent', async () => {
    await ownerAndDependent('owner-bg', 'dep-bg');
    await k(['-n', ns, 'delete', 'cm', 'owner-bg']);
    assert.ok(await isGone(ns, 'cm', 'owner-bg'));
    await eventually('dependent dep-bg deleted by the garbage collector', () => isGone(ns, 'cm', 'dep-bg'));
  });

  test('--cascade=orphan keeps the dependent and strips its ownerReference', async () => {
    await ownerAndDependent('owner-orphan', 'dep-orphan');
    await k(['-n', ns, 'delete', 'cm', 'owner-orphan', '--cascade=orphan']);
    await eventually('owner-orphan gone', () => isGone(ns, 'cm', 'owner-orphan'));
    const dep = await eventually('dep-orphan without ownerReferences', async () => {
      const d = await get(ns, 'cm', 'dep-orphan');
      return (d.metadata.ownerReferences ?? []).length === 0 ? d : undefined;
    });
    assert.equal(dep.data?.owned, 'by-owner');
    await sleep(1500);
    assert.equal(await isGone(ns, 'cm', 'dep-orphan'), false, 'the orphaned dependent was deleted later');
  });

  test('--cascade=foreground: the owner waits for its blocking dependent', async () => {
    await ownerAndDependent('owner-fg', 'dep-fg', { finalizers: ['example.minato.dev/hold'] });
    await k(['-n', ns, 'delete', 'cm', 'owner-fg', '--cascade=foreground', '--wait=false']);
    const owner = await get(ns, 'cm', 'owner-fg');
    assert.ok(owner.metadata.deletionTimestamp, 'owner has a deletionTimestamp');
    assert.ok(owner.metadata.finalizers?.includes('foregroundDeletion'), JSON.stringify(owner.metadata));
    await eventually('dependent dep-fg marked for deletion', async () =>
      Boolean((await get(ns, 'cm', 'dep-fg')).metadata.deletionTimestamp),
    );
    await sleep(1000);
    assert.equal(await isGone(ns, 'cm', 'owner-fg'), false, 'the owner went before its blocking dependent');
    await k([
      '-n',
      ns,
      'patch',
      'cm',
      'dep-fg',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await eventually('dep-fg gone', () => isGone(ns, 'cm', 'dep-fg'));
    await eventually('owner-fg gone after its dependent', () => isGone(ns, 'cm', 'owner-fg'));
  });

  test('a dependent whose owner does not exist is collected', async () => {
    await apply('dangling', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: 'dangling',
        namespace: ns,
        ownerReferences: [
          {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            name: 'never-existed',
            uid: '00000000-0000-4000-8000-000000000001',
          },
        ],
      },
    });
    await eventually('dangling dependent collected', () => isGone(ns, 'cm', 'dangling'), 20_000);
  });
});

describe('finalizers', () => {
  const ns = 'w-final';
  before(() => k(['create', 'namespace', ns]));

  test('a finalizer holds a deleted object until it is removed', async () => {
    await apply('fin', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fin', namespace: ns, finalizers: ['example.minato.dev/hold'] },
      data: { a: '1' },
    });
    const out = await k(['-n', ns, 'delete', 'cm', 'fin', '--wait=false']);
    assert.equal(out.trim(), 'configmap "fin" deleted');
    const held = await get(ns, 'cm', 'fin');
    assert.ok(held.metadata.deletionTimestamp, JSON.stringify(held.metadata));
    assert.deepEqual(held.metadata.finalizers, ['example.minato.dev/hold']);

    // Still writable while terminating.
    await k(['-n', ns, 'patch', 'cm', 'fin', '--type=merge', '-p', '{"data":{"a":"2"}}']);
    assert.equal((await get(ns, 'cm', 'fin')).data?.a, '2');

    // A second delete keeps the original deletionTimestamp.
    await k(['-n', ns, 'delete', 'cm', 'fin', '--wait=false']);
    assert.equal((await get(ns, 'cm', 'fin')).metadata.deletionTimestamp, held.metadata.deletionTimestamp);

    await k([
      '-n',
      ns,
      'patch',
      'cm',
      'fin',
      '--type=json',
      '-p',
      '[{"op":"remove","path":"/metadata/finalizers"}]',
    ]);
    await eventually('fin gone once its finalizer is removed', () => isGone(ns, 'cm', 'fin'));
  });

  test('no new finalizers may be added to an object that is being deleted', async () => {
    await apply('fin3', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fin3', namespace: ns, finalizers: ['example.minato.dev/hold'] },
    });
    await k(['-n', ns, 'delete', 'cm', 'fin3', '--wait=false']);
    try {
      const added = await ctx.kubectl.run([
        '-n',
        ns,
        'patch',
        'cm',
        'fin3',
        '--type=json',
        '-p',
        '[{"op":"add","path":"/metadata/finalizers/-","value":"example.minato.dev/another"}]',
      ]);
      assert.notEqual(added.code, 0, `adding a finalizer to a deleting object was accepted: ${added.stdout}`);
      assert.match(
        added.stderr,
        /Forbidden: no new finalizers can be added if the object is being deleted/,
        added.stderr,
      );
    } finally {
      await k(['-n', ns, 'patch', 'cm', 'fin3', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    }
    await eventually('fin3 gone', () => isGone(ns, 'cm', 'fin3'));
  });

  test('kubectl delete waits for finalizers (and times out while one is held)', async () => {
    await apply('fin2', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'fin2', namespace: ns, finalizers: ['example.minato.dev/hold'] },
    });
    const r = await ctx.kubectl.fails(['-n', ns, 'delete', 'cm', 'fin2', '--timeout=2s']);
    assert.match(r.stderr, /timed out waiting for the condition/, r.stderr);
    await k(['-n', ns, 'patch', 'cm', 'fin2', '--type=merge', '-p', '{"metadata":{"finalizers":null}}']);
    await eventually('fin2 gone', () => isGone(ns, 'cm', 'fin2'));
  });
});
