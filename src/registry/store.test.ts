import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, test } from 'node:test';
import { isApiError } from '../api/errors.js';
import {
  OCI_MANIFEST_MEDIA_TYPE,
  parseManifest,
  WASM_CONFIG_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPE,
  wasmConfig,
  wasmLayerOf,
  wasmManifest,
} from './artifact.js';
import { ociCodeOf } from './errors.js';
import { RegistryStore } from './store.js';

const root = mkdtempSync(join(tmpdir(), 'minato-registry-'));
after(() => rmSync(root, { recursive: true, force: true }));

const MODULE = Buffer.concat([Buffer.from('\0asm\x01\0\0\0'), Buffer.from('pretend module body')]);
const sha = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const chunks = (...parts: Buffer[]) => Readable.from(parts);

/** Resolves to the OCI code (and status) a promise is rejected with. */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    assert.ok(isApiError(err), String(err));
    return `${ociCodeOf(err)} ${err.code}`;
  }
  return 'resolved';
}

async function pushModule(store: RegistryStore, name: string, module = MODULE, tag = 'v1') {
  const id = await store.startUpload(name);
  await store.finishUpload(name, id, sha(module), chunks(module));
  const config = wasmConfig(sha(module));
  const cid = await store.startUpload(name);
  await store.finishUpload(name, cid, sha(config), chunks(config));
  const manifest = wasmManifest(
    { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: sha(config), size: config.length },
    { mediaType: WASM_LAYER_MEDIA_TYPE, digest: sha(module), size: module.length },
    'app.wasm',
  );
  const { digest } = await store.putManifest(name, tag, manifest, OCI_MANIFEST_MEDIA_TYPE);
  return { manifest, digest };
}

test('a monolithic upload is verified and lands content-addressed; other repositories do not see it', async () => {
  const store = new RegistryStore(join(root, 'a'));
  const id = await store.startUpload('demo/app');
  const blob = await store.finishUpload('demo/app', id, sha(MODULE), chunks(MODULE));
  assert.deepEqual(blob, { mediaType: 'application/octet-stream', digest: sha(MODULE), size: MODULE.length });
  const hex = sha(MODULE).slice(7);
  assert.deepEqual(readFileSync(join(root, 'a', 'blobs', 'sha256', hex)), MODULE);
  assert.equal((await store.statBlob('demo/app', sha(MODULE)))?.size, MODULE.length);
  assert.equal(await store.statBlob('other', sha(MODULE)), undefined, 'blobs are per repository');
  assert.deepEqual(readdirSync(join(root, 'a', 'uploads')), [], 'the session is gone');

  // The same content pushed again (another repository) is stored once.
  const again = await store.startUpload('other');
  await store.finishUpload('other', again, sha(MODULE), chunks(MODULE));
  assert.equal((await store.statBlob('other', sha(MODULE)))?.size, MODULE.length);
  assert.deepEqual(readdirSync(join(root, 'a', 'blobs', 'sha256')), [hex]);
});

test('a digest that does not match the content is refused and the upload discarded', async () => {
  const store = new RegistryStore(join(root, 'b'));
  const id = await store.startUpload('demo');
  const wrong = `sha256:${'0'.repeat(64)}`;
  assert.equal(await codeOf(store.finishUpload('demo', id, wrong, chunks(MODULE))), 'DIGEST_INVALID 400');
  assert.equal(await codeOf(store.uploadSize('demo', id)), 'BLOB_UPLOAD_UNKNOWN 404');
  assert.ok(!existsSync(join(root, 'b', 'blobs', 'sha256', '0'.repeat(64))));
  assert.equal(await codeOf(store.finishUpload('demo', id, 'md5:abc')), 'DIGEST_INVALID 400');
});

test('chunked uploads append in order; an out-of-order chunk is 416; sessions belong to one repository', async () => {
  const store = new RegistryStore(join(root, 'c'));
  const id = await store.startUpload('demo');
  assert.equal(await store.appendUpload('demo', id, chunks(MODULE.subarray(0, 5)), 0), 5);
  assert.equal(
    await codeOf(store.appendUpload('demo', id, chunks(MODULE.subarray(5)), 3)),
    'BLOB_UPLOAD_INVALID 416',
  );
  assert.equal(await store.appendUpload('demo', id, chunks(MODULE.subarray(5, 9)), 5), 9);
  assert.equal(await store.uploadSize('demo', id), 9);
  assert.equal(await codeOf(store.uploadSize('elsewhere', id)), 'BLOB_UPLOAD_UNKNOWN 404');
  assert.equal(await codeOf(store.uploadSize('demo', '../../etc')), 'BLOB_UPLOAD_UNKNOWN 404');
  const blob = await store.finishUpload('demo', id, sha(MODULE), chunks(MODULE.subarray(9)));
  assert.equal(blob.size, MODULE.length);

  const cancelled = await store.startUpload('demo');
  await store.cancelUpload('demo', cancelled);
  assert.equal(await codeOf(store.uploadSize('demo', cancelled)), 'BLOB_UPLOAD_UNKNOWN 404');
});

test('blobs above the size limit are refused with 413 while streaming', async () => {
  const store = new RegistryStore(join(root, 'd'), { maxBlobBytes: 10 });
  const id = await store.startUpload('demo');
  assert.equal(
    await codeOf(store.appendUpload('demo', id, chunks(Buffer.alloc(6), Buffer.alloc(6)))),
    'SIZE_INVALID 413',
  );
  const small = new RegistryStore(join(root, 'd2'), { maxManifestBytes: 10 });
  assert.equal(
    await codeOf(small.putManifest('demo', 'v1', Buffer.alloc(11), undefined)),
    'SIZE_INVALID 413',
  );
});

test('manifests: every referenced blob must be in the repository with its size; tags and digests resolve', async () => {
  const store = new RegistryStore(join(root, 'e'));
  const config = wasmConfig(sha(MODULE));
  const manifest = wasmManifest(
    { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: sha(config), size: config.length },
    { mediaType: WASM_LAYER_MEDIA_TYPE, digest: sha(MODULE), size: MODULE.length },
  );
  assert.equal(
    await codeOf(store.putManifest('demo', 'v1', manifest, undefined)),
    'MANIFEST_BLOB_UNKNOWN 400',
  );

  const { digest } = await pushModule(store, 'demo');
  assert.equal(digest, sha(readFileSync(join(root, 'e', 'blobs', 'sha256', digest.slice(7)))));
  const byTag = await store.getManifest('demo', 'v1');
  const byDigest = await store.getManifest('demo', digest);
  assert.equal(byTag.digest, digest);
  assert.deepEqual(byTag.bytes, byDigest.bytes);
  assert.equal(byTag.mediaType, OCI_MANIFEST_MEDIA_TYPE);
  assert.equal(wasmLayerOf(parseManifest(byTag.bytes)).digest, sha(MODULE));
  assert.equal(await codeOf(store.getManifest('demo', 'v2')), 'MANIFEST_UNKNOWN 404');
  assert.equal(await codeOf(store.getManifest('other', digest)), 'MANIFEST_UNKNOWN 404');

  // Pushing by digest must match; the size in a descriptor must be the blob's.
  assert.equal(
    await codeOf(store.putManifest('demo', `sha256:${'1'.repeat(64)}`, byTag.bytes, undefined)),
    'DIGEST_INVALID 400',
  );
  assert.equal((await store.putManifest('demo', digest, byTag.bytes, undefined)).digest, digest);
  const lying = Buffer.from(byTag.bytes.toString().replace(`"size":${MODULE.length}`, '"size":3'));
  assert.equal(await codeOf(store.putManifest('demo', 'v3', lying, undefined)), 'MANIFEST_INVALID 400');
  assert.equal(
    await codeOf(store.putManifest('demo', 'v3', byTag.bytes, 'application/vnd.oci.image.index.v1+json')),
    'MANIFEST_INVALID 400',
  );
  assert.equal(
    await codeOf(store.putManifest('demo', 'v3', Buffer.from('{'), undefined)),
    'MANIFEST_INVALID 400',
  );
  assert.equal(
    await codeOf(store.putManifest('demo', '.bad', byTag.bytes, undefined)),
    'MANIFEST_INVALID 400',
  );

  // A tag moves to a new manifest; the old one stays reachable by digest.
  const other = Buffer.concat([MODULE, Buffer.from(' v2')]);
  const second = await pushModule(store, 'demo', other, 'v1');
  assert.notEqual(second.digest, digest);
  assert.equal((await store.getManifest('demo', 'v1')).digest, second.digest);
  assert.equal((await store.getManifest('demo', digest)).digest, digest);
  await pushModule(store, 'demo', other, 'stable');
  assert.deepEqual(await store.listTags('demo'), ['stable', 'v1']);
  assert.equal(await codeOf(store.listTags('nobody')), 'NAME_UNKNOWN 404');
  assert.equal(await codeOf(store.listTags('Bad Name')), 'NAME_INVALID 400');
});

test('pushing the same module twice gives the same manifest digest (no timestamps)', async () => {
  const one = await pushModule(new RegistryStore(join(root, 'f1')), 'x');
  const two = await pushModule(new RegistryStore(join(root, 'f2')), 'x');
  assert.equal(one.digest, two.digest);
});

test('idle upload sessions are swept', async () => {
  const store = new RegistryStore(join(root, 'g'), { uploadTtlMs: 1000 });
  const idle = await store.startUpload('demo');
  const fresh = await store.startUpload('demo');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(root, 'g', 'uploads', idle, 'data'), old, old);
  assert.equal(await store.sweepUploads(Date.now(), true), 1);
  assert.equal(await codeOf(store.uploadSize('demo', idle)), 'BLOB_UPLOAD_UNKNOWN 404');
  assert.equal(await store.uploadSize('demo', fresh), 0);
});

test('manifest validation names the problem', () => {
  const bad = (v: unknown) => () => parseManifest(Buffer.from(JSON.stringify(v)));
  const d = { mediaType: 'application/wasm', digest: sha(MODULE), size: 1 };
  assert.throws(bad({ schemaVersion: 1, config: d, layers: [] }), /schemaVersion must be 2/);
  assert.throws(bad({ schemaVersion: 2, layers: [] }), /config must be a descriptor/);
  assert.throws(
    bad({ schemaVersion: 2, config: d, layers: [{ ...d, digest: 'sha256:xyz' }] }),
    /layers\[0\]\.digest/,
  );
  assert.throws(bad({ schemaVersion: 2, config: d, layers: [{ ...d, size: -1 }] }), /layers\[0\]\.size/);
  assert.throws(
    bad({ schemaVersion: 2, config: { ...d, mediaType: 'nope' }, layers: [] }),
    /config\.mediaType/,
  );
  const image = parseManifest(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, config: d, layers: [{ ...d, mediaType: 'application/tar' }] }),
    ),
  );
  assert.throws(() => wasmLayerOf(image), /not a Wasm module artifact.*application\/tar/);
});
