/**
 * Kubernetes spells key usages as words in CertificateSigningRequest.spec.usages ("digital
 * signature", "client auth"). This maps them to X.509 key usage bits and extended key usage OIDs.
 */
import { badRequest, fieldNotSupported } from '../api/errors.js';
import { x509 } from './x509.js';

export interface X509Usages {
  keyUsage: number;
  extendedKeyUsages: string[];
}

const KEY_USAGES = new Map<string, number>([
  ['signing', x509.KeyUsageFlags.digitalSignature],
  ['digital signature', x509.KeyUsageFlags.digitalSignature],
  ['content commitment', x509.KeyUsageFlags.nonRepudiation],
  ['key encipherment', x509.KeyUsageFlags.keyEncipherment],
  ['key agreement', x509.KeyUsageFlags.keyAgreement],
  ['data encipherment', x509.KeyUsageFlags.dataEncipherment],
  ['encipher only', x509.KeyUsageFlags.encipherOnly],
  ['decipher only', x509.KeyUsageFlags.decipherOnly],
]);

const EXTENDED_KEY_USAGES = new Map<string, string>([
  ['any', '2.5.29.37.0'],
  ['server auth', x509.ExtendedKeyUsage.serverAuth],
  ['client auth', x509.ExtendedKeyUsage.clientAuth],
  ['code signing', x509.ExtendedKeyUsage.codeSigning],
  ['email protection', x509.ExtendedKeyUsage.emailProtection],
  ['s/mime', x509.ExtendedKeyUsage.emailProtection],
  ['ipsec end system', '1.3.6.1.5.5.7.3.5'],
  ['ipsec tunnel', '1.3.6.1.5.5.7.3.6'],
  ['ipsec user', '1.3.6.1.5.5.7.3.7'],
  ['timestamping', x509.ExtendedKeyUsage.timeStamping],
  ['ocsp signing', x509.ExtendedKeyUsage.ocspSigning],
]);

/** Certificates signed from requests are leaves: a request must never yield a signing authority. */
const CA_USAGES = new Set(['cert sign', 'crl sign']);

export function toX509Usages(usages: readonly string[]): X509Usages {
  if (!usages.length)
    throw badRequest('at least one key usage is required (e.g. "digital signature", "client auth")');
  const result: X509Usages = { keyUsage: 0, extendedKeyUsages: [] };
  usages.forEach((usage, index) => {
    const bit = KEY_USAGES.get(usage);
    const oid = EXTENDED_KEY_USAGES.get(usage);
    if (bit !== undefined) result.keyUsage |= bit;
    else if (oid !== undefined) {
      if (!result.extendedKeyUsages.includes(oid)) result.extendedKeyUsages.push(oid);
    } else if (CA_USAGES.has(usage)) {
      throw badRequest(`usage "${usage}" is not allowed: signed certificates cannot be CAs`);
    } else {
      const allowed = [...KEY_USAGES.keys(), ...EXTENDED_KEY_USAGES.keys()];
      throw badRequest(`unsupported key usage "${usage}"`, [
        fieldNotSupported(`usages[${index}]`, usage, allowed),
      ]);
    }
  });
  return result;
}
