/**
 * Every kubectl minor the hub promises to serve, each with its own discovery cache: 1.29-1.33 run a
 * full create/apply/get/delete round; 1.27 and 1.28 (which negotiate v2beta1 aggregated discovery and
 * would want OpenAPI v2 for validation) run the commands that need neither.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { type Kubectl, kubectlOnPath, versionedKubectl } from './support/kubectl.js';
import { type HubContext, setupHub, tableHeader, tableRows, teardownHub } from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('versions');
});
after(async () => {
  await teardownHub(ctx);
});

const FULL = [29, 30, 31, 32, 33];
const LEGACY = [27, 28];

/** Binaries found beside the kubectl on PATH; an Error (reported by a failing test) when there is no kubectl at all. */
function find(minors: number[]): { found: Map<number, string>; error?: Error } {
  const found = new Map<number, string>();
  try {
    kubectlOnPath();
  } catch (err) {
    return { found, error: err as Error };
  }
  for (const minor of minors) {
    const path = versionedKubectl(minor);
    if (path) found.set(minor, path);
  }
  return { found };
}

const full = find(FULL);
const legacy = find(LEGACY);

function clientMinor(binary: string): string {
  const out = execFileSync(binary, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  return (JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor.replace(/\D.*$/, '');
}

test('versioned kubectl binaries 1.29-1.33 are present', () => {
  if (full.error) throw full.error;
  assert.ok(
    full.found.size > 0,
    `none of kubectl.1.29 ... kubectl.1.33 found beside the kubectl on PATH (${kubectlOnPath()}); install them next to its real path`,
  );
});

function versioned(minor: number, binary: string): Kubectl {
  return ctx.kubectl.withBinary(binary, ctx.freshDir(`cache-1.${minor}`));
}

for (const [minor, binary] of full.found) {
  describe(`kubectl 1.${minor}`, () => {
    const ns = `v-1-${minor}`;
    let kc: Kubectl;
    before(() => {
      kc = versioned(minor, binary);
    });

    test('is the version it claims', () => {
      assert.equal(clientMinor(binary), String(minor));
    });

    test('get ns', async () => {
      const out = await kc.ok(['get', 'ns']);
      assert.deepEqual(tableHeader(out), ['NAME', 'STATUS', 'AGE'], out);
      assert.ok(
        tableRows(out).some((r) => r[0] === 'kube-system' && r[1] === 'Active'),
        out,
      );
    });

    test('create namespace and configmap (protobuf bodies from 1.32 on)', async () => {
      assert.equal((await kc.ok(['create', 'namespace', ns])).trim(), `namespace/${ns} created`);
      const created = await kc.run([
        '-n',
        ns,
        'create',
        'configmap',
        'cm',
        `--from-literal=minor=${minor}`,
        '-v=8',
      ]);
      assert.equal(created.code, 0, created.stderr);
      assert.equal(created.stdout.trim(), 'configmap/cm created');
      if (minor >= 32) {
        // The hub answers JSON, so a protobuf Content-Type in the log can only be the request body's.
        assert.match(
          created.stderr,
          /Content-Type: application\/vnd\.kubernetes\.protobuf/,
          'kubectl did not send protobuf',
        );
      }
      assert.equal(await kc.ok(['-n', ns, 'get', 'cm', 'cm', '-o', 'jsonpath={.data.minor}']), String(minor));
      await kc.ok(['-n', ns, 'create', 'secret', 'generic', 'sec', '--from-literal=k=v']);
      assert.equal(
        await kc.ok(['-n', ns, 'get', 'secret', 'sec', '-o', 'jsonpath={.data.k}']),
        Buffer.from('v').toString('base64'),
      );
    });

    test('apply -f a deployment, get deploy -o wide', async () => {
      const file = ctx.file(
        `deploy-1.${minor}.yaml`,
        toYaml({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'web', namespace: ns },
          spec: {
            replicas: 2,
            selector: { matchLabels: { app: 'web' } },
            template: {
              metadata: { labels: { app: 'web' } },
              spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] },
            },
          },
        }),
      );
      assert.equal((await kc.ok(['apply', '-f', file])).trim(), 'deployment.apps/web created');
      assert.equal((await kc.ok(['apply', '-f', file])).trim(), 'deployment.apps/web unchanged');
      const wide = await kc.ok(['-n', ns, 'get', 'deploy', '-o', 'wide']);
      assert.deepEqual(
        tableHeader(wide),
        ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR'],
        wide,
      );
      const row = tableRows(wide)[1]!;
      assert.equal(row[0], 'web');
      assert.match(row[1]!, /^\d+\/2$/, wide);
      assert.deepEqual(row.slice(5), ['nginx', 'nginx:1.27', 'app=web'], wide);
    });

    test('delete', async () => {
      assert.equal(
        (await kc.ok(['-n', ns, 'delete', 'deploy', 'web'])).trim(),
        'deployment.apps "web" deleted',
      );
      assert.equal((await kc.ok(['-n', ns, 'delete', 'cm', 'cm'])).trim(), 'configmap "cm" deleted');
      const r = await kc.fails(['-n', ns, 'get', 'deploy', 'web']);
      assert.match(r.stderr, /Error from server \(NotFound\): deployments\.apps "web" not found/, r.stderr);
      assert.equal(
        (await kc.ok(['delete', 'namespace', ns, '--timeout=30s'])).trim(),
        `namespace "${ns}" deleted`,
      );
    });
  });
}

for (const minor of LEGACY) {
  describe(`kubectl 1.${minor} (aggregated discovery v2beta1)`, () => {
    const binary = legacy.found.get(minor);
    const ns = `v-1-${minor}`;
    let kc: Kubectl;
    before(() => {
      if (binary) kc = versioned(minor, binary);
    });
    /** A missing binary is a failure that says where it was looked for, never a skip. */
    const present = () => {
      if (legacy.error) throw legacy.error;
      assert.ok(
        binary,
        `kubectl.1.${minor} was not found beside the real path of the kubectl on PATH (${kubectlOnPath()})`,
      );
    };

    test('get ns', async () => {
      present();
      assert.equal(clientMinor(binary!), String(minor));
      const r = await kc.run(['get', 'ns', '-v=8']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        r.stderr,
        /Content-Type: application\/json;g=apidiscovery\.k8s\.io;v=v2beta1;as=APIGroupDiscoveryList/,
        'hub did not answer v2beta1 aggregated discovery',
      );
      assert.ok(
        tableRows(r.stdout).some((row) => row[0] === 'default' && row[1] === 'Active'),
        r.stdout,
      );
      // It found the resource through discovery; no "couldn't get resource list" complaints.
      assert.doesNotMatch(
        r.stderr,
        /couldn't get resource list|unable to retrieve the complete list/,
        r.stderr,
      );
    });

    test('create, get and delete without OpenAPI v2', async () => {
      present();
      await kc.ok(['create', 'namespace', ns]);
      assert.equal(
        (
          await kc.ok(['-n', ns, 'create', 'configmap', 'cm', '--from-literal=a=1', '--validate=false'])
        ).trim(),
        'configmap/cm created',
      );
      const file = ctx.file(
        `cm-1.${minor}.yaml`,
        toYaml({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'from-file', namespace: ns },
          data: { b: '2' },
        }),
      );
      assert.equal(
        (await kc.ok(['create', '-f', file, '--validate=false'])).trim(),
        'configmap/from-file created',
      );
      const list = await kc.json<{ items: { metadata: { name: string } }[] }>(['-n', ns, 'get', 'cm']);
      const names = list.items.map((i) => i.metadata.name);
      assert.ok(names.includes('cm') && names.includes('from-file'), names.join(','));
      const table = await kc.ok(['-n', ns, 'get', 'deploy,cm']);
      assert.match(table, /^configmap\/cm\s+1\s/m, table);
      await kc.ok(['-n', ns, 'delete', 'cm', '--all']);
      await kc.ok(['delete', 'namespace', ns, '--timeout=30s']);
    });
  });
}
