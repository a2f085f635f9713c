import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import {
  WASM_CONFIG_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPE,
  wasmConfig,
  wasmManifest,
} from '../../registry/artifact.js';
import { RegistryUnreachable } from '../../registry/client.js';
import { RegistryStore } from '../../registry/store.js';
import { type HubRegistry, ModuleError, ModuleResolver } from './modules.js';

const dataDir = mkdtempSync(join(tmpdir(), 'minato-modules-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));
const content = Buffer.from('\0asm\x01\0\0\0 pretend module');
const digest = createHash('sha256').update(content).digest('hex');

test('paths and file:// URLs resolve relative to the data dir; the imageID is the content digest', async () => {
  writeFileSync(join(dataDir, 'app.wasm'), content);
  const r = new ModuleResolver(dataDir);
  for (const image of [
    'app.wasm',
    './app.wasm',
    'file://app.wasm',
    `file://${join(dataDir, 'app.wasm')}`,
    join(dataDir, 'app.wasm'),
  ]) {
    const m = await r.resolveModule(image);
    assert.equal(m.path, join(dataDir, 'app.wasm'), image);
    assert.equal(m.imageID, `sha256:${digest}`);
  }
  await assert.rejects(
    r.resolveModule('missing.wasm'),
    (e: unknown) => e instanceof ModuleError && e.reason === 'ErrImagePull',
  );
  await assert.rejects(
    r.resolveModule('nginx:1.27'),
    (e: unknown) => e instanceof ModuleError && e.reason === 'InvalidImageName',
  );
});

test('https modules must be digest-pinned, are verified, fetched once and cached content-addressed', async () => {
  let fetches = 0;
  const fakeFetch = (async () => {
    fetches++;
    return new Response(content, { status: 200, headers: { 'content-length': String(content.length) } });
  }) as typeof fetch;
  const r = new ModuleResolver(dataDir, { fetch: fakeFetch });
  await assert.rejects(
    r.resolveModule('https://example.com/app.wasm'),
    /must be an https:\/\/ URL pinned by digest/,
  );
  await assert.rejects(r.resolveModule(`http://example.com/app.wasm#sha256=${digest}`), /pinned by digest/);
  assert.equal(await r.needsDownload(`https://example.com/app.wasm#sha256=${digest}`), true);
  const [a, b] = await Promise.all([
    r.resolveModule(`https://example.com/app.wasm#sha256=${digest}`),
    r.resolveModule(`https://example.com/app.wasm#sha256=${digest}`),
  ]);
  assert.equal(a.path, join(dataDir, 'modules', 'sha256', digest));
  assert.equal(b.path, a.path);
  assert.deepEqual(readFileSync(a.path), content);
  await r.resolveModule(`https://mirror.example/other-name.wasm#sha256=${digest}`);
  assert.equal(fetches, 1, 'one download, shared by concurrent callers and by any URL with the same digest');

  const wrong = 'f'.repeat(64);
  await assert.rejects(
    r.resolveModule(`https://example.com/app.wasm#sha256=${wrong}`),
    /has sha256 [0-9a-f]{64}, but the image pins f{64}; refusing it/,
  );
  assert.equal(
    await r.needsDownload(`https://example.com/app.wasm#sha256=${wrong}`),
    true,
    'nothing cached for a bad digest',
  );
});

// --- modules from the hub's registry (hub/NAME:TAG, hub/NAME@sha256:…) ---------------------------

const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

/** A registry holding real pushed artifacts; `online` false makes it unreachable, like a dead link. */
function fakeHub(root: string) {
  const store = new RegistryStore(root);
  const hub = { online: true, manifestGets: 0, blobGets: 0, tamper: false };
  const push = async (name: string, tag: string, module: Buffer, layerType = WASM_LAYER_MEDIA_TYPE) => {
    for (const blob of [module, wasmConfig(sha(module))]) {
      const id = await store.startUpload(name);
      await store.finishUpload(name, id, sha(blob), Readable.from([blob]));
    }
    const config = wasmConfig(sha(module));
    const wasmOnly = wasmManifest(
      { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: sha(config), size: config.length },
      { mediaType: WASM_LAYER_MEDIA_TYPE, digest: sha(module), size: module.length },
    );
    const manifest = Buffer.from(wasmOnly.toString().replace(`"${WASM_LAYER_MEDIA_TYPE}"`, `"${layerType}"`));
    return (await store.putManifest(name, tag, manifest, undefined)).digest;
  };
  const registry = (): HubRegistry => ({
    async getManifest(name, reference) {
      if (!hub.online)
        throw new RegistryUnreachable('cannot reach the hub at https://127.0.0.1:1: ECONNREFUSED');
      hub.manifestGets++;
      return store.getManifest(name, reference);
    },
    async openBlob(name, digest) {
      if (!hub.online)
        throw new RegistryUnreachable('cannot reach the hub at https://127.0.0.1:1: ECONNREFUSED');
      hub.blobGets++;
      const blob = (await store.statBlob(name, digest))!;
      if (hub.tamper) return { body: Readable.from([Buffer.alloc(blob.size, 1)]), size: blob.size };
      return { body: store.openBlob(blob.path) as Readable, size: blob.size };
    },
    close() {},
  });
  return { hub, push, registry };
}

const wasm = (text: string) => Buffer.concat([Buffer.from('\0asm\x01\0\0\0'), Buffer.from(text)]);

test('hub/NAME@sha256: pulls the manifest and the wasm layer once, verified, then never needs the hub', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minato-modules-hub-'));
  try {
    const { hub, push, registry } = fakeHub(join(dir, 'hub'));
    const module = wasm('pinned');
    const digest = await push('fleet/sensor', 'v1', module);
    const logs: string[] = [];
    const r = new ModuleResolver(join(dir, 'agent'), { hub: registry, log: (l) => logs.push(l) });
    const image = `hub/fleet/sensor@${digest}`;
    assert.equal(await r.needsDownload(image), true);
    const [a, b] = await Promise.all([r.resolveModule(image), r.resolveModule(image)]);
    assert.equal(a.path, join(dir, 'agent', 'modules', 'sha256', sha(module).slice(7)));
    assert.equal(b.path, a.path);
    assert.equal(a.imageID, `hub/fleet/sensor@${digest}`);
    assert.deepEqual(readFileSync(a.path), module);
    assert.equal(hub.blobGets, 1, 'concurrent pulls share one download');
    assert.equal(await r.needsDownload(image), false);
    assert.ok(logs.some((l) => l.includes(`pulled ${image}`)));

    // A restart with the hub gone: the cache is enough, and the hub is not even asked.
    hub.online = false;
    const before = hub.manifestGets;
    const offline = new ModuleResolver(join(dir, 'agent'), { hub: registry });
    assert.equal((await offline.resolveModule(image)).path, a.path);
    assert.equal(
      (await offline.resolveModule(`hub/fleet/sensor:v1@${digest}`)).path,
      a.path,
      'the digest wins',
    );
    assert.equal(hub.manifestGets, before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hub/NAME:TAG re-resolves when online and falls back to its last digest offline', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minato-modules-hub-'));
  try {
    const { hub, push, registry } = fakeHub(join(dir, 'hub'));
    const first = await push('telemetry', 'stable', wasm('one'));
    const r = new ModuleResolver(join(dir, 'agent'), { hub: registry, log: () => {} });
    const one = await r.resolveModule('hub/telemetry:stable');
    assert.equal(one.imageID, `hub/telemetry@${first}`);
    assert.deepEqual(readFileSync(one.path), wasm('one'));

    const second = await push('telemetry', 'stable', wasm('two'));
    const two = await r.resolveModule('hub/telemetry:stable');
    assert.equal(two.imageID, `hub/telemetry@${second}`, 'the moved tag is followed');
    assert.deepEqual(readFileSync(two.path), wasm('two'));

    hub.online = false;
    const logs: string[] = [];
    const offline = new ModuleResolver(join(dir, 'agent'), { hub: registry, log: (l) => logs.push(l) });
    const cached = await offline.resolveModule('hub/telemetry:stable');
    assert.equal(cached.imageID, `hub/telemetry@${second}`);
    assert.equal(await offline.needsDownload('hub/telemetry:stable'), false);
    assert.ok(
      logs.some((l) => /ECONNREFUSED; using hub\/telemetry:stable as last resolved/.test(l)),
      logs.join('\n'),
    );
    // A tag this device never resolved cannot be had offline.
    assert.equal(await offline.needsDownload('hub/telemetry:other'), true);
    await assert.rejects(
      offline.resolveModule('hub/telemetry:other'),
      (e: unknown) =>
        e instanceof ModuleError &&
        e.reason === 'ErrImagePull' &&
        /never resolved the tag before/.test(e.message),
    );
    // No identity at all (never joined) reads as offline, with the reason.
    const lonely = new ModuleResolver(join(dir, 'nobody'));
    await assert.rejects(lonely.resolveModule('hub/telemetry:stable'), /no hub identity/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('hub images: bad names, unknown tags, tampered blobs and non-Wasm artifacts are refused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minato-modules-hub-'));
  try {
    const { hub, push, registry } = fakeHub(join(dir, 'hub'));
    const r = new ModuleResolver(join(dir, 'agent'), { hub: registry, log: () => {} });
    await assert.rejects(
      r.resolveModule('hub/Not_Valid'),
      (e: unknown) =>
        e instanceof ModuleError && e.reason === 'InvalidImageName' && /hub\/NAME:TAG/.test(e.message),
    );
    await push('app', 'v1', wasm('x'));
    await assert.rejects(
      r.resolveModule('hub/app:v2'),
      (e: unknown) =>
        e instanceof ModuleError && e.reason === 'ErrImagePull' && /app:v2 is not known/.test(e.message),
    );
    const tar = await push('app', 'tar', wasm('y'), 'application/vnd.oci.image.layer.v1.tar');
    await assert.rejects(r.resolveModule(`hub/app@${tar}`), /not a Wasm module artifact/);

    hub.tamper = true;
    const digest = await push('app', 'v3', wasm('z'));
    await assert.rejects(r.resolveModule(`hub/app@${digest}`), /has sha256 [0-9a-f]{64}, but the image pins/);
    hub.tamper = false;
    assert.deepEqual(readFileSync((await r.resolveModule(`hub/app@${digest}`)).path), wasm('z'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
