/**
 * Everyday kubectl against a real hub: tables, output formats, describe, the create generators,
 * labels and annotations, selectors, pagination and delete.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { type HubContext, setupHub, tableHeader, tableRows, teardownHub } from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('basics');
});
after(async () => {
  await teardownHub(ctx);
});

const k = (args: string[]) => ctx.kubectl.ok(args);

async function namespace(name: string): Promise<void> {
  await k(['create', 'namespace', name]);
}

describe('tables and discovery', () => {
  test('get ns shows default and kube-system as an Active table', async () => {
    const out = await k(['get', 'ns']);
    assert.deepEqual(tableHeader(out), ['NAME', 'STATUS', 'AGE'], out);
    const rows = tableRows(out).slice(1);
    for (const name of ['default', 'kube-system']) {
      const row = rows.find((r) => r[0] === name);
      assert.ok(row, `no row for ${name} in:\n${out}`);
      assert.equal(row[1], 'Active', out);
      assert.match(row[2]!, /^\d+[smhd]/, out);
    }
  });

  test('api-resources lists pods, deployments, leases and CRDs with short names and groups', async () => {
    const out = await k(['api-resources']);
    assert.deepEqual(tableHeader(out), ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'], out);
    const line = (re: RegExp) => assert.match(out, re, `api-resources is missing ${re}:\n${out}`);
    line(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    line(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment$/m);
    line(/^leases\s+coordination\.k8s\.io\/v1\s+true\s+Lease$/m);
    line(
      /^customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io\/v1\s+false\s+CustomResourceDefinition$/m,
    );
    line(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    // -o name prints resource.group
    const names = await k(['api-resources', '-o', 'name']);
    assert.match(names, /^deployments\.apps$/m, names);
    assert.match(names, /^configmaps$/m, names);
  });

  test('api-versions lists the served group versions', async () => {
    const out = await k(['api-versions']);
    for (const gv of ['v1', 'apps/v1', 'coordination.k8s.io/v1', 'apiextensions.k8s.io/v1']) {
      assert.match(out, new RegExp(`^${gv.replace(/[./]/g, '\\$&')}$`, 'm'), out);
    }
  });
});

describe('output formats for one configmap', () => {
  const ns = 'b-fmt';
  before(async () => {
    await namespace(ns);
    await k(['-n', ns, 'create', 'configmap', 'fmt', '--from-literal=a=1', '--from-literal=b=two']);
    await k(['-n', ns, 'label', 'configmap', 'fmt', 'app=web']);
  });

  test('default table: NAME DATA AGE', async () => {
    const out = await k(['-n', ns, 'get', 'configmap', 'fmt']);
    assert.deepEqual(tableHeader(out), ['NAME', 'DATA', 'AGE'], out);
    const row = tableRows(out)[1]!;
    assert.equal(row[0], 'fmt');
    assert.equal(row[1], '2', out);
  });

  test('-o yaml and -o json carry the object with server-set metadata', async () => {
    for (const format of ['yaml', 'json']) {
      const out = await k(['-n', ns, 'get', 'configmap', 'fmt', '-o', format]);
      const obj = (format === 'yaml' ? parseYaml(out) : JSON.parse(out)) as {
        apiVersion: string;
        kind: string;
        data: Record<string, string>;
        metadata: Record<string, unknown>;
      };
      assert.equal(obj.apiVersion, 'v1', out);
      assert.equal(obj.kind, 'ConfigMap', out);
      assert.deepEqual(obj.data, { a: '1', b: 'two' }, out);
      assert.equal(obj.metadata.name, 'fmt');
      assert.equal(obj.metadata.namespace, ns);
      assert.deepEqual(obj.metadata.labels, { app: 'web' }, out);
      assert.match(String(obj.metadata.uid), /^[0-9a-f-]{36}$/, out);
      assert.match(String(obj.metadata.resourceVersion), /^\d+$/, out);
      assert.match(String(obj.metadata.creationTimestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, out);
    }
  });

  test('-o name', async () => {
    assert.equal(await k(['-n', ns, 'get', 'configmap', 'fmt', '-o', 'name']), 'configmap/fmt\n');
  });

  test('-o wide', async () => {
    const out = await k(['-n', ns, 'get', 'configmap', 'fmt', '-o', 'wide']);
    assert.deepEqual(tableHeader(out), ['NAME', 'DATA', 'AGE'], out);
    assert.equal(tableRows(out)[1]![0], 'fmt');
  });

  test('-o jsonpath', async () => {
    assert.equal(await k(['-n', ns, 'get', 'configmap', 'fmt', '-o', 'jsonpath={.data.a}']), '1');
    assert.equal(
      await k(['-n', ns, 'get', 'configmap', '-o', 'jsonpath={.items[*].metadata.name}']),
      (await allNames(ns)).join(' '),
    );
  });

  test('-o custom-columns', async () => {
    const out = await k([
      '-n',
      ns,
      'get',
      'configmap',
      'fmt',
      '-o',
      'custom-columns=NAME:.metadata.name,A:.data.a,APP:.metadata.labels.app',
    ]);
    assert.deepEqual(tableRows(out), [
      ['NAME', 'A', 'APP'],
      ['fmt', '1', 'web'],
    ]);
  });

  test('--show-labels and -L', async () => {
    const shown = await k(['-n', ns, 'get', 'configmap', 'fmt', '--show-labels']);
    assert.deepEqual(tableHeader(shown), ['NAME', 'DATA', 'AGE', 'LABELS'], shown);
    assert.equal(tableRows(shown)[1]![3], 'app=web', shown);
    const col = await k(['-n', ns, 'get', 'configmap', 'fmt', '-L', 'app,missing']);
    assert.deepEqual(tableHeader(col), ['NAME', 'DATA', 'AGE', 'APP', 'MISSING'], col);
    assert.equal(tableRows(col)[1]![3], 'web', col);
  });

  test('describe configmap', async () => {
    const out = await k(['-n', ns, 'describe', 'configmap', 'fmt']);
    assert.match(out, /^Name:\s+fmt$/m, out);
    assert.match(out, new RegExp(`^Namespace:\\s+${ns}$`, 'm'), out);
    assert.match(out, /^Labels:\s+app=web$/m, out);
    assert.match(out, /^Data\n====\n/m, out);
    assert.match(out, /^a:\n----\n1\n/m, out);
    assert.match(out, /^b:\n----\ntwo\n/m, out);
    assert.match(out, /^Events:\s+<none>$/m, out);
  });

  test('describe namespace', async () => {
    const out = await k(['describe', 'namespace', ns]);
    assert.match(out, new RegExp(`^Name:\\s+${ns}$`, 'm'), out);
    assert.match(out, /^Status:\s+Active$/m, out);
    // Kubernetes labels every namespace with its own name.
    assert.match(out, new RegExp(`kubernetes\\.io/metadata\\.name=${ns}`), out);
  });
});

async function allNames(ns: string): Promise<string[]> {
  const list = await ctx.kubectl.json<{ items: { metadata: { name: string } }[] }>([
    '-n',
    ns,
    'get',
    'configmap',
  ]);
  return list.items.map((i) => i.metadata.name);
}

describe('create generators', () => {
  const ns = 'b-create';
  before(() => namespace(ns));

  test('create namespace', async () => {
    const out = await k(['create', 'namespace', 'b-created-ns']);
    assert.equal(out.trim(), 'namespace/b-created-ns created');
    const obj = await ctx.kubectl.json<{
      status: { phase: string };
      metadata: { labels: Record<string, string> };
    }>(['get', 'namespace', 'b-created-ns']);
    assert.equal(obj.status.phase, 'Active');
    assert.equal(obj.metadata.labels['kubernetes.io/metadata.name'], 'b-created-ns');
  });

  test('create configmap --from-literal', async () => {
    const out = await k([
      '-n',
      ns,
      'create',
      'configmap',
      'lit',
      '--from-literal=greeting=hello world',
      '--from-literal=n=42',
    ]);
    assert.equal(out.trim(), 'configmap/lit created');
    const obj = await ctx.kubectl.json<{ data: Record<string, string> }>(['-n', ns, 'get', 'cm', 'lit']);
    assert.deepEqual(obj.data, { greeting: 'hello world', n: '42' });
  });

  test('create configmap --from-file', async () => {
    const path = ctx.file('settings.ini', '[core]\nname = minato\n');
    await k(['-n', ns, 'create', 'configmap', 'fromfile', `--from-file=${path}`]);
    assert.equal(
      await k(['-n', ns, 'get', 'cm', 'fromfile', '-o', 'jsonpath={.data.settings\\.ini}']),
      '[core]\nname = minato\n',
    );
  });

  test('create secret generic stores base64 data of type Opaque', async () => {
    const out = await k([
      '-n',
      ns,
      'create',
      'secret',
      'generic',
      'creds',
      '--from-literal=password=s3cr3t',
      '--from-literal=user=admin',
    ]);
    assert.equal(out.trim(), 'secret/creds created');
    const obj = await ctx.kubectl.json<{ type: string; data: Record<string, string> }>([
      '-n',
      ns,
      'get',
      'secret',
      'creds',
    ]);
    assert.equal(obj.type, 'Opaque');
    assert.equal(Buffer.from(obj.data.password!, 'base64').toString(), 's3cr3t');
    assert.equal(Buffer.from(obj.data.user!, 'base64').toString(), 'admin');
    const table = await k(['-n', ns, 'get', 'secret', 'creds']);
    assert.deepEqual(tableHeader(table), ['NAME', 'TYPE', 'DATA', 'AGE'], table);
    assert.deepEqual(tableRows(table)[1]!.slice(0, 3), ['creds', 'Opaque', '2'], table);
  });

  test('create deployment, then get deploy shows READY UP-TO-DATE AVAILABLE AGE', async () => {
    const out = await k(['-n', ns, 'create', 'deployment', 'web', '--image=nginx']);
    assert.equal(out.trim(), 'deployment.apps/web created');
    const table = await k(['-n', ns, 'get', 'deploy']);
    assert.deepEqual(tableHeader(table), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], table);
    const row = tableRows(table).find((r) => r[0] === 'web');
    assert.ok(row, table);
    assert.match(row[1]!, /^\d+\/1$/, table);
    assert.match(row[2]!, /^\d+$/, table);
    assert.match(row[3]!, /^\d+$/, table);
    const wide = await k(['-n', ns, 'get', 'deploy', 'web', '-o', 'wide']);
    assert.deepEqual(
      tableHeader(wide),
      ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
      wide,
    );
    assert.deepEqual(tableRows(wide)[1]!.slice(5), ['nginx', 'nginx', 'app=web'], wide);
  });

  test('a created deployment carries the Kubernetes defaults', async () => {
    await k(['-n', ns, 'create', 'deployment', 'defaults', '--image=nginx:1.27']);
    const d = await ctx.kubectl.json<{
      spec: {
        replicas: number;
        revisionHistoryLimit: number;
        progressDeadlineSeconds: number;
        strategy: { type?: string; rollingUpdate?: unknown };
        template: {
          spec: {
            restartPolicy: string;
            containers: { imagePullPolicy: string; terminationMessagePath: string }[];
          };
        };
      };
    }>(['-n', ns, 'get', 'deploy', 'defaults']);
    assert.equal(d.spec.replicas, 1);
    assert.deepEqual(
      d.spec.strategy,
      { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
      JSON.stringify(d.spec),
    );
    assert.equal(d.spec.revisionHistoryLimit, 10, JSON.stringify(d.spec));
    assert.equal(d.spec.progressDeadlineSeconds, 600, JSON.stringify(d.spec));
    assert.equal(d.spec.template.spec.restartPolicy, 'Always', JSON.stringify(d.spec));
    assert.equal(d.spec.template.spec.containers[0]!.imagePullPolicy, 'IfNotPresent', JSON.stringify(d.spec));
  });
});

describe('other kinds and verbs', () => {
  const ns = 'b-other';
  before(() => namespace(ns));

  test('get all lists the kinds in the "all" category', async () => {
    await k(['-n', ns, 'create', 'deployment', 'allme', '--image=nginx']);
    await k(['-n', ns, 'create', 'configmap', 'not-in-all']);
    const out = await k(['-n', ns, 'get', 'all', '-o', 'name']);
    assert.match(out, /^deployment\.apps\/allme$/m, out);
    assert.doesNotMatch(out, /configmap/, out);
  });

  test('a Lease prints HOLDER', async () => {
    const lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: 'leader', namespace: ns },
      spec: { holderIdentity: 'node-a', leaseDurationSeconds: 15 },
    };
    await k(['apply', '-f', ctx.file('lease.json', JSON.stringify(lease))]);
    const out = await k(['-n', ns, 'get', 'leases']);
    assert.deepEqual(tableHeader(out), ['NAME', 'HOLDER', 'AGE'], out);
    assert.deepEqual(tableRows(out)[1]!.slice(0, 2), ['leader', 'node-a'], out);
  });

  test('auth can-i and auth whoami answer for the admin', async () => {
    assert.equal((await k(['auth', 'can-i', 'create', 'deployments', '-n', ns])).trim(), 'yes');
    assert.equal((await k(['auth', 'can-i', '*', '*'])).trim(), 'yes');
    const who = await ctx.kubectl.json<{
      kind: string;
      status: { userInfo: { username: string; groups: string[] } };
    }>(['auth', 'whoami']);
    assert.equal(who.kind, 'SelfSubjectReview');
    assert.ok(who.status.userInfo.username, JSON.stringify(who));
    assert.ok(who.status.userInfo.groups.includes('system:masters'), JSON.stringify(who));
    assert.ok(who.status.userInfo.groups.includes('system:authenticated'), JSON.stringify(who));
  });
});

describe('labels and annotations', () => {
  const ns = 'b-label';
  before(async () => {
    await namespace(ns);
    await k(['-n', ns, 'create', 'configmap', 'l1']);
  });

  test('label: add, refuse to overwrite, --overwrite, remove', async () => {
    assert.equal((await k(['-n', ns, 'label', 'cm', 'l1', 'color=red'])).trim(), 'configmap/l1 labeled');
    const refused = await ctx.kubectl.fails(['-n', ns, 'label', 'cm', 'l1', 'color=blue']);
    assert.match(
      refused.stderr,
      /'color' already has a value \(red\), and --overwrite is false/,
      refused.stderr,
    );
    assert.equal(await k(['-n', ns, 'get', 'cm', 'l1', '-o', 'jsonpath={.metadata.labels.color}']), 'red');
    await k(['-n', ns, 'label', 'cm', 'l1', 'color=blue', '--overwrite']);
    assert.equal(await k(['-n', ns, 'get', 'cm', 'l1', '-o', 'jsonpath={.metadata.labels.color}']), 'blue');
    assert.equal((await k(['-n', ns, 'label', 'cm', 'l1', 'color-'])).trim(), 'configmap/l1 unlabeled');
    const obj = await ctx.kubectl.json<{ metadata: { labels?: Record<string, string> } }>([
      '-n',
      ns,
      'get',
      'cm',
      'l1',
    ]);
    assert.equal(obj.metadata.labels?.color, undefined, JSON.stringify(obj.metadata));
  });

  test('annotate: add, refuse to overwrite, --overwrite, remove', async () => {
    assert.equal((await k(['-n', ns, 'annotate', 'cm', 'l1', 'note=hi'])).trim(), 'configmap/l1 annotated');
    const refused = await ctx.kubectl.fails(['-n', ns, 'annotate', 'cm', 'l1', 'note=bye']);
    assert.match(refused.stderr, /'note' already has a value \(hi\)/, refused.stderr);
    await k(['-n', ns, 'annotate', 'cm', 'l1', 'note=bye', '--overwrite']);
    assert.equal(
      await k(['-n', ns, 'get', 'cm', 'l1', '-o', 'jsonpath={.metadata.annotations.note}']),
      'bye',
    );
    await k(['-n', ns, 'annotate', 'cm', 'l1', 'note-']);
    const obj = await ctx.kubectl.json<{ metadata: { annotations?: Record<string, string> } }>([
      '-n',
      ns,
      'get',
      'cm',
      'l1',
    ]);
    assert.equal(obj.metadata.annotations?.note, undefined, JSON.stringify(obj.metadata));
  });
});

describe('selectors and pagination', () => {
  const ns = 'b-select';
  before(async () => {
    await namespace(ns);
    for (const [name, tier] of [
      ['front-1', 'front'],
      ['front-2', 'front'],
      ['back-1', 'back'],
      ['none-1', ''],
    ] as const) {
      await k(['-n', ns, 'create', 'configmap', name, '--from-literal=x=1']);
      if (tier) await k(['-n', ns, 'label', 'cm', name, `tier=${tier}`]);
    }
  });

  const names = async (...args: string[]) =>
    (await k(['-n', ns, 'get', 'cm', '-o', 'name', ...args])).split('\n').filter(Boolean).sort();

  test('get -l with equality and set-based selectors', async () => {
    assert.deepEqual(await names('-l', 'tier=front'), ['configmap/front-1', 'configmap/front-2']);
    assert.deepEqual(await names('-l', 'tier!=front,tier'), ['configmap/back-1']);
    assert.deepEqual(await names('-l', 'tier in (front,back)'), [
      'configmap/back-1',
      'configmap/front-1',
      'configmap/front-2',
    ]);
    assert.deepEqual(await names('-l', 'tier notin (front),tier'), ['configmap/back-1']);
    const without = await names('-l', '!tier');
    assert.ok(without.includes('configmap/none-1'), without.join(','));
    assert.ok(!without.some((n) => n.includes('front') || n.includes('back')), without.join(','));
  });

  test('--field-selector on metadata.name', async () => {
    assert.deepEqual(await names('--field-selector', 'metadata.name=back-1'), ['configmap/back-1']);
    const others = await names('--field-selector', 'metadata.name!=back-1');
    assert.ok(!others.includes('configmap/back-1') && others.includes('configmap/front-1'), others.join(','));
    const all = (await k(['get', 'cm', '-A', '--field-selector', `metadata.namespace=${ns}`, '-o', 'name']))
      .split('\n')
      .filter(Boolean);
    assert.ok(all.includes('configmap/front-2') && all.length >= 4, all.join(','));
  });

  test('an unsupported field selector is a BadRequest', async () => {
    // Kinds without their own field labels only know metadata.name and metadata.namespace...
    const r = await ctx.kubectl.fails(['-n', ns, 'get', 'cm', '--field-selector', 'data.x=1']);
    assert.match(r.stderr, /Error from server \(BadRequest\)/, r.stderr);
    assert.match(
      r.stderr,
      /"data\.x" is not a known field selector: only "metadata\.name", "metadata\.namespace"/,
      r.stderr,
    );
    // ...kinds with their own (pods) say the label is not supported.
    const pods = await ctx.kubectl.fails(['-n', ns, 'get', 'pods', '--field-selector', 'spec.bogus=1']);
    assert.match(pods.stderr, /field label not supported: spec\.bogus/, pods.stderr);
    // A supported pod field label works.
    const ok = await ctx.kubectl.run(['-n', ns, 'get', 'pods', '--field-selector', 'status.phase=Running']);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('--chunk-size=1 pages through every object with continue tokens', async () => {
    const r = await ctx.kubectl.run([
      '-n',
      ns,
      'get',
      'cm',
      '-l',
      'tier',
      '--chunk-size=1',
      '-o',
      'name',
      '-v=6',
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').filter(Boolean).sort(), [
      'configmap/back-1',
      'configmap/front-1',
      'configmap/front-2',
    ]);
    const pages = r.stderr.split('\n').filter((l) => /GET https:\S+\/configmaps\?\S*limit=1/.test(l));
    assert.equal(pages.length, 3, `expected 3 page requests, got:\n${pages.join('\n')}`);
    assert.equal(pages.filter((l) => /continue=/.test(l)).length, 2, pages.join('\n'));
    // The table path pages too.
    const table = await k(['-n', ns, 'get', 'cm', '-l', 'tier', '--chunk-size=1']);
    assert.deepEqual(
      tableRows(table)
        .slice(1)
        .map((r) => r[0])
        .sort(),
      ['back-1', 'front-1', 'front-2'],
      table,
    );
  });

  test('list with limit returns a continue token the next page accepts', async () => {
    const first = JSON.parse(await k(['get', '--raw', `/api/v1/namespaces/${ns}/configmaps?limit=2`])) as {
      items: { metadata: { name: string } }[];
      metadata: { continue?: string; remainingItemCount?: number; resourceVersion: string };
    };
    assert.equal(first.items.length, 2);
    assert.ok(first.metadata.continue, JSON.stringify(first.metadata));
    const second = JSON.parse(
      await k([
        'get',
        '--raw',
        `/api/v1/namespaces/${ns}/configmaps?limit=100&continue=${encodeURIComponent(first.metadata.continue)}`,
      ]),
    ) as { items: { metadata: { name: string } }[]; metadata: { continue?: string } };
    const seen = [...first.items, ...second.items].map((i) => i.metadata.name);
    assert.equal(new Set(seen).size, seen.length, `pages overlap: ${seen.join(',')}`);
    for (const n of ['front-1', 'front-2', 'back-1', 'none-1']) assert.ok(seen.includes(n), seen.join(','));
    assert.ok(!second.metadata.continue, JSON.stringify(second.metadata));
  });
});

describe('delete', () => {
  const ns = 'b-delete';
  before(async () => {
    await namespace(ns);
    for (const name of ['d1', 'd2', 'd3', 'g1', 'g2', 'keep'])
      await k(['-n', ns, 'create', 'configmap', name]);
    await k(['-n', ns, 'label', 'cm', 'g1', 'g2', 'group=gone']);
  });

  test('delete one object', async () => {
    assert.equal((await k(['-n', ns, 'delete', 'cm', 'd1'])).trim(), 'configmap "d1" deleted');
    const r = await ctx.kubectl.fails(['-n', ns, 'get', 'cm', 'd1']);
    assert.match(r.stderr, /Error from server \(NotFound\): configmaps "d1" not found/, r.stderr);
  });

  test('delete -l deletes exactly the selected objects', async () => {
    const out = await k(['-n', ns, 'delete', 'cm', '-l', 'group=gone']);
    assert.deepEqual(out.trim().split('\n').sort(), ['configmap "g1" deleted', 'configmap "g2" deleted']);
    const left = await allNames(ns);
    assert.ok(!left.includes('g1') && !left.includes('g2') && left.includes('keep'), left.join(','));
  });

  test('--ignore-not-found', async () => {
    const r = await ctx.kubectl.run(['-n', ns, 'delete', 'cm', 'never-there', '--ignore-not-found']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), '');
    const plain = await ctx.kubectl.fails(['-n', ns, 'delete', 'cm', 'never-there']);
    assert.match(
      plain.stderr,
      /Error from server \(NotFound\): configmaps "never-there" not found/,
      plain.stderr,
    );
  });

  test('delete --all empties the namespace of that kind', async () => {
    const out = await k(['-n', ns, 'delete', 'cm', '--all']);
    for (const name of ['d2', 'd3', 'keep'])
      assert.match(out, new RegExp(`^configmap "${name}" deleted$`, 'm'), out);
    // kube-root-ca.crt is republished by a controller in Kubernetes; everything else must be gone.
    const left = (await allNames(ns)).filter((n) => n !== 'kube-root-ca.crt');
    assert.deepEqual(left, []);
  });
});
