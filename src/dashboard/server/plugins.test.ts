import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { configMapPlugin, folderPlugins, isPluginName, mergePlugins } from './plugins.js';

const dir = mkdtempSync(join(tmpdir(), 'minato-plugins-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a folder holds NAME.js and NAME/index.js plugins; other files are skipped', async () => {
  writeFileSync(join(dir, 'alpha.js'), 'export default () => {}');
  mkdirSync(join(dir, 'beta'));
  writeFileSync(join(dir, 'beta', 'index.js'), 'export default () => {}');
  mkdirSync(join(dir, 'gamma')); // no index.js
  writeFileSync(join(dir, 'README.md'), '#');
  writeFileSync(join(dir, 'Bad Name.js'), '');
  const found = await folderPlugins(dir, 'data-dir', 'plugins/local');
  assert.deepEqual(
    found.map((p) => [p.name, p.url, p.authenticated]),
    [
      ['alpha', 'plugins/local/alpha.js', false],
      ['beta', 'plugins/local/beta/index.js', false],
    ],
  );
  assert.deepEqual(await folderPlugins(join(dir, 'missing'), 'shipped', 'x'), []);
});

test('a labelled ConfigMap is a plugin when it has plugin.js; it needs the credential to load', () => {
  const cm = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'notes', annotations: { 'minato.dev/description': 'Shift notes' } },
    data: { 'plugin.js': 'export default () => {}' },
  };
  assert.deepEqual(configMapPlugin(cm), {
    name: 'notes',
    source: 'configmap',
    url: 'plugins/configmap/notes.js',
    authenticated: true,
    description: 'Shift notes',
  });
  assert.equal(configMapPlugin({ ...cm, data: {} }), undefined);
  assert.equal(configMapPlugin({ ...cm, metadata: { name: 'Not_OK!' } }), undefined);
});

test('later sources override earlier ones by name', () => {
  const p = (name: string, source: 'shipped' | 'data-dir' | 'configmap') => ({
    name,
    source,
    url: '',
    authenticated: false,
  });
  const merged = mergePlugins(
    [p('a', 'shipped'), p('b', 'shipped')],
    [p('a', 'data-dir')],
    [p('c', 'configmap')],
  );
  assert.deepEqual(
    merged.map((x) => `${x.name}:${x.source}`),
    ['a:data-dir', 'b:shipped', 'c:configmap'],
  );
  assert.equal(isPluginName('battery-overlay'), true);
  assert.equal(isPluginName('../x'), false);
});
