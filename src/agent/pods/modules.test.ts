import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ModuleError, ModuleResolver } from './modules.js';

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
