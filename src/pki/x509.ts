/**
 * The one entry point to @peculiar/x509 in Minato: installs the Reflect shim the library needs and
 * points it at Node's WebCrypto. Import `x509` from here, never from the package directly, or the
 * library may load before either is in place.
 */
import './reflect-shim.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/**
 * PEM text as OpenSSL and Go write it, ending in a newline: the library omits it, and files or
 * bundles concatenated without one break parsers.
 */
export function toPem(object: { toString(format: 'pem'): string }): string {
  return `${object.toString('pem')}\n`;
}

export { x509 };
