/**
 * kubectl 1.27 and 1.28 read OpenAPI v2 (GET /openapi/v2, gnostic protobuf) to decide how to validate
 * `apply`/`create -f`/`replace -f` and for `explain`; without it they fail with "the server could not
 * find the requested resource". Both binaries must sit beside the kubectl on PATH; a missing one is
 * a failure that says so, never a skip.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { stringify as toYaml } from 'yaml';
import { type Kubectl, kubectlOnPath, versionedKubectl } from './support/kubectl.js';
import { type HubContext, setupHub, teardownHub } from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('openapi-v2');
});
after(async () => {
  await teardownHub(ctx);
});

/** kubectl.1.NN with its own cache dir, or a failure naming where it was looked for. */
function legacyKubectl(minor: number): Kubectl {
  const binary = versionedKubectl(minor);
  if (!binary) {
    assert.fail(
      `kubectl.1.${minor} was not found beside the real path of the kubectl on PATH (${kubectlOnPath()}); ` +
        `install the kubectl 1.${minor} binary there as kubectl.1.${minor}`,
    );
  }
  return ctx.kubectl.withBinary(binary, ctx.freshDir(`cache-1.${minor}`));
}

function deployment(ns: string, name: string, replicas: number, image: string): string {
  return toYaml({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: ns },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image, ports: [{ containerPort: 80 }] }] },
      },
    },
  });
}

/** At -v=6 kubectl logs each request; the v2 document must have been fetched, and found. */
const FETCHED_V2 = /GET \S+\/openapi\/v2\S* 200 OK/;

describe('kubectl 1.27 against /openapi/v2', () => {
  const ns = 'v2-127';
  let kc: Kubectl;
  before(async () => {
    kc = legacyKubectl(27);
    await ctx.kubectl.ok(['create', 'namespace', ns]);
  });

  test('apply -f creates, then configures after a change', async () => {
    const file = ctx.file('apply-127.yaml', deployment(ns, 'web', 1, 'nginx:1.25'));
    const created = await kc.run(['apply', '-f', file, '-v=6']);
    assert.equal(created.code, 0, `apply failed:\n${created.stdout}\n${created.stderr}`);
    assert.match(created.stdout, /deployment\.apps\/web created/);
    assert.match(created.stderr, FETCHED_V2);

    ctx.file('apply-127.yaml', deployment(ns, 'web', 3, 'nginx:1.26'));
    assert.match(await kc.ok(['apply', '-f', file]), /deployment\.apps\/web configured/);
    const spec = await kc.json<{
      spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    }>(['-n', ns, 'get', 'deployment', 'web']);
    assert.equal(spec.spec.replicas, 3);
    assert.equal(spec.spec.template.spec.containers[0]?.image, 'nginx:1.26');
  });

  test('create -f and replace -f', async () => {
    const file = ctx.file('create-127.yaml', deployment(ns, 'made', 1, 'nginx:1.25'));
    assert.match(await kc.ok(['create', '-f', file]), /deployment\.apps\/made created/);
    ctx.file('create-127.yaml', deployment(ns, 'made', 2, 'nginx:1.25'));
    assert.match(await kc.ok(['replace', '-f', file]), /deployment\.apps\/made replaced/);
  });

  test('an unknown field is still refused (by the server, which kubectl now asks to be strict)', async () => {
    const bad = deployment(ns, 'bad', 1, 'nginx:1.25').replace('replicas:', 'replicass:');
    const r = await kc.fails(['create', '-f', ctx.file('bad-127.yaml', bad)]);
    assert.match(r.stderr, /unknown field "spec\.replicass"/);
  });
});

describe('kubectl 1.28 against /openapi/v2', () => {
  let kc: Kubectl;
  before(() => {
    kc = legacyKubectl(28);
  });

  test('explain deployment.spec.template.spec.containers', async () => {
    const r = await kc.run(['explain', 'deployment.spec.template.spec.containers', '-v=6']);
    assert.equal(r.code, 0, `explain failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, FETCHED_V2);
    assert.match(r.stdout, /KIND:\s+Deployment/);
    assert.match(r.stdout, /containers\s+<\[\]Container>/);
    assert.match(r.stdout, /^\s+image\s+<string>/m);
  });

  test('explain from the v2 models themselves (--output=plaintext-openapiv2)', async () => {
    const out = await kc.ok([
      'explain',
      'deployment.spec.template.spec.containers',
      '--output=plaintext-openapiv2',
    ]);
    assert.match(out, /RESOURCE: containers <\[\]Object>/);
    assert.match(out, /^\s+name\s+<string> -required-/m);
    assert.match(out, /^\s+ports\s+<\[\]Object>/m);
  });

  test('apply -f works too', async () => {
    await ctx.kubectl.ok(['create', 'namespace', 'v2-128']);
    const file = ctx.file('apply-128.yaml', deployment('v2-128', 'web', 1, 'nginx:1.25'));
    assert.match(await kc.ok(['apply', '-f', file]), /deployment\.apps\/web created/);
  });
});
