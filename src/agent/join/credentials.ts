/**
 * The node's identity on disk: DATA/pki/{ca.crt,node.key,node.crt} and DATA/agent.kubeconfig.
 * Valid files mean the agent skips bootstrap, so a device that restarts offline needs no hub.
 */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { join } from 'node:path';
import { PRIVATE_MODE, readTextIfExists, writeFileAtomic } from '../../common/atomic-file.js';

export interface NodeCredentials {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export const PKI_DIR = 'pki';
export const KUBECONFIG_FILE = 'agent.kubeconfig';
const FILES = { ca: 'ca.crt', cert: 'node.crt', key: 'node.key' } as const;

export function nodeUserName(nodeName: string): string {
  return `system:node:${nodeName}`;
}

export type LoadedCredentials =
  | { ok: true; credentials: NodeCredentials; notAfter: Date; notBefore: Date }
  | { ok: false; why: string };

/** Existing credentials if they are complete, for this node, signed by the saved CA and unexpired. */
export async function loadCredentials(
  dataDir: string,
  nodeName: string,
  now = Date.now(),
): Promise<LoadedCredentials> {
  const dir = join(dataDir, PKI_DIR);
  const [caPem, certPem, keyPem] = await Promise.all(
    [FILES.ca, FILES.cert, FILES.key].map((f) => readTextIfExists(join(dir, f))),
  );
  if (!caPem || !certPem || !keyPem) return { ok: false, why: `no node certificate in ${dir}` };
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(certPem);
    ca = new X509Certificate(caPem);
  } catch (err) {
    return { ok: false, why: `the certificates in ${dir} are unreadable (${(err as Error).message})` };
  }
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(cert.subject)?.[1];
  if (cn !== nodeUserName(nodeName)) {
    return { ok: false, why: `the saved certificate is for "${cn}", not "${nodeUserName(nodeName)}"` };
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
    return { ok: false, why: 'the saved certificate was not signed by the saved CA' };
  }
  const notAfter = new Date(cert.validTo);
  if (notAfter.getTime() <= now)
    return { ok: false, why: `the saved certificate expired on ${notAfter.toISOString()}` };
  try {
    if (!cert.checkPrivateKey(createPrivateKey(keyPem))) {
      return { ok: false, why: 'the saved key does not belong to the saved certificate' };
    }
  } catch {
    return { ok: false, why: 'the saved key is unreadable' };
  }
  return { ok: true, credentials: { caPem, certPem, keyPem }, notAfter, notBefore: new Date(cert.validFrom) };
}

/** Writes the key first, then the certificate, CA and kubeconfig (mode 0600). */
export async function saveCredentials(
  dataDir: string,
  server: string,
  nodeName: string,
  credentials: NodeCredentials,
): Promise<void> {
  const dir = join(dataDir, PKI_DIR);
  await writeFileAtomic(join(dir, FILES.key), credentials.keyPem, PRIVATE_MODE);
  await writeFileAtomic(join(dir, FILES.cert), credentials.certPem, 0o644);
  await writeFileAtomic(join(dir, FILES.ca), credentials.caPem, 0o644);
  const { renderKubeconfig } = await import('../../pki/index.js');
  const kubeconfig = renderKubeconfig({
    clusterName: 'minato',
    server,
    caPem: credentials.caPem,
    user: nodeUserName(nodeName),
    clientCertPem: credentials.certPem,
    clientKeyPem: credentials.keyPem,
  });
  await writeFileAtomic(join(dataDir, KUBECONFIG_FILE), kubeconfig, PRIVATE_MODE);
}
