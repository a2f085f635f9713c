import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import {
  caCertHash,
  createCertificateAuthority,
  issueServingCertificate,
  loadCertificateAuthority,
} from '../../pki/index.js';
import { isAgentError } from '../errors.js';
import { normalizePin, publicKeyPin, selectPinnedCa } from './ca-pin.js';

async function hubChain() {
  const caPair = await createCertificateAuthority({ commonName: 'minato-ca' });
  const ca = await loadCertificateAuthority(caPair.certPem, caPair.keyPem);
  const serving = await issueServingCertificate(ca, { commonName: 'hub', ipAddresses: ['127.0.0.1'] });
  return {
    caPem: caPair.certPem,
    chain: [new X509Certificate(serving.certPem), new X509Certificate(caPair.certPem)],
  };
}

test('our pin is the same hash "minato up" prints (caCertHash from src/pki)', async () => {
  const { caPem } = await hubChain();
  assert.equal(publicKeyPin(new X509Certificate(caPem)), caCertHash(caPem));
});

test('the CA matching the pin, which signed the leaf, is selected', async () => {
  const { caPem, chain } = await hubChain();
  const selected = selectPinnedCa(chain, caCertHash(caPem));
  assert.equal(new X509Certificate(selected).fingerprint256, new X509Certificate(caPem).fingerprint256);
  // Upper-case hex is accepted too.
  selectPinnedCa(chain, caCertHash(caPem).toUpperCase().replace('SHA256', 'sha256'));
});

test('a different CA gives the exact message naming both hashes', async () => {
  const { caPem, chain } = await hubChain();
  const other = await createCertificateAuthority({ commonName: 'someone-else' });
  const expected = caCertHash(other.certPem);
  assert.throws(
    () => selectPinnedCa(chain, expected),
    (err: unknown) => {
      assert.ok(isAgentError(err));
      assert.equal(
        err.message,
        `the hub's CA does not match --ca-cert-hash (expected ${expected}, the hub presented ${caCertHash(caPem)}): check the hash printed by "minato up"`,
      );
      return true;
    },
  );
});

test('a pinned CA that did not sign the hub leaf is refused', async () => {
  const { chain } = await hubChain();
  const impostor = await hubChain();
  // The chain presents our CA but a leaf from another CA.
  const mixed = [impostor.chain[0]!, chain[1]!];
  assert.throws(
    () => selectPinnedCa(mixed, publicKeyPin(chain[1]!)),
    /was not signed by the CA matching --ca-cert-hash/,
  );
});

test('a pin that matches only a leaf (not a CA) is refused', async () => {
  const { chain } = await hubChain();
  assert.throws(() => selectPinnedCa(chain, publicKeyPin(chain[0]!)), /is not a CA certificate/);
});

test('malformed pins are rejected with the expected format', () => {
  assert.throws(() => normalizePin('abc'), /--ca-cert-hash must look like sha256:<64 hex digits>/);
  assert.throws(() => normalizePin('sha1:00'), /sha256:<64 hex digits>/);
  assert.equal(normalizePin(` sha256:${'A'.repeat(64)} `), `sha256:${'a'.repeat(64)}`);
});
