import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import { caCertHash, caCertHashMatches, createCertificateAuthority, loadCertificateAuthority } from './ca.js';

test('the CA is a self-signed ECDSA P-256 CA with the requested name and lifetime', async () => {
  const { certPem, keyPem } = await createCertificateAuthority({ commonName: 'test-ca', validityDays: 30 });
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
  const cert = new X509Certificate(certPem);
  assert.equal(cert.ca, true);
  assert.equal(cert.subject, 'CN=test-ca');
  assert.equal(cert.checkIssued(cert), true);
  assert.equal(cert.verify(cert.publicKey), true);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const lifetimeDays = (Date.parse(cert.validTo) - Date.now()) / 86_400_000;
  assert.ok(lifetimeDays > 29.9 && lifetimeDays <= 30, `lifetime ${lifetimeDays}`);
  assert.ok(Date.parse(cert.validFrom) < Date.now(), 'backdated for clock skew');
});

test('caCertHash is SHA-256 of the DER SubjectPublicKeyInfo, as kubeadm computes it', async () => {
  const { certPem } = await createCertificateAuthority({ commonName: 'test-ca' });
  const spki = new X509Certificate(certPem).publicKey.export({ type: 'spki', format: 'der' });
  const expected = `sha256:${createHash('sha256').update(spki).digest('hex')}`;
  assert.equal(caCertHash(certPem), expected);
  assert.equal(caCertHashMatches(certPem, expected.toUpperCase().replace('SHA256', 'sha256')), true);
  const other = await createCertificateAuthority({ commonName: 'test-ca' });
  assert.equal(caCertHashMatches(other.certPem, expected), false);
  assert.throws(
    () => caCertHashMatches(certPem, 'md5:abc'),
    (err) => isApiError(err) && err.code === 400,
  );
});

test('loading a CA checks that the key belongs to the certificate', async () => {
  const a = await createCertificateAuthority({ commonName: 'a' });
  const b = await createCertificateAuthority({ commonName: 'b' });
  const ca = await loadCertificateAuthority(a.certPem, a.keyPem);
  assert.equal(ca.certificate.subject, 'CN=a');
  await assert.rejects(loadCertificateAuthority(a.certPem, b.keyPem), /does not belong/);
  await assert.rejects(
    loadCertificateAuthority('not a certificate', a.keyPem),
    /not a readable PEM certificate/,
  );
  await assert.rejects(loadCertificateAuthority(a.certPem, 'not a key'), /not a readable PEM private key/);
});
