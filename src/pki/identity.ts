/**
 * Who a verified client certificate names, read the way Kubernetes reads it: CN is the user,
 * each O is a group. This does not verify anything; the TLS handshake (or the caller) must have
 * checked the chain first, e.g. `socket.authorized` on a server with `requestCert: true`.
 */
import type { X509Certificate as NodeX509Certificate } from 'node:crypto';
import type { PeerCertificate } from 'node:tls';
import { unauthorized } from '../api/errors.js';
import { readSubjectName } from './subject.js';
import { x509 } from './x509.js';

export interface CertificateIdentity {
  user: string;
  groups: string[];
}

/**
 * Reads the DER bytes rather than Node's parsed `subject` object, whose shape for repeated
 * attributes (string or array) and escaping of special characters have varied between releases.
 */
export function identityFromPeerCertificate(
  certificate: PeerCertificate | NodeX509Certificate | x509.X509Certificate,
): CertificateIdentity {
  const parsed = certificate instanceof x509.X509Certificate ? certificate : fromDer(certificate.raw);
  const { commonName, organizations } = readSubjectName(parsed.subjectName);
  if (!commonName) throw unauthorized('client certificate has no common name to use as the user name');
  return { user: commonName, groups: organizations };
}

/** A TLS socket reports "no certificate" as an empty object, so `raw` may well be missing. */
function fromDer(raw: Buffer | undefined): x509.X509Certificate {
  if (!raw?.length) throw unauthorized('no client certificate was presented');
  try {
    return new x509.X509Certificate(raw);
  } catch {
    throw unauthorized('client certificate could not be parsed');
  }
}
