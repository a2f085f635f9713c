/**
 * Renews the node's client certificate before it expires, while the link is up: a new key and CSR
 * signed with the current certificate (the hub auto-approves a node renewing its own name), saved
 * atomically and switched to without a restart. A device that stays away longer than its certificate
 * lives must re-join with a token; renewing at 80 % of the lifetime makes that rare.
 */
import { X509Certificate } from 'node:crypto';
import type { KubeClient } from '../../client/index.js';
import { requestNodeCertificate } from './bootstrap.js';
import { type NodeCredentials, saveCredentials } from './credentials.js';

/** Renew once this fraction of the certificate's lifetime has passed. */
export const RENEW_AT_FRACTION = 0.8;

export function renewalDue(certPem: string, now = Date.now()): boolean {
  const cert = new X509Certificate(certPem);
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  return now >= from + (to - from) * RENEW_AT_FRACTION;
}

/** When a certificate is due for renewal (epoch ms). */
export function renewalTime(certPem: string): number {
  const cert = new X509Certificate(certPem);
  const from = Date.parse(cert.validFrom);
  return from + (Date.parse(cert.validTo) - from) * RENEW_AT_FRACTION;
}

export function certificateLifetimeMs(certPem: string): number {
  const cert = new X509Certificate(certPem);
  return Date.parse(cert.validTo) - Date.parse(cert.validFrom);
}

export async function renewCertificate(options: {
  client: KubeClient;
  dataDir: string;
  server: string;
  nodeName: string;
  credentials: NodeCredentials;
  log(line: string): void;
}): Promise<NodeCredentials> {
  const { certPem, keyPem } = await requestNodeCertificate(options.client, {
    nodeName: options.nodeName,
    log: options.log,
  });
  const credentials = { ...options.credentials, certPem, keyPem };
  await saveCredentials(options.dataDir, options.server, options.nodeName, credentials);
  options.client.setClientCertificate(certPem, keyPem);
  options.log(`join: renewed the node certificate (valid until ${new X509Certificate(certPem).validTo})`);
  return credentials;
}
