/**
 * The cluster's PKI on disk, under DIR/pki: created on first start, reused on every later one,
 * repaired where that is safe (leaf certificates), and never silently replaced where it is not
 * (the CA, which every joined device has pinned; the service-account key, which signed tokens).
 */
import { mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { internalError } from '../api/errors.js';
import { checkDnsName, checkIpAddress, isDnsName } from './alt-names.js';
import {
  type CertificateAuthority,
  caCertHash,
  createCertificateAuthority,
  loadCertificateAuthority,
} from './ca.js';
import type { CertificateAndKey } from './certificate.js';
import {
  type FileToWrite,
  PRIVATE_FILE_MODE,
  PUBLIC_FILE_MODE,
  readIfExists,
  writeFilesAtomically,
} from './files.js';
import { issueClientCertificate, issueServingCertificate } from './issue.js';
import {
  leafProblem,
  missingServingName,
  RENEW_BEFORE_MS,
  type ServingNames,
  subjectMismatch,
} from './leaf-checks.js';
import { ensureServiceAccountKeys, type ServiceAccountKeys } from './service-account-keys.js';

export const PKI_FILES = {
  caCert: 'ca.crt',
  caKey: 'ca.key',
  serverCert: 'server.crt',
  serverKey: 'server.key',
  adminCert: 'admin.crt',
  adminKey: 'admin.key',
  serviceAccountKey: 'sa.key',
  serviceAccountPublicKey: 'sa.pub',
} as const;

export const CA_COMMON_NAME = 'minato-ca';
export const SERVER_COMMON_NAME = 'minato-hub';
export const ADMIN_USER = 'minato-admin';
/** The group Kubernetes RBAC grants everything to, whatever the role bindings say. */
export const ADMIN_GROUP = 'system:masters';

const ADMIN_SUBJECT = { commonName: ADMIN_USER, organizations: [ADMIN_GROUP] };

export interface ClusterPkiOptions {
  /** Extra names for the serving certificate (e.g. --advertise); IP literals are moved to ipAddresses. */
  hostnames?: string[];
  ipAddresses?: string[];
}

export interface PkiChange {
  file: string;
  reason: string;
}

export interface ClusterPki {
  directory: string;
  ca: CertificateAuthority;
  caCertHash: string;
  server: CertificateAndKey;
  admin: CertificateAndKey;
  serviceAccount: ServiceAccountKeys;
  /** Files written by this call and why, for the startup log. Empty when everything was reused. */
  changes: PkiChange[];
  /** Things an operator must act on, such as a CA close to expiry. */
  warnings: string[];
}

export function pkiDirectory(dataDir: string): string {
  return join(dataDir, 'pki');
}

export async function ensureClusterPki(
  dataDir: string,
  options: ClusterPkiOptions = {},
): Promise<ClusterPki> {
  const directory = pkiDirectory(dataDir);
  // Only the pki folder is made private; the data dir's own mode is the caller's business.
  await mkdir(dataDir, { recursive: true });
  await mkdir(directory, { recursive: true, mode: 0o700 });
  const changes: PkiChange[] = [];
  const warnings: string[] = [];
  const ca = await ensureCertificateAuthority(directory, changes, warnings);

  const names = servingNames(options);
  const server = await ensureLeaf(
    directory,
    [PKI_FILES.serverCert, PKI_FILES.serverKey],
    changes,
    (pair) => leafProblem(pair, ca) ?? missingServingName(pair.certPem, names),
    () => issueServingCertificate(ca, { commonName: SERVER_COMMON_NAME, ...names }),
  );
  const admin = await ensureLeaf(
    directory,
    [PKI_FILES.adminCert, PKI_FILES.adminKey],
    changes,
    (pair) => leafProblem(pair, ca) ?? subjectMismatch(pair.certPem, ADMIN_SUBJECT),
    () => issueClientCertificate(ca, ADMIN_SUBJECT),
  );
  const serviceAccountKeys = await ensureServiceAccountKeys(
    join(directory, PKI_FILES.serviceAccountKey),
    join(directory, PKI_FILES.serviceAccountPublicKey),
  );
  changes.push(...serviceAccountKeys.written);
  const serviceAccount = serviceAccountKeys.keys;
  return {
    directory,
    ca,
    caCertHash: caCertHash(ca.certPem),
    server,
    admin,
    serviceAccount,
    changes,
    warnings,
  };
}

async function ensureCertificateAuthority(
  directory: string,
  changes: PkiChange[],
  warnings: string[],
): Promise<CertificateAuthority> {
  const certPem = await readIfExists(join(directory, PKI_FILES.caCert));
  const keyPem = await readIfExists(join(directory, PKI_FILES.caKey));
  if (certPem === null && keyPem === null) {
    const created = await createCertificateAuthority({ commonName: CA_COMMON_NAME });
    await writePair(directory, [PKI_FILES.caCert, PKI_FILES.caKey], created);
    changes.push({ file: PKI_FILES.caCert, reason: 'created' }, { file: PKI_FILES.caKey, reason: 'created' });
    return loadCertificateAuthority(created.certPem, created.keyPem);
  }
  if (certPem === null || keyPem === null) {
    const [present, missing] =
      certPem === null ? [PKI_FILES.caKey, PKI_FILES.caCert] : [PKI_FILES.caCert, PKI_FILES.caKey];
    throw internalError(
      `${join(directory, present)} exists but ${missing} does not. Minato never replaces a cluster CA on its ` +
        `own: restore ${missing}, or remove ${directory} to start a new cluster (every device must then re-join)`,
    );
  }
  const ca = await loadCertificateAuthority(certPem, keyPem);
  const remainingMs = ca.certificate.notAfter.getTime() - Date.now();
  if (remainingMs <= 0) {
    throw internalError(`the cluster CA in ${directory} expired at ${ca.certificate.notAfter.toISOString()}`);
  }
  if (remainingMs < RENEW_BEFORE_MS) {
    warnings.push(
      `the cluster CA expires at ${ca.certificate.notAfter.toISOString()}; ` +
        'certificates it issues are cut short to that date, and it must be rotated by hand',
    );
  }
  return ca;
}

/** Reuses a certificate/key pair unless `problem` finds a reason to issue a new one. */
async function ensureLeaf(
  directory: string,
  [certFile, keyFile]: readonly [string, string],
  changes: PkiChange[],
  problem: (pair: CertificateAndKey) => string | null,
  issue: () => Promise<CertificateAndKey>,
): Promise<CertificateAndKey> {
  const certPem = await readIfExists(join(directory, certFile));
  const keyPem = await readIfExists(join(directory, keyFile));
  const existing = certPem !== null && keyPem !== null ? { certPem, keyPem } : null;
  const reason = existing ? problem(existing) : 'missing';
  if (existing && reason === null) return existing;
  const issued = await issue();
  await writePair(directory, [certFile, keyFile], issued);
  changes.push(
    { file: certFile, reason: reason ?? 'missing' },
    { file: keyFile, reason: reason ?? 'missing' },
  );
  return issued;
}

/** localhost, loopback and this machine's name always; then whatever the operator asked for. */
function servingNames(options: ClusterPkiOptions): ServingNames {
  const dnsNames = new Set(['localhost']);
  const ipAddresses = new Set(['127.0.0.1', '::1']);
  const machine = hostname().toLowerCase();
  if (isDnsName(machine)) dnsNames.add(machine);
  for (const name of options.hostnames ?? []) {
    if (isIP(name)) ipAddresses.add(name);
    else dnsNames.add(checkDnsName(name));
  }
  for (const address of options.ipAddresses ?? []) ipAddresses.add(checkIpAddress(address));
  return { dnsNames: [...dnsNames], ipAddresses: [...ipAddresses] };
}

/** Key first: if only the first rename lands, the pair mismatches and is repaired on the next start. */
function writePair(
  directory: string,
  [certFile, keyFile]: readonly [string, string],
  pair: CertificateAndKey,
) {
  const files: FileToWrite[] = [
    { path: join(directory, keyFile), content: pair.keyPem, mode: PRIVATE_FILE_MODE },
    { path: join(directory, certFile), content: pair.certPem, mode: PUBLIC_FILE_MODE },
  ];
  return writeFilesAtomically(files);
}
