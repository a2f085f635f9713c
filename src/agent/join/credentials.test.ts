import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  createCertificateAuthority,
  issueClientCertificate,
  loadCertificateAuthority,
} from '../../pki/index.js';
import { loadCredentials, saveCredentials } from './credentials.js';
import { renewalDue } from './rotation.js';

const dir = mkdtempSync(join(tmpdir(), 'minato-creds-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function nodeCredentials(name: string, validityDays = 365) {
  const caPair = await createCertificateAuthority({ commonName: 'ca' });
  const ca = await loadCertificateAuthority(caPair.certPem, caPair.keyPem);
  const leaf = await issueClientCertificate(ca, {
    commonName: `system:node:${name}`,
    organizations: ['system:nodes'],
    validityDays,
  });
  return { caPem: caPair.certPem, certPem: leaf.certPem, keyPem: leaf.keyPem };
}

test('saved credentials are reused for the same node and refused with a reason otherwise', async () => {
  const creds = await nodeCredentials('truck-1');
  await saveCredentials(dir, 'https://127.0.0.1:6443', 'truck-1', creds);
  assert.equal(statSync(join(dir, 'pki', 'node.key')).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'agent.kubeconfig')).mode & 0o777, 0o600);
  const ok = await loadCredentials(dir, 'truck-1');
  assert.equal(ok.ok, true);
  const other = await loadCredentials(dir, 'truck-2');
  assert.deepEqual(other, {
    ok: false,
    why: 'the saved certificate is for "system:node:truck-1", not "system:node:truck-2"',
  });
  const later = await loadCredentials(dir, 'truck-1', Date.now() + 400 * 86_400_000);
  assert.equal(later.ok, false);
  assert.match((later as { why: string }).why, /the saved certificate expired on/);
  const missing = await loadCredentials(join(dir, 'nothing'), 'truck-1');
  assert.match((missing as { why: string }).why, /no node certificate in/);
});

test('a key that does not match the certificate is refused', async () => {
  const a = await nodeCredentials('truck-3');
  const b = await nodeCredentials('truck-3');
  const sub = join(dir, 'mixed');
  await saveCredentials(sub, 'https://127.0.0.1:6443', 'truck-3', { ...a, keyPem: b.keyPem });
  const result = await loadCredentials(sub, 'truck-3');
  assert.deepEqual(result, { ok: false, why: 'the saved key does not belong to the saved certificate' });
});

test('renewal is due at 80 % of the certificate lifetime', async () => {
  const { certPem } = await nodeCredentials('truck-4', 10);
  assert.equal(renewalDue(certPem), false);
  assert.equal(renewalDue(certPem, Date.now() + 7 * 86_400_000), false);
  assert.equal(renewalDue(certPem, Date.now() + 8.5 * 86_400_000), true);
});
