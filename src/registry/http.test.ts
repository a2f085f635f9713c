import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { unauthorized } from '../api/errors.js';
import type { RequestAttributes } from '../hub/auth/attributes.js';
import {
  OCI_MANIFEST_MEDIA_TYPE,
  WASM_CONFIG_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPE,
  wasmConfig,
  wasmManifest,
} from './artifact.js';
import { createRegistryHandler } from './http.js';
import { RegistryStore } from './store.js';

// Callers name themselves with x-user (the hub authenticates certificates and tokens instead):
// "admin" may do anything, "viewer" may get and list, "bad" presents a broken credential.
const root = mkdtempSync(join(tmpdir(), 'minato-registry-http-'));
let server: Server;
let base: string;
const decisions: RequestAttributes[] = [];

before(async () => {
  const handler = createRegistryHandler({
    store: new RegistryStore(root, { maxBlobBytes: 64 * 1024, maxManifestBytes: 8 * 1024 }),
    authenticate: (req) => {
      const user = req.headers['x-user'];
      if (user === 'bad') throw unauthorized('the token has expired');
      return typeof user === 'string' ? { name: user, groups: ['system:authenticated'] } : undefined;
    },
    decide: (a) => {
      decisions.push(a);
      const allowed =
        a.user.name === 'admin' || (a.user.name === 'viewer' && ['get', 'list'].includes(a.verb));
      return { allowed, reason: '' };
    },
    log: () => {},
  });
  server = createServer((req, res) => void handler(req, res, new URL(req.url ?? '/', 'http://x')));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  rmSync(root, { recursive: true, force: true });
});

const MODULE = Buffer.concat([Buffer.from('\0asm\x01\0\0\0'), Buffer.alloc(3000, 7)]);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** `user` null: no credential at all. */
function call(method: string, path: string, user: string | null = 'admin', init: RequestInit = {}) {
  return fetch(`${base}${path}`, {
    ...init,
    method,
    headers: { ...(user ? { 'x-user': user } : {}), ...(init.headers as Record<string, string>) },
  });
}

async function expectError(res: Response, status: number, code: string): Promise<string> {
  assert.equal(res.status, status, `${res.url}: ${res.status}`);
  assert.match(res.headers.get('content-type') ?? '', /application\/json/);
  const body = (await res.json()) as { errors: { code: string; message: string }[] };
  assert.equal(body.errors.length, 1);
  assert.equal(body.errors[0]!.code, code);
  assert.ok(body.errors[0]!.message);
  return body.errors[0]!.message;
}

async function pushBlob(name: string, blob: Buffer): Promise<void> {
  const start = await call('POST', `/v2/${name}/blobs/uploads/`);
  assert.equal(start.status, 202);
  const location = start.headers.get('location')!;
  const done = await call('PUT', `${location}?digest=${sha(blob)}`, 'admin', { body: blob });
  assert.equal(done.status, 201, await done.clone().text());
}

test('GET /v2/ is the version check: 200 for a known caller, 401 in the OCI format otherwise', async () => {
  const ok = await call('GET', '/v2/');
  assert.equal(ok.status, 200);
  assert.equal(ok.headers.get('docker-distribution-api-version'), 'registry/2.0');
  assert.equal((await call('GET', '/v2')).status, 200);
  const anon = await call('GET', '/v2/', null);
  assert.match(anon.headers.get('www-authenticate') ?? '', /^Bearer /);
  await expectError(anon, 401, 'UNAUTHORIZED');
  assert.match(await expectError(await call('GET', '/v2/', 'bad'), 401, 'UNAUTHORIZED'), /expired/);
});

test('monolithic push (POST + PUT), HEAD/GET the blob, manifest by tag and digest, tags list', async () => {
  const start = await call('POST', '/v2/demo/app/blobs/uploads/');
  assert.equal(start.status, 202);
  assert.match(start.headers.get('location')!, /^\/v2\/demo\/app\/blobs\/uploads\/[0-9a-f-]{36}$/);
  assert.ok(start.headers.get('docker-upload-uuid'));
  const put = await call('PUT', `${start.headers.get('location')}?digest=${sha(MODULE)}`, 'admin', {
    body: MODULE,
  });
  assert.equal(put.status, 201);
  assert.equal(put.headers.get('location'), `/v2/demo/app/blobs/${sha(MODULE)}`);
  assert.equal(put.headers.get('docker-content-digest'), sha(MODULE));

  const head = await call('HEAD', `/v2/demo/app/blobs/${sha(MODULE)}`, 'viewer');
  assert.equal(head.status, 200);
  assert.equal(head.headers.get('content-length'), String(MODULE.length));
  assert.equal(head.headers.get('docker-content-digest'), sha(MODULE));
  const get = await call('GET', `/v2/demo/app/blobs/${sha(MODULE)}`, 'viewer');
  assert.deepEqual(Buffer.from(await get.arrayBuffer()), MODULE);

  const config = wasmConfig(sha(MODULE));
  // Single-POST upload with ?digest=.
  const single = await call('POST', `/v2/demo/app/blobs/uploads/?digest=${sha(config)}`, 'admin', {
    body: config,
  });
  assert.equal(single.status, 201);
  const manifest = wasmManifest(
    { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: sha(config), size: config.length },
    { mediaType: WASM_LAYER_MEDIA_TYPE, digest: sha(MODULE), size: MODULE.length },
  );
  const putManifest = await call('PUT', '/v2/demo/app/manifests/v1', 'admin', {
    body: manifest,
    headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
  });
  assert.equal(putManifest.status, 201);
  assert.equal(putManifest.headers.get('docker-content-digest'), sha(manifest));
  assert.equal(putManifest.headers.get('location'), `/v2/demo/app/manifests/${sha(manifest)}`);

  for (const ref of ['v1', sha(manifest)]) {
    const m = await call('GET', `/v2/demo/app/manifests/${ref}`, 'viewer');
    assert.equal(m.status, 200);
    assert.equal(m.headers.get('content-type'), OCI_MANIFEST_MEDIA_TYPE);
    assert.equal(m.headers.get('docker-content-digest'), sha(manifest));
    assert.deepEqual(Buffer.from(await m.arrayBuffer()), manifest);
  }
  const mHead = await call('HEAD', '/v2/demo/app/manifests/v1', 'viewer');
  assert.equal(mHead.status, 200);
  assert.equal(mHead.headers.get('content-length'), String(manifest.length));

  for (const tag of ['v2', 'v3', 'beta']) {
    const r = await call('PUT', `/v2/demo/app/manifests/${tag}`, 'admin', {
      body: manifest,
      headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
    });
    assert.equal(r.status, 201);
  }
  const tags = await call('GET', '/v2/demo/app/tags/list', 'viewer');
  assert.deepEqual(await tags.json(), { name: 'demo/app', tags: ['beta', 'v1', 'v2', 'v3'] });
  const page = await call('GET', '/v2/demo/app/tags/list?n=2', 'viewer');
  assert.deepEqual(await page.json(), { name: 'demo/app', tags: ['beta', 'v1'] });
  assert.equal(page.headers.get('link'), '</v2/demo/app/tags/list?n=2&last=v1>; rel="next"');
  const next = await call('GET', '/v2/demo/app/tags/list?n=2&last=v1', 'viewer');
  assert.deepEqual(await next.json(), { name: 'demo/app', tags: ['v2', 'v3'] });
  assert.equal(next.headers.get('link'), null);

  // Authorization: resource modules in registry.minato.dev, named by the repository.
  const pull = decisions.find((a) => a.user.name === 'viewer' && a.verb === 'get')!;
  assert.equal(pull.apiGroup, 'registry.minato.dev');
  assert.equal(pull.resource, 'modules');
  assert.equal(pull.name, 'demo/app');
  assert.equal(pull.namespace, '');
  assert.ok(decisions.some((a) => a.verb === 'list' && a.name === 'demo/app'));
  assert.ok(decisions.some((a) => a.verb === 'create' && a.name === 'demo/app'));
});

test('chunked uploads: PATCH with Content-Range, status, 416 out of order, cancel', async () => {
  const start = await call('POST', '/v2/chunky/blobs/uploads/');
  const location = start.headers.get('location')!;
  const first = await call('PATCH', location, 'admin', {
    body: MODULE.subarray(0, 1000),
    headers: { 'content-range': '0-999', 'content-type': 'application/octet-stream' },
  });
  assert.equal(first.status, 202);
  assert.equal(first.headers.get('range'), '0-999');
  assert.equal(first.headers.get('location'), location);
  const status = await call('GET', location);
  assert.equal(status.status, 204);
  assert.equal(status.headers.get('range'), '0-999');
  await expectError(
    await call('PATCH', location, 'admin', {
      body: MODULE.subarray(500, 800),
      headers: { 'content-range': '500-799' },
    }),
    416,
    'BLOB_UPLOAD_INVALID',
  );
  const second = await call('PATCH', location, 'admin', {
    body: MODULE.subarray(1000),
    headers: { 'content-range': `1000-${MODULE.length - 1}` },
  });
  assert.equal(second.headers.get('range'), `0-${MODULE.length - 1}`);
  const done = await call('PUT', `${location}?digest=${sha(MODULE)}`);
  assert.equal(done.status, 201);
  assert.equal((await call('HEAD', `/v2/chunky/blobs/${sha(MODULE)}`)).status, 200);

  const other = (await call('POST', '/v2/chunky/blobs/uploads/')).headers.get('location')!;
  assert.equal((await call('DELETE', other)).status, 204);
  await expectError(await call('GET', other), 404, 'BLOB_UPLOAD_UNKNOWN');
  await expectError(
    await call('PATCH', other.replace('chunky', 'elsewhere'), 'admin', { body: 'x' }),
    404,
    'BLOB_UPLOAD_UNKNOWN',
  );
});

test('errors carry OCI codes and the right statuses', async () => {
  const unknownDigest = `sha256:${'0'.repeat(64)}`;
  await expectError(await call('GET', `/v2/demo/app/blobs/${unknownDigest}`), 404, 'BLOB_UNKNOWN');
  await expectError(await call('GET', '/v2/demo/app/blobs/sha256:nothex'), 400, 'DIGEST_INVALID');
  await expectError(await call('GET', '/v2/demo/app/manifests/nope'), 404, 'MANIFEST_UNKNOWN');
  await expectError(await call('GET', '/v2/Bad_Name/manifests/v1'), 400, 'NAME_INVALID');
  await expectError(await call('GET', `/v2/${'a'.repeat(256)}/tags/list`), 400, 'NAME_INVALID');
  await expectError(await call('GET', '/v2/never-pushed/tags/list'), 404, 'NAME_UNKNOWN');
  await expectError(await call('GET', '/v2/demo/app/whatever'), 404, 'NAME_UNKNOWN');
  const del = await call('DELETE', '/v2/demo/app/manifests/v1');
  assert.equal(del.headers.get('allow'), 'GET, HEAD, PUT');
  await expectError(del, 405, 'UNSUPPORTED');

  const start = await call('POST', '/v2/demo/app/blobs/uploads/');
  const location = start.headers.get('location')!;
  await expectError(await call('PUT', location, 'admin', { body: 'abc' }), 400, 'DIGEST_INVALID');
  await expectError(
    await call('PUT', `${location}?digest=${unknownDigest}`, 'admin', { body: 'abc' }),
    400,
    'DIGEST_INVALID',
  );
  const big = (await call('POST', '/v2/demo/app/blobs/uploads/')).headers.get('location')!;
  await expectError(
    await call('PUT', `${big}?digest=${unknownDigest}`, 'admin', { body: Buffer.alloc(65 * 1024) }),
    413,
    'SIZE_INVALID',
  );
  await expectError(
    await call('PUT', '/v2/demo/app/manifests/big', 'admin', {
      body: Buffer.alloc(9 * 1024, 32),
      headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
    }),
    413,
    'SIZE_INVALID',
  );
  const missing = wasmManifest(
    { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: unknownDigest, size: 2 },
    { mediaType: WASM_LAYER_MEDIA_TYPE, digest: sha(MODULE), size: MODULE.length },
  );
  await expectError(
    await call('PUT', '/v2/demo/app/manifests/v9', 'admin', {
      body: missing,
      headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
    }),
    400,
    'MANIFEST_BLOB_UNKNOWN',
  );
  await expectError(
    await call('PUT', '/v2/demo/app/manifests/v9', 'admin', {
      body: '{"schemaVersion":2}',
      headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
    }),
    400,
    'MANIFEST_INVALID',
  );
});

test('a viewer may pull but not push (403 DENIED); anonymous callers get 401', async () => {
  const denied = await expectError(
    await call('POST', '/v2/demo/app/blobs/uploads/', 'viewer'),
    403,
    'DENIED',
  );
  assert.match(
    denied,
    /User "viewer" cannot create \(push\) resource "modules" in API group "registry\.minato\.dev"/,
  );
  await expectError(
    await call('PUT', '/v2/demo/app/manifests/v1', 'viewer', {
      body: '{}',
      headers: { 'content-type': OCI_MANIFEST_MEDIA_TYPE },
    }),
    403,
    'DENIED',
  );
  await expectError(await call('GET', '/v2/demo/app/manifests/v1', null), 401, 'UNAUTHORIZED');
  await expectError(await call('GET', '/v2/demo/app/tags/list', null), 401, 'UNAUTHORIZED');
  assert.equal((await call('GET', '/v2/demo/app/manifests/v1', 'viewer')).status, 200);
});

test('pushing a blob through several repositories keeps them apart', async () => {
  const blob = Buffer.from('only in one');
  await pushBlob('one', blob);
  assert.equal((await call('HEAD', `/v2/one/blobs/${sha(blob)}`)).status, 200);
  assert.equal((await call('HEAD', `/v2/two/blobs/${sha(blob)}`)).status, 404);
});
