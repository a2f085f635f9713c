/**
 * Key pairs for everything Minato issues: ECDSA P-256, because it is quick to generate on small
 * devices and every client we care about (kubectl, client-go, Node TLS) accepts it. Private keys
 * travel as PKCS#8 "PRIVATE KEY" PEM, public keys as SubjectPublicKeyInfo "PUBLIC KEY" PEM.
 */
import { createPrivateKey, createPublicKey, type KeyObject, webcrypto } from 'node:crypto';
import { internalError } from '../api/errors.js';
import { x509 } from './x509.js';

export type CryptoKey = webcrypto.CryptoKey;
export type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** The WebCrypto signature parameters matching a key; @peculiar/x509 needs them to sign. */
export interface SigningAlgorithm {
  name: 'ECDSA';
  hash: 'SHA-256' | 'SHA-384';
}

export interface SigningKey {
  key: CryptoKey;
  algorithm: SigningAlgorithm;
}

const P256 = { name: 'ECDSA', namedCurve: 'P-256' } as const;

/** OpenSSL curve names (what Node reports) to WebCrypto curve names and their customary hash. */
const SUPPORTED_CURVES = new Map<string, { namedCurve: string; hash: SigningAlgorithm['hash'] }>([
  ['prime256v1', { namedCurve: 'P-256', hash: 'SHA-256' }],
  ['secp384r1', { namedCurve: 'P-384', hash: 'SHA-384' }],
]);

export const P256_SIGNING: SigningAlgorithm = { name: 'ECDSA', hash: 'SHA-256' };

export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return webcrypto.subtle.generateKey(P256, true, ['sign', 'verify']);
}

export async function privateKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('pkcs8', key);
  return `${x509.PemConverter.encode(der, 'PRIVATE KEY')}\n`;
}

export async function publicKeyToPem(key: CryptoKey): Promise<string> {
  const der = await webcrypto.subtle.exportKey('spki', key);
  return `${x509.PemConverter.encode(der, 'PUBLIC KEY')}\n`;
}

/** Parses a private key PEM (PKCS#8, or SEC1 "EC PRIVATE KEY" written by other tools). */
export function readPrivateKey(keyPem: string, what: string): KeyObject {
  try {
    return createPrivateKey(keyPem);
  } catch (err) {
    throw internalError(`${what} is not a readable PEM private key`, err);
  }
}

/** The SubjectPublicKeyInfo PEM of a private key, e.g. to rebuild sa.pub from sa.key. */
export function publicKeyPemOf(keyPem: string, what: string): string {
  return createPublicKey(readPrivateKey(keyPem, what)).export({ type: 'spki', format: 'pem' }).toString();
}

/** Imports a private key for signing certificates. Only EC keys: Minato never creates others. */
export async function importSigningKey(keyPem: string, what: string): Promise<SigningKey> {
  const keyObject = readPrivateKey(keyPem, what);
  const curve = SUPPORTED_CURVES.get(keyObject.asymmetricKeyDetails?.namedCurve ?? '');
  if (keyObject.asymmetricKeyType !== 'ec' || !curve) {
    const kind = keyObject.asymmetricKeyType ?? 'unknown';
    throw internalError(`${what} must be an ECDSA P-256 or P-384 key (found ${kind})`);
  }
  const der = keyObject.export({ type: 'pkcs8', format: 'der' });
  const key = await webcrypto.subtle.importKey(
    'pkcs8',
    der,
    { name: 'ECDSA', namedCurve: curve.namedCurve },
    false,
    ['sign'],
  );
  return { key, algorithm: { name: 'ECDSA', hash: curve.hash } };
}
