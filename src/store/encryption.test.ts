import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AesGcmTransformer, newKeyRing } from './encryption.js';
import { SqliteStore } from './sqlite-store.js';

const SECRET_VALUE = 'hunter2-very-secret-password';

function secret(name: string) {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name, namespace: 'default' },
    data: { password: Buffer.from(SECRET_VALUE).toString('base64') },
    stringData: { plain: SECRET_VALUE },
  };
}

/** Every byte SQLite wrote (database, WAL), as text, to search for plaintext. */
function onDisk(dir: string): string {
  return readdirSync(dir)
    .map((f) => readFileSync(join(dir, f)).toString('latin1'))
    .join('\n');
}

test('Secrets are unreadable in the database files; other kinds stay plain', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minato-enc-'));
  try {
    const store = new SqliteStore({
      path: join(dir, 'state.db'),
      transformer: new AesGcmTransformer(newKeyRing()),
    });
    await store.create('/core/secrets/default/db', secret('db'));
    await store.update('/core/secrets/default/db', secret('db'));
    await store.create('/core/configmaps/default/cm', {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'cm' },
      data: { visible: 'plain-config-value' },
    });
    assert.equal(
      store.get('/core/secrets/default/db')!.object.stringData.plain,
      SECRET_VALUE,
      'readers see plaintext',
    );
    await store.close();
    const bytes = onDisk(dir);
    assert.ok(!bytes.includes(SECRET_VALUE), 'the secret value must not be on disk');
    assert.ok(!bytes.includes(Buffer.from(SECRET_VALUE).toString('base64')), 'nor its base64');
    assert.ok(bytes.includes('k8s:enc:aesgcm:v1:'), 'sealed values are there');
    assert.ok(bytes.includes('plain-config-value'), 'config maps are not encrypted');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a rotated key re-encrypts every stored Secret, and the old key still reads them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'minato-enc-'));
  try {
    const first = newKeyRing();
    const store = new SqliteStore({ path: join(dir, 'state.db'), transformer: new AesGcmTransformer(first) });
    await store.create('/core/secrets/default/a', secret('a'));
    await store.create('/core/secrets/default/b', secret('b'));
    await store.close();

    const second = newKeyRing(first);
    const reopened = new SqliteStore({
      path: join(dir, 'state.db'),
      transformer: new AesGcmTransformer(second),
    });
    assert.equal(reopened.get('/core/secrets/default/a')!.object.stringData.plain, SECRET_VALUE);
    assert.equal(reopened.resealSensitiveRows(), 4, 'two objects and two events');
    assert.equal(reopened.resealSensitiveRows(), 0, 'nothing left under the old key');
    await reopened.close();

    const onlyNew = { current: second.current, keys: { [second.current]: second.keys[second.current]! } };
    const final = new SqliteStore({
      path: join(dir, 'state.db'),
      transformer: new AesGcmTransformer(onlyNew),
    });
    assert.equal(
      final.get('/core/secrets/default/b')!.object.stringData.plain,
      SECRET_VALUE,
      'readable with the new key alone',
    );
    await final.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a value sealed with a key that is not in the ring is a clear error, not garbage', () => {
  const a = new AesGcmTransformer(newKeyRing());
  const b = new AesGcmTransformer(newKeyRing());
  assert.throws(() => b.decode(a.encode('x')), /not in the key ring/);
});
