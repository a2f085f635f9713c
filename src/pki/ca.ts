/**
 * The cluster certificate authority: creating it, loading it for signing, and the kubeadm-style
 * hash that joining devices pin it by.
 */
import { createHash, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { badRequest, internalError } from '../api/errors.js';
import {
  type CertificateAndKey,
  DAY_MS,
  parseCertificatePem,
  randomSerialNumber,
  validityWindow,
} from './certificate.js';
import {
  generateKeyPair,
  importSigningKey,
  P256_SIGNING,
  privateKeyToPem,
  readPrivateKey,
  type SigningKey,
} from './keys.js';
import { buildSubjectName } from './subject.js';
import { toPem, x509 } from './x509.js';

export interface CertificateAuthorityOptions {
  commonName: string;
  /** Ten years by default, like kubeadm: replacing a CA means re-joining every device. */
  validityDays?: number;
}

/** A CA ready to sign: the PEM pair plus its parsed certificate and imported key. */
export interface CertificateAuthority extends CertificateAndKey {
  certificate: x509.X509Certificate;
  signingKey: SigningKey;
}

const DEFAULT_CA_VALIDITY_DAYS = 3650;

export async function createCertificateAuthority(
  options: CertificateAuthorityOptions,
): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const { notBefore, notAfter } = validityWindow((options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS) * DAY_MS);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: buildSubjectName({ commonName: options.commonName, organizations: [] }),
    notBefore,
    notAfter,
    keys,
    signingAlgorithm: P256_SIGNING,
    extensions: [
      // pathLen 0: this CA signs leaves only, so a leaked leaf key can never mint certificates.
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certPem: toPem(certificate), keyPem: await privateKeyToPem(keys.privateKey) };
}

/** Parses and cross-checks a CA pair: the certificate must be a CA and the key must be its key. */
export async function loadCertificateAuthority(
  certPem: string,
  keyPem: string,
): Promise<CertificateAuthority> {
  const certificate = parseCertificatePem(certPem, 'the CA certificate');
  const constraints = certificate.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) throw internalError('the CA certificate is not marked as a CA (basicConstraints)');
  if (!new NodeX509Certificate(certPem).checkPrivateKey(readPrivateKey(keyPem, 'the CA key'))) {
    throw internalError('the CA key does not belong to the CA certificate');
  }
  const signingKey = await importSigningKey(keyPem, 'the CA key');
  return { certPem, keyPem, certificate, signingKey };
}

/**
 * `sha256:<hex>` over the DER SubjectPublicKeyInfo of the CA certificate, as `kubeadm join
 * --discovery-token-ca-cert-hash` computes it. It pins the key, so it survives re-issuing the CA
 * certificate with the same key.
 */
export function caCertHash(certPem: string): string {
  const certificate = parseCertificatePem(certPem, 'the CA certificate');
  const spki = Buffer.from(certificate.publicKey.rawData);
  return `sha256:${createHash('sha256').update(spki).digest('hex')}`;
}

const PIN_FORMAT = /^sha256:[0-9a-f]{64}$/i;

/** What a joining device does with `--ca-cert-hash`: true when the offered CA is the pinned one. */
export function caCertHashMatches(certPem: string, pin: string): boolean {
  if (!PIN_FORMAT.test(pin)) {
    throw badRequest(`CA certificate hash "${pin}" must look like sha256:<64 hex digits>`);
  }
  return caCertHash(certPem) === pin.toLowerCase();
}
