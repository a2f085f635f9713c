import assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { detectModuleFormat } from './index.js';
import { exampleModule, withTempDir } from './test-support.js';

test('module formats are told apart by their first bytes', async () => {
  assert.equal(await detectModuleFormat(exampleModule('sensor')), 'wasm');
  assert.equal(await detectModuleFormat(process.execPath), 'native');
  await withTempDir(async (dir) => {
    const script = join(dir, 'run.sh');
    writeFileSync(script, '#!/bin/sh\necho hi\n');
    chmodSync(script, 0o755);
    assert.equal(await detectModuleFormat(script), 'native');
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    assert.equal(await detectModuleFormat(text), 'unknown');
    const empty = join(dir, 'empty');
    writeFileSync(empty, '');
    assert.equal(await detectModuleFormat(empty), 'unknown');
  });
});
