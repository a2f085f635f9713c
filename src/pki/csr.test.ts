import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import { createCertificateAuthority, loadCertificateAuthority } from './ca.js';
import { createCertificateRequest, parseCertificateRequest, signCertificateRequest } from './issue.js';

const caPromise = createCertificateAuthority({ commonName: 'csr-test-ca' }).then((pair) =>
  loadCertificateAuthority(pair.certPem, pair.keyPem),
);

const isBadRequest = (pattern: RegExp) => (err: unknown) =>
  isApiError(err) && err.code === 400 && err.reason === 'BadRequest' && pattern.test(err.message);

test('a device CSR is signed into a client certificate that chains to the CA and keeps CN/O', async () => {
  const ca = await caPromise;
  const { csrPem, keyPem } = await createCertificateRequest({
    commonName: 'system:node:drone-7',
    organizations: ['system:nodes'],
  });
  assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----/);

  const info = await parseCertificateRequest(csrPem);
  assert.equal(info.commonName, 'system:node:drone-7');
  assert.deepEqual(info.organizations, ['system:nodes']);
  assert.equal(info.publicKeyAlgorithm, 'ECDSA P-256');
  assert.deepEqual(info.dnsNames, []);

  const certPem = await signCertificateRequest(ca, csrPem, {
    usages: ['digital signature', 'client auth'],
    validitySeconds: 3600,
  });
  const cert = new X509Certificate(certPem);
  const caCert = new X509Certificate(ca.certPem);
  assert.equal(cert.checkIssued(caCert), true);
  assert.equal(cert.verify(caCert.publicKey), true);
  assert.equal(cert.ca, false);
  assert.equal(cert.subject, 'O=system:nodes\nCN=system:node:drone-7');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.2']);
  assert.equal(cert.checkPrivateKey(createPrivateKey(keyPem)), true);
  const lifetimeSeconds = (Date.parse(cert.validTo) - Date.now()) / 1000;
  assert.ok(lifetimeSeconds > 3500 && lifetimeSeconds <= 3600, `lifetime ${lifetimeSeconds}`);
});

test('SANs requested in a CSR are carried into the certificate', async () => {
  const ca = await caPromise;
  const { csrPem } = await createCertificateRequest({
    commonName: 'system:node:drone-7',
    dnsNames: ['drone-7.local'],
    ipAddresses: ['10.1.2.3', 'fd00::7'],
  });
  const info = await parseCertificateRequest(csrPem);
  assert.deepEqual(info.dnsNames, ['drone-7.local']);
  assert.deepEqual(info.ipAddresses, ['10.1.2.3', 'fd00::7']);
  const cert = new X509Certificate(await signCertificateRequest(ca, csrPem, { usages: ['server auth'] }));
  assert.equal(cert.checkHost('drone-7.local', { subject: 'never' }), 'drone-7.local');
  assert.equal(cert.checkIP('fd00:0:0:0:0:0:0:7'), 'fd00:0:0:0:0:0:0:7');
  assert.deepEqual(cert.keyUsage, ['1.3.6.1.5.5.7.3.1']);
});

test('malformed CSRs are 400 Bad Request with a reason', async () => {
  const { csrPem } = await createCertificateRequest({ commonName: 'someone' });
  const body = csrPem.split('\n').slice(1, -2).join('\n');
  const cases: [string, RegExp][] = [
    ['', /is empty/],
    ['hello', /no PEM block/],
    [csrPem.replace(/CERTIFICATE REQUEST/g, 'CERTIFICATE'), /must be CERTIFICATE REQUEST/],
    [`-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n`, /not a PKCS#10/],
    [csrPem + csrPem, /exactly one PEM block/],
    [body, /no PEM block/],
  ];
  for (const [input, pattern] of cases) {
    await assert.rejects(
      parseCertificateRequest(input),
      isBadRequest(pattern),
      `input ${JSON.stringify(input)}`,
    );
  }
});

test('a CSR whose signature does not verify is refused', async () => {
  const { csrPem } = await createCertificateRequest({ commonName: 'someone' });
  const der = Buffer.from(csrPem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
  der[der.length - 5] ^= 0x01; // inside the signature value
  const tampered = `-----BEGIN CERTIFICATE REQUEST-----\n${der.toString('base64')}\n-----END CERTIFICATE REQUEST-----\n`;
  await assert.rejects(parseCertificateRequest(tampered), isBadRequest(/signature/));
});

test('signing refuses unknown or CA usages and too-short lifetimes', async () => {
  const ca = await caPromise;
  const { csrPem } = await createCertificateRequest({ commonName: 'someone' });
  await assert.rejects(signCertificateRequest(ca, csrPem, { usages: [] }), isBadRequest(/at least one/));
  await assert.rejects(
    signCertificateRequest(ca, csrPem, { usages: ['cert sign'] }),
    isBadRequest(/cannot be CAs/),
  );
  await assert.rejects(
    signCertificateRequest(ca, csrPem, { usages: ['toString'] }),
    isBadRequest(/unsupported/),
  );
  await assert.rejects(
    signCertificateRequest(ca, csrPem, { usages: ['client auth'], validitySeconds: 60 }),
    isBadRequest(/at least 600/),
  );
  await assert.rejects(signCertificateRequest(ca, 'junk', { usages: ['client auth'] }), isBadRequest(/PEM/));
});

test('a certificate never outlives the CA that signed it', async () => {
  const pair = await createCertificateAuthority({ commonName: 'short-ca', validityDays: 1 });
  const ca = await loadCertificateAuthority(pair.certPem, pair.keyPem);
  const { csrPem } = await createCertificateRequest({ commonName: 'someone' });
  const certPem = await signCertificateRequest(ca, csrPem, { usages: ['client auth'] });
  assert.equal(new X509Certificate(certPem).validTo, new X509Certificate(pair.certPem).validTo);
});
