/** What the CA and the issuers share: the PEM pair shape, serial numbers and validity windows. */
import { randomBytes } from 'node:crypto';
import { internalError } from '../api/errors.js';
import { x509 } from './x509.js';

export interface CertificateAndKey {
  certPem: string;
  keyPem: string;
}

export const DAY_MS = 24 * 60 * 60 * 1000;

/** Devices at the edge often have drifting clocks; a certificate valid "from now" would be rejected. */
const BACKDATE_MS = 5 * 60 * 1000;

/**
 * 16 random bytes as hex. The top bit is cleared so DER reads the serial as positive, and the next
 * one set so the first byte is never zero: Go rejects serials that are negative or not minimally encoded.
 */
export function randomSerialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x40;
  return bytes.toString('hex');
}

/** From a little before now for `lifetimeMs`, never past `limit` (an issued cert can't outlive its CA). */
export function validityWindow(lifetimeMs: number, limit?: Date): { notBefore: Date; notAfter: Date } {
  const now = Date.now();
  const wanted = new Date(now + lifetimeMs);
  const notAfter = limit && limit < wanted ? limit : wanted;
  if (notAfter.getTime() <= now) {
    throw internalError(`the cluster CA expired at ${limit?.toISOString()}; it has to be rotated by hand`);
  }
  // Short-lived certificates are backdated proportionally, so most of their life lies ahead of them.
  return { notBefore: new Date(now - Math.min(BACKDATE_MS, lifetimeMs / 10)), notAfter };
}

/** Parses a PEM certificate; `what` names it in the error ("cluster CA certificate"). */
export function parseCertificatePem(certPem: string, what: string): x509.X509Certificate {
  try {
    return new x509.X509Certificate(certPem);
  } catch (err) {
    throw internalError(`${what} is not a readable PEM certificate`, err);
  }
}
