/**
 * PKCS#10 certificate signing requests: what an agent creates to get a client certificate, and
 * how the hub reads one. Every problem with a submitted request is a 400 that says what is wrong.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { badRequest } from '../api/errors.js';
import { type AltNames, altNamesExtension, readAltNames } from './alt-names.js';
import { generateKeyPair, P256_SIGNING, privateKeyToPem } from './keys.js';
import { buildSubjectName, COMMON_NAME, readSubjectName, type Subject } from './subject.js';
import { toPem, x509 } from './x509.js';

export interface CertificateRequestOptions {
  commonName: string;
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
}

export interface CertificateRequestInfo extends Subject, AltNames {
  /** SubjectPublicKeyInfo PEM of the key the certificate will certify. */
  publicKeyPem: string;
  /** Human-readable, for approval UIs and logs: "ECDSA P-256", "RSA 2048", "Ed25519". */
  publicKeyAlgorithm: string;
}

/** A parsed request with its signature checked, for signers that need the raw public key too. */
export interface DecodedCertificateRequest {
  request: x509.Pkcs10CertificateRequest;
  info: CertificateRequestInfo;
}

/** Far above any real request (about 1 KiB), low enough that parsing cannot be made expensive. */
const MAX_REQUEST_BYTES = 64 * 1024;

/** Go's encoding/pem and Kubernetes accept both headers; OpenSSL's older tools write the second. */
const REQUEST_PEM_TYPES = new Set(['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST']);

const EC_CURVES = new Map([
  ['prime256v1', 'P-256'],
  ['secp384r1', 'P-384'],
  ['secp521r1', 'P-521'],
]);

const MIN_RSA_BITS = 2048;

export async function createCertificateRequest(
  options: CertificateRequestOptions,
): Promise<{ csrPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const request = await x509.Pkcs10CertificateRequestGenerator.create({
    name: buildSubjectName({ commonName: options.commonName, organizations: options.organizations ?? [] }),
    keys,
    signingAlgorithm: P256_SIGNING,
    extensions: altNamesExtension(options.dnsNames ?? [], options.ipAddresses ?? []),
  });
  return { csrPem: toPem(request), keyPem: await privateKeyToPem(keys.privateKey) };
}

export async function parseCertificateRequest(csrPem: string): Promise<CertificateRequestInfo> {
  return (await decodeCertificateRequest(csrPem)).info;
}

export async function decodeCertificateRequest(csrPem: string): Promise<DecodedCertificateRequest> {
  const request = parseRequestPem(csrPem);
  if (!(await signatureVerifies(request))) {
    throw invalidRequest('its signature does not match its public key');
  }
  const subject = readSubjectName(request.subjectName);
  if (request.subjectName.getField(COMMON_NAME).length > 1)
    throw invalidRequest('it has more than one common name');
  if (!subject.commonName) throw invalidRequest('it has no common name (the user name to certify)');
  const publicKey = publicKeyOf(request);
  return {
    request,
    info: {
      ...subject,
      ...readAltNames(request.extensions),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      publicKeyAlgorithm: describeAcceptedKey(publicKey),
    },
  };
}

function invalidRequest(why: string) {
  return badRequest(`invalid certificate signing request: ${why}`);
}

function parseRequestPem(csrPem: unknown): x509.Pkcs10CertificateRequest {
  if (typeof csrPem !== 'string' || !csrPem.trim()) throw invalidRequest('it is empty');
  if (Buffer.byteLength(csrPem) > MAX_REQUEST_BYTES)
    throw invalidRequest(`it is over ${MAX_REQUEST_BYTES} bytes`);
  let blocks: x509.PemStruct[];
  try {
    blocks = x509.PemConverter.decodeWithHeaders(csrPem);
  } catch {
    blocks = [];
  }
  if (blocks.length !== 1) {
    throw invalidRequest(blocks.length ? 'expected exactly one PEM block' : 'no PEM block found');
  }
  const block = blocks[0]!;
  if (!REQUEST_PEM_TYPES.has(block.type)) {
    throw invalidRequest(`PEM block type must be CERTIFICATE REQUEST, not ${block.type}`);
  }
  try {
    return new x509.Pkcs10CertificateRequest(block.rawData);
  } catch {
    throw invalidRequest('the PEM block is not a PKCS#10 request');
  }
}

/** Proof of possession: only the holder of the private key can have signed the request. */
async function signatureVerifies(request: x509.Pkcs10CertificateRequest): Promise<boolean> {
  try {
    return await request.verify();
  } catch {
    return false;
  }
}

function publicKeyOf(request: x509.Pkcs10CertificateRequest): KeyObject {
  try {
    return createPublicKey({ key: Buffer.from(request.publicKey.rawData), format: 'der', type: 'spki' });
  } catch {
    throw invalidRequest('its public key is unreadable');
  }
}

/** Keys every TLS stack in play (Go, OpenSSL) can use; anything else would fail later, obscurely. */
function describeAcceptedKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails ?? {};
  if (key.asymmetricKeyType === 'ec') {
    const curve = EC_CURVES.get(details.namedCurve ?? '');
    if (curve) return `ECDSA ${curve}`;
    throw invalidRequest(`EC curve ${details.namedCurve} is not supported (use P-256, P-384 or P-521)`);
  }
  if (key.asymmetricKeyType === 'rsa') {
    const bits = details.modulusLength ?? 0;
    if (bits >= MIN_RSA_BITS) return `RSA ${bits}`;
    throw invalidRequest(`RSA keys must have at least ${MIN_RSA_BITS} bits, this one has ${bits}`);
  }
  if (key.asymmetricKeyType === 'ed25519') return 'Ed25519';
  throw invalidRequest(`key type ${key.asymmetricKeyType} is not supported`);
}
