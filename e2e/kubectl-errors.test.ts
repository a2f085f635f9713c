/**
 * Failures must come back as proper Kubernetes Status errors (right code, reason and the message text
 * kubectl users know) and must never take the hub down.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type HubContext, setupHub, teardownHub } from './support/suite.js';

let ctx: HubContext;
before(async () => {
  ctx = await setupHub('errors');
});
after(async () => {
  await teardownHub(ctx);
});

const k = (args: string[]) => ctx.kubectl.ok(args);
const ns = 'e-errors';

async function assertStillServing(): Promise<void> {
  const ready = await ctx.api.request('/readyz');
  assert.equal(
    ready.status,
    200,
    `hub /readyz after the error: ${ready.status} ${ready.body}\nhub output:\n${ctx.hub.output()}`,
  );
  const out = await k(['get', 'ns', ns, '-o', 'name']);
  assert.equal(out, `namespace/${ns}\n`);
}

describe('kubectl error messages', () => {
  before(() => k(['create', 'namespace', ns]));

  test('NotFound', async () => {
    const r = await ctx.kubectl.fails(['-n', ns, 'get', 'configmap', 'missing']);
    assert.equal(r.stderr.trim(), 'Error from server (NotFound): configmaps "missing" not found');
    const d = await ctx.kubectl.fails(['-n', ns, 'get', 'deploy', 'missing']);
    assert.equal(d.stderr.trim(), 'Error from server (NotFound): deployments.apps "missing" not found');
  });

  test('creating in a namespace that does not exist is NotFound for the namespace', async () => {
    const r = await ctx.kubectl.fails(['-n', 'e-no-such-ns', 'create', 'configmap', 'x']);
    assert.match(r.stderr, /namespaces "e-no-such-ns" not found/, r.stderr);
    const raw = await ctx.api.json('/api/v1/namespaces/e-no-such-ns/configmaps', 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    assert.equal(raw.status, 404, raw.text);
    assert.equal(raw.body.reason, 'NotFound', raw.text);
    assert.equal(raw.body.details?.kind, 'namespaces', raw.text);
  });

  test('AlreadyExists', async () => {
    await k(['-n', ns, 'create', 'configmap', 'dup']);
    const r = await ctx.kubectl.fails(['-n', ns, 'create', 'configmap', 'dup']);
    assert.equal(r.stderr.trim(), 'error: failed to create configmap: configmaps "dup" already exists');
    const viaFile = await ctx.kubectl.fails([
      'create',
      '-f',
      ctx.file('dup.yaml', `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  namespace: ${ns}\n`),
    ]);
    assert.match(
      viaFile.stderr,
      /Error from server \(AlreadyExists\): error when creating ".*dup\.yaml": configmaps "dup" already exists/,
      viaFile.stderr,
    );
  });

  test('an invalid name is a 422 that names metadata.name', async () => {
    const r = await ctx.kubectl.fails(['-n', ns, 'create', 'configmap', 'Bad_Name']);
    assert.match(
      r.stderr,
      /ConfigMap "Bad_Name" is invalid: metadata\.name: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '\.', and must start and end with an alphanumeric character/,
      r.stderr,
    );
    const raw = await ctx.api.json(`/api/v1/namespaces/${ns}/configmaps`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'Bad_Name' },
    });
    assert.equal(raw.status, 422, raw.text);
    assert.equal(raw.body.kind, 'Status');
    assert.equal(raw.body.reason, 'Invalid');
    assert.equal(raw.body.details?.name, 'Bad_Name', raw.text);
    assert.equal(raw.body.details?.kind, 'ConfigMap', raw.text);
    assert.equal(raw.body.details?.causes?.[0]?.field, 'metadata.name', raw.text);
    assert.equal(raw.body.details?.causes?.[0]?.reason, 'FieldValueInvalid', raw.text);
  });

  test('an unknown resource type', async () => {
    const r = await ctx.kubectl.fails(['get', 'gizmos']);
    assert.match(r.stderr, /error: the server doesn't have a resource type "gizmos"/, r.stderr);
  });

  test('a malformed YAML file fails clearly and the hub keeps serving', async () => {
    const file = ctx.file(
      'broken.yaml',
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: [unclosed\n  namespace: e-errors\ndata:\n\ta: 1\n',
    );
    const r = await ctx.kubectl.fails(['apply', '-f', file]);
    assert.match(r.stderr, /error|yaml|json/i, r.stderr);
    const c = await ctx.kubectl.fails(['create', '-f', file]);
    assert.notEqual(c.stderr.trim(), '', 'an error message is printed');
    await assertStillServing();
  });

  test('a 4 MiB configmap is 413 Request Entity Too Large', async () => {
    const raw = await ctx.api.json(`/api/v1/namespaces/${ns}/configmaps`, 'POST', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big-raw' },
      data: { big: 'x'.repeat(4 * 1024 * 1024) },
    });
    assert.equal(raw.status, 413, raw.text.slice(0, 500));
    assert.equal(raw.body.reason, 'RequestEntityTooLarge', raw.text.slice(0, 500));
    const file = ctx.file('big.txt', 'x'.repeat(4 * 1024 * 1024));
    const r = await ctx.kubectl.fails(['-n', ns, 'create', 'configmap', 'big', `--from-file=${file}`], {
      timeoutMs: 60_000,
    });
    // Kubernetes' wording, which kubectl prints as is.
    assert.match(r.stderr, /Request entity too large: limit is 3145728/, r.stderr);
    await assertStillServing();
  });

  test('a configmap over 1 MiB of data (but under the body limit) is Invalid', async () => {
    const file = ctx.file('medium.txt', 'y'.repeat(1024 * 1024 + 10));
    const r = await ctx.kubectl.fails(['-n', ns, 'create', 'configmap', 'medium', `--from-file=${file}`], {
      timeoutMs: 60_000,
    });
    assert.match(
      r.stderr,
      /ConfigMap "medium" is invalid: .*Too long: must have at most 1048576 bytes/,
      r.stderr,
    );
  });

  test('get --raw with an unparsable label selector is a 400', async () => {
    const r = await ctx.kubectl.fails([
      'get',
      '--raw',
      '/api/v1/namespaces/default/configmaps?labelSelector=a%20b',
    ]);
    assert.match(r.stderr, /Error from server \(BadRequest\)/, r.stderr);
    const raw = await ctx.api.json('/api/v1/namespaces/default/configmaps?labelSelector=a%20b');
    assert.equal(raw.status, 400, raw.text);
    assert.equal(raw.body.reason, 'BadRequest', raw.text);
    await assertStillServing();
  });
});

describe('raw HTTPS requests with the admin certificate', () => {
  const base = `/api/v1/namespaces/${ns}/configmaps`;

  test('a malformed JSON body is a 400 Status that says it is JSON', async () => {
    const r = await ctx.api.request(base, {
      method: 'POST',
      body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":',
    });
    assert.equal(r.status, 400, r.body);
    const status = JSON.parse(r.body) as {
      kind: string;
      status: string;
      reason: string;
      message: string;
      code: number;
    };
    assert.equal(status.kind, 'Status');
    assert.equal(status.status, 'Failure');
    assert.equal(status.code, 400);
    assert.equal(status.reason, 'BadRequest');
    assert.match(status.message, /json/i, status.message);
    await assertStillServing();
  });

  test('a body of the wrong kind is a 400', async () => {
    const r = await ctx.api.json(base, 'POST', {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'wrong-kind' },
      stringData: { a: 'b' },
    });
    assert.equal(r.status, 400, r.text);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'BadRequest');
    assert.match(String(r.body.message), /Secret/, r.text);
    const wrongVersion = await ctx.api.json(base, 'POST', {
      apiVersion: 'apps/v1',
      kind: 'ConfigMap',
      metadata: { name: 'wrong-version' },
    });
    assert.equal(wrongVersion.status, 400, wrongVersion.text);
    const gone = await ctx.api.json(`${base}/wrong-kind`);
    assert.equal(gone.status, 404, 'nothing was created');
  });

  test('a body that is not an object, and a missing kind, are 400s', async () => {
    for (const body of ['[]', '"text"', '{"apiVersion":"v1","metadata":{"name":"no-kind"}}']) {
      const r = await ctx.api.request(base, { method: 'POST', body });
      assert.equal(r.status, 400, `${body} -> ${r.status} ${r.body}`);
      assert.equal((JSON.parse(r.body) as { kind: string }).kind, 'Status', r.body);
    }
    await assertStillServing();
  });

  test('an unsupported media type is a 415', async () => {
    const r = await ctx.api.request(base, {
      method: 'POST',
      body: 'name=x',
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(r.status, 415, r.body);
    assert.equal((JSON.parse(r.body) as { reason: string }).reason, 'UnsupportedMediaType');
  });

  test('a method the collection does not support is a 405', async () => {
    const r = await ctx.api.json(base, 'PUT', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'x' },
    });
    assert.equal(r.status, 405, r.text);
    assert.equal(r.body.reason, 'MethodNotAllowed', r.text);
  });

  test('an unknown resource is a 404 Status', async () => {
    for (const path of [
      `/api/v1/namespaces/${ns}/gizmos`,
      '/apis/nope.example.com/v1/things',
      '/apis/apps/v9/deployments',
      '/no/such/path',
    ]) {
      const r = await ctx.api.json(path);
      assert.equal(r.status, 404, `${path}: ${r.text}`);
      assert.equal(r.body.kind, 'Status', `${path}: ${r.text}`);
      assert.equal(r.body.reason, 'NotFound', `${path}: ${r.text}`);
    }
    await assertStillServing();
  });

  test('an anonymous caller (no client certificate) gets 401 on the API but may read health and version', async () => {
    const r = await ctx.api.json('/api/v1/namespaces', 'GET', undefined, { anonymous: true });
    assert.equal(r.status, 401, r.text);
    assert.equal(r.body.kind, 'Status');
    assert.equal(r.body.reason, 'Unauthorized');
    const write = await ctx.api.json(
      base,
      'POST',
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'anon' } },
      { anonymous: true },
    );
    assert.equal(write.status, 401, write.text);
    for (const path of ['/readyz', '/livez', '/healthz', '/version']) {
      const ok = await ctx.api.request(path, { anonymous: true });
      assert.equal(ok.status, 200, `${path}: ${ok.body}`);
    }
    const version = await ctx.api.json('/version', 'GET', undefined, { anonymous: true });
    assert.equal(version.body.major, '1');
    assert.match(String(version.body.gitVersion), /^v1\.\d+\.\d+/);
  });

  test('a watch from a malformed resourceVersion is a client error, not a hang or a 500', async () => {
    const r = await ctx.api.request(`${base}?watch=1&resourceVersion=not-a-number`, { timeoutMs: 5000 });
    assert.ok(r.status === 400 || r.status === 422, `${r.status} ${r.body}`);
    assert.equal((JSON.parse(r.body) as { kind: string }).kind, 'Status', r.body);
  });

  test('none of the above took the hub down', async () => {
    await assertStillServing();
    assert.doesNotThrow(() => process.kill(ctx.hub.pid, 0), 'hub process is alive');
  });
});

describe('protected namespaces (runs last: a broken hub would delete them)', () => {
  test('default, kube-system and kube-public cannot be deleted', async () => {
    for (const name of ['default', 'kube-system', 'kube-public']) {
      const r = await ctx.kubectl.fails(['delete', 'namespace', name, '--wait=false']);
      assert.match(
        r.stderr,
        new RegExp(
          `Error from server \\(Forbidden\\): namespaces "${name}" is forbidden: this namespace may not be deleted`,
        ),
        r.stderr,
      );
      const phase = await k(['get', 'ns', name, '-o', 'jsonpath={.status.phase}']);
      assert.equal(phase, 'Active');
    }
  });
});
