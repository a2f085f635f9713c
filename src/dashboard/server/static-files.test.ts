import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { contentTypeOf, fileInside, safeSegments } from './static-files.js';

const dir = mkdtempSync(join(tmpdir(), 'minato-static-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('URL segments are decoded, and anything that could climb out is refused', () => {
  assert.deepEqual(safeSegments('a/b%20c/d.js'), ['a', 'b c', 'd.js']);
  for (const bad of ['', 'a//b', '..', 'a/../b', '%2e%2e/x', 'a%2fb', 'a%5cb', 'a%00b', '%E0%A4%A']) {
    assert.equal(safeSegments(bad), undefined, bad);
  }
});

test('only plain files inside the root are found, symlinks included', async () => {
  const root = join(dir, 'root');
  mkdirSync(join(root, 'sub'), { recursive: true });
  writeFileSync(join(root, 'sub', 'ok.js'), 'export {}');
  writeFileSync(join(dir, 'secret.js'), 'nope');
  symlinkSync(join(dir, 'secret.js'), join(root, 'escape.js'));
  assert.ok(await fileInside(root, ['sub', 'ok.js']));
  assert.equal(await fileInside(root, ['sub']), undefined, 'a folder is not a file');
  assert.equal(await fileInside(root, ['escape.js']), undefined, 'a symlink out of the root');
  assert.equal(await fileInside(root, ['missing.js']), undefined);
  assert.equal(await fileInside(join(dir, 'no-such-root'), ['x.js']), undefined);
});

test('only known file types are served', () => {
  assert.equal(contentTypeOf('a.js'), 'text/javascript; charset=utf-8');
  assert.equal(contentTypeOf('A.CSS'), 'text/css; charset=utf-8');
  for (const other of ['a.ts', 'a.map', 'README.md', 'key.pem', 'noext'])
    assert.equal(contentTypeOf(other), undefined);
});
