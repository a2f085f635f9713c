/**
 * Whether a stored leaf certificate can be kept. Each check returns why not (logged as the reason
 * for reissuing), or null when the certificate is fine.
 */
import { createPrivateKey, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { readAltNames } from './alt-names.js';
import type { CertificateAuthority } from './ca.js';
import { type CertificateAndKey, DAY_MS } from './certificate.js';
import { readSubjectName, type Subject } from './subject.js';
import { x509 } from './x509.js';

/** Renew this long before expiry, so a hub restarted even monthly never serves an expired certificate. */
export const RENEW_BEFORE_MS = 30 * DAY_MS;

export interface ServingNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** Readable, matching its key, issued by this CA and not about to expire. */
export function leafProblem(pair: CertificateAndKey, ca: CertificateAuthority): string | null {
  let certificate: NodeX509Certificate;
  try {
    certificate = new NodeX509Certificate(pair.certPem);
    if (!certificate.checkPrivateKey(createPrivateKey(pair.keyPem))) {
      return 'key does not match the certificate';
    }
  } catch {
    return 'unreadable';
  }
  const caCertificate = new NodeX509Certificate(ca.certPem);
  if (!certificate.checkIssued(caCertificate) || !certificate.verify(caCertificate.publicKey)) {
    return 'not issued by the current cluster CA';
  }
  const expiry = new Date(certificate.validTo);
  if (expiry.getTime() - Date.now() < RENEW_BEFORE_MS) return `expires at ${expiry.toISOString()}`;
  return null;
}

/** Every wanted name must be covered; extra names in the certificate are harmless and kept. */
export function missingServingName(certPem: string, wanted: ServingNames): string | null {
  const certificate = new NodeX509Certificate(certPem);
  // checkIP compares addresses, not spellings: "::1" and "0:0:0:0:0:0:0:1" are the same SAN.
  const missingIp = wanted.ipAddresses.find((address) => certificate.checkIP(address) === undefined);
  if (missingIp) return `no IP SAN for ${missingIp}`;
  const present = new Set(readAltNames(new x509.X509Certificate(certPem).extensions).dnsNames);
  const missingName = wanted.dnsNames.find((name) => !present.has(name));
  if (missingName) return `no DNS SAN for ${missingName}`;
  return null;
}

export function subjectMismatch(certPem: string, expected: Subject): string | null {
  const subject = readSubjectName(new x509.X509Certificate(certPem).subjectName);
  const groupsMissing = expected.organizations.some((group) => !subject.organizations.includes(group));
  if (subject.commonName === expected.commonName && !groupsMissing) return null;
  return `subject is not ${expected.commonName} in ${expected.organizations.join(', ')}`;
}
