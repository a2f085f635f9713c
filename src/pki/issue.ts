/**
 * Certificates signed by the cluster CA: the hub's serving certificate, client certificates for
 * users, and certificates for CertificateSigningRequests submitted by joining devices.
 */
import { badRequest } from '../api/errors.js';
import { altNamesExtension, altNamesExtensionFrom } from './alt-names.js';
import type { CertificateAuthority } from './ca.js';
import { type CertificateAndKey, DAY_MS, randomSerialNumber, validityWindow } from './certificate.js';
import { decodeCertificateRequest } from './csr.js';
import { generateKeyPair, privateKeyToPem } from './keys.js';
import { buildSubjectName } from './subject.js';
import { toX509Usages } from './usages.js';
import { toPem, x509 } from './x509.js';

export { createCertificateRequest, parseCertificateRequest } from './csr.js';

export interface ServingCertificateOptions {
  commonName: string;
  dnsNames?: string[];
  ipAddresses?: string[];
  validityDays?: number;
}

export interface ClientCertificateOptions {
  /** The user name Kubernetes will see. */
  commonName: string;
  /** The groups Kubernetes will see. */
  organizations?: string[];
  validityDays?: number;
}

export interface SignRequestOptions {
  /** Kubernetes usage words, as in CertificateSigningRequest.spec.usages. */
  usages: readonly string[];
  /** As spec.expirationSeconds: at least 600; one year when absent; never past the CA's own expiry. */
  validitySeconds?: number;
  /** Lower bound on validity (600 s by default, as Kubernetes); a hub may sign shorter certificates for tests. */
  minimumSeconds?: number;
}

const DEFAULT_LEAF_VALIDITY_DAYS = 365;
/** The floor Kubernetes puts on spec.expirationSeconds. */
const MIN_REQUEST_VALIDITY_SECONDS = 600;

// ECDSA keys only sign, so digitalSignature is the one key usage our own leaves need.
const LEAF_KEY_USAGE = x509.KeyUsageFlags.digitalSignature;

export async function issueServingCertificate(
  ca: CertificateAuthority,
  options: ServingCertificateOptions,
): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const certPem = await signLeaf(ca, {
    subject: buildSubjectName({ commonName: options.commonName, organizations: [] }),
    publicKey: keys.publicKey,
    lifetimeMs: (options.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS) * DAY_MS,
    keyUsage: LEAF_KEY_USAGE,
    extendedKeyUsages: [x509.ExtendedKeyUsage.serverAuth],
    altNames: altNamesExtension(options.dnsNames ?? [], options.ipAddresses ?? []),
  });
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey) };
}

export async function issueClientCertificate(
  ca: CertificateAuthority,
  options: ClientCertificateOptions,
): Promise<CertificateAndKey> {
  const keys = await generateKeyPair();
  const certPem = await signLeaf(ca, {
    subject: buildSubjectName({ commonName: options.commonName, organizations: options.organizations ?? [] }),
    publicKey: keys.publicKey,
    lifetimeMs: (options.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS) * DAY_MS,
    keyUsage: LEAF_KEY_USAGE,
    extendedKeyUsages: [x509.ExtendedKeyUsage.clientAuth],
    altNames: [],
  });
  return { certPem, keyPem: await privateKeyToPem(keys.privateKey) };
}

/**
 * Signs a request as submitted: subject and SANs are copied verbatim. Deciding whether this
 * requester may have that name is the approver's job, done before calling this.
 */
export async function signCertificateRequest(
  ca: CertificateAuthority,
  csrPem: string,
  options: SignRequestOptions,
): Promise<string> {
  const validitySeconds = options.validitySeconds ?? DEFAULT_LEAF_VALIDITY_DAYS * 24 * 60 * 60;
  const minimum = options.minimumSeconds ?? MIN_REQUEST_VALIDITY_SECONDS;
  if (!Number.isInteger(validitySeconds) || validitySeconds < minimum) {
    throw badRequest(`validity must be a whole number of seconds, at least ${minimum}`);
  }
  const usages = toX509Usages(options.usages);
  const { request, info } = await decodeCertificateRequest(csrPem);
  return signLeaf(ca, {
    subject: request.subjectName,
    publicKey: request.publicKey,
    lifetimeMs: validitySeconds * 1000,
    keyUsage: usages.keyUsage,
    extendedKeyUsages: usages.extendedKeyUsages,
    altNames: altNamesExtensionFrom(info),
  });
}

interface LeafTemplate {
  subject: x509.Name;
  publicKey: x509.PublicKeyType;
  lifetimeMs: number;
  keyUsage: number;
  extendedKeyUsages: string[];
  altNames: x509.Extension[];
}

async function signLeaf(ca: CertificateAuthority, leaf: LeafTemplate): Promise<string> {
  const { notBefore, notAfter } = validityWindow(leaf.lifetimeMs, ca.certificate.notAfter);
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    ...(leaf.keyUsage ? [new x509.KeyUsagesExtension(leaf.keyUsage, true)] : []),
    ...(leaf.extendedKeyUsages.length ? [new x509.ExtendedKeyUsageExtension(leaf.extendedKeyUsages)] : []),
    ...leaf.altNames,
    await authorityKeyIdentifier(ca),
  ];
  const certificate = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: leaf.subject,
    issuer: ca.certificate.subjectName,
    notBefore,
    notAfter,
    publicKey: leaf.publicKey,
    signingKey: ca.signingKey.key,
    signingAlgorithm: ca.signingKey.algorithm,
    extensions,
  });
  return toPem(certificate);
}

/** Points at the CA's own key identifier, so verifiers pick the right CA after a key rotation. */
async function authorityKeyIdentifier(ca: CertificateAuthority): Promise<x509.Extension> {
  const own = ca.certificate.getExtension(x509.SubjectKeyIdentifierExtension);
  if (own) return new x509.AuthorityKeyIdentifierExtension(own.keyId);
  return x509.AuthorityKeyIdentifierExtension.create(ca.certificate.publicKey);
}
