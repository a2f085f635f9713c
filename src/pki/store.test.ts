import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadCertificateAuthority } from './ca.js';
import { issueServingCertificate } from './issue.js';
import { ADMIN_GROUP, ADMIN_USER, ensureClusterPki, PKI_FILES, pkiDirectory } from './store.js';

async function tempDataDir(t: import('node:test').TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'minato-pki-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Content, inode and mtime of every file, to prove a call rewrote nothing. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of (await readdir(dir)).sort()) {
    const info = await stat(join(dir, name));
    result[name] = `${info.ino}:${info.mtimeMs}:${await readFile(join(dir, name), 'utf8')}`;
  }
  return result;
}

test('first call creates the layout; the second reuses every file', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await ensureClusterPki(dataDir);
  const dir = pkiDirectory(dataDir);
  assert.deepEqual((await readdir(dir)).sort(), Object.values(PKI_FILES).sort());
  assert.equal(first.changes.length, 8);

  for (const file of [
    PKI_FILES.caKey,
    PKI_FILES.serverKey,
    PKI_FILES.adminKey,
    PKI_FILES.serviceAccountKey,
  ]) {
    assert.equal((await stat(join(dir, file))).mode & 0o777, 0o600, file);
  }
  assert.equal((await stat(dir)).mode & 0o077, 0, 'pki directory is private');

  const server = new X509Certificate(first.server.certPem);
  for (const ip of ['127.0.0.1', '::1']) assert.ok(server.checkIP(ip), ip);
  assert.equal(server.checkHost('localhost', { subject: 'never' }), 'localhost');
  const admin = new X509Certificate(first.admin.certPem);
  assert.equal(admin.subject, `O=${ADMIN_GROUP}\nCN=${ADMIN_USER}`);
  assert.match(first.serviceAccount.publicKeyPem, /^-----BEGIN PUBLIC KEY-----/);
  assert.match(first.caCertHash, /^sha256:[0-9a-f]{64}$/);

  const before = await snapshot(dir);
  const second = await ensureClusterPki(dataDir);
  assert.deepEqual(second.changes, []);
  assert.deepEqual(await snapshot(dir), before);
  assert.equal(second.caCertHash, first.caCertHash);
  assert.equal(second.server.certPem, first.server.certPem);
});

test('a new IP SAN reissues only the serving certificate, under the same CA', async (t) => {
  const dataDir = await tempDataDir(t);
  const first = await ensureClusterPki(dataDir);
  const second = await ensureClusterPki(dataDir, {
    hostnames: ['hub.example.test'],
    ipAddresses: ['192.0.2.10'],
  });
  assert.deepEqual(
    second.changes.map((c) => c.file),
    [PKI_FILES.serverCert, PKI_FILES.serverKey],
  );
  assert.match(second.changes[0]!.reason, /192\.0\.2\.10/);
  assert.equal(second.ca.certPem, first.ca.certPem);
  assert.equal(second.admin.certPem, first.admin.certPem);
  const server = new X509Certificate(second.server.certPem);
  assert.ok(server.checkIP('192.0.2.10'));
  assert.ok(server.checkIP('127.0.0.1'), 'defaults are kept');
  assert.equal(server.checkHost('hub.example.test', { subject: 'never' }), 'hub.example.test');

  // Asking again for the same names, spelled differently, changes nothing.
  const third = await ensureClusterPki(dataDir, { hostnames: ['HUB.example.test', '192.0.2.10'] });
  assert.deepEqual(third.changes, []);
});

test('leaves are reissued when near expiry or when their key no longer matches', async (t) => {
  const dataDir = await tempDataDir(t);
  const dir = pkiDirectory(dataDir);
  const first = await ensureClusterPki(dataDir);
  const ca = await loadCertificateAuthority(first.ca.certPem, first.ca.keyPem);
  const shortLived = await issueServingCertificate(ca, { commonName: 'minato-hub', validityDays: 10 });
  await writeFile(join(dir, PKI_FILES.serverCert), shortLived.certPem);
  await writeFile(join(dir, PKI_FILES.serverKey), shortLived.keyPem);
  const renewed = await ensureClusterPki(dataDir);
  assert.match(renewed.changes[0]!.reason, /expires/);

  await writeFile(join(dir, PKI_FILES.adminKey), first.server.keyPem);
  const repaired = await ensureClusterPki(dataDir);
  assert.deepEqual(repaired.changes, [
    { file: PKI_FILES.adminCert, reason: 'key does not match the certificate' },
    { file: PKI_FILES.adminKey, reason: 'key does not match the certificate' },
  ]);
});

test('the CA is never replaced silently, and sa.pub is rebuilt from sa.key', async (t) => {
  const dataDir = await tempDataDir(t);
  const dir = pkiDirectory(dataDir);
  const first = await ensureClusterPki(dataDir);

  await unlink(join(dir, PKI_FILES.serviceAccountPublicKey));
  const rebuilt = await ensureClusterPki(dataDir);
  assert.deepEqual(rebuilt.changes, [{ file: PKI_FILES.serviceAccountPublicKey, reason: 'missing' }]);
  assert.equal(rebuilt.serviceAccount.publicKeyPem, first.serviceAccount.publicKeyPem);

  await unlink(join(dir, PKI_FILES.caKey));
  await assert.rejects(ensureClusterPki(dataDir), /never replaces a cluster CA/);
  assert.equal(await readFile(join(dir, PKI_FILES.caCert), 'utf8'), first.ca.certPem, 'ca.crt untouched');

  await writeFile(join(dir, PKI_FILES.caKey), first.server.keyPem);
  await assert.rejects(ensureClusterPki(dataDir), /does not belong/);
});
