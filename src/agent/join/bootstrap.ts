/**
 * TLS bootstrap, as the kubelet does it: with the bootstrap token, submit a
 * CertificateSigningRequest for system:node:NAME, wait for the hub to issue it, and return the
 * key and certificate. Every way this can fail ends quickly with a message that names the fix.
 */
import { isApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { isTransportError, KubeClient, resourcePath, sleep } from '../../client/index.js';
import { AgentError } from '../errors.js';
import { nodeUserName } from './credentials.js';

export interface BootstrapOptions {
  server: string;
  /** The pinned CA (PEM). */
  caPem: string;
  token: string;
  nodeName: string;
  /** How long to wait for the certificate to be issued. Default 30 s. */
  issueTimeoutMs?: number;
  pollIntervalMs?: number;
  log?: (line: string) => void;
}

const TOKEN_FORMAT = /^[a-z0-9]{6}\.[a-z0-9]{16}$/;
const CSR_PATH = resourcePath({
  apiVersion: 'certificates.k8s.io/v1',
  resource: 'certificatesigningrequests',
});
const TOKEN_FIX = 'create a new one on the hub with "minato token create" and pass it with --token';

export function checkTokenFormat(token: string): void {
  if (!TOKEN_FORMAT.test(token)) {
    throw new AgentError(
      `--token must look like abcdef.0123456789abcdef (6 and 16 lowercase letters or digits), got "${token.length > 40 ? `${token.slice(0, 40)}…` : token}": ${TOKEN_FIX}`,
    );
  }
}

export async function bootstrapCredentials(
  options: BootstrapOptions,
): Promise<{ certPem: string; keyPem: string }> {
  checkTokenFormat(options.token);
  const client = new KubeClient({
    server: options.server,
    caPem: options.caPem,
    token: options.token,
    timeoutMs: 10_000,
    userAgent: 'minato-agent/bootstrap',
  });
  try {
    return await requestNodeCertificate(client, options);
  } finally {
    client.close();
  }
}

/**
 * Submits a CSR for system:node:NAME with `client` (a bootstrap token, or the node's current
 * certificate when renewing) and waits until the hub issues it.
 */
export async function requestNodeCertificate(
  client: KubeClient,
  options: Pick<BootstrapOptions, 'nodeName' | 'issueTimeoutMs' | 'pollIntervalMs' | 'log'>,
): Promise<{ certPem: string; keyPem: string }> {
  const log = options.log ?? (() => {});
  // Loaded only when needed: the X.509 library costs ~20 MiB of RSS a running device can keep.
  const { createCertificateRequest } = await import('../../pki/index.js');
  const { csrPem, keyPem } = await createCertificateRequest({
    commonName: nodeUserName(options.nodeName),
    organizations: ['system:nodes'],
  });
  const body = {
    apiVersion: 'certificates.k8s.io/v1',
    kind: 'CertificateSigningRequest',
    metadata: { generateName: 'node-csr-' },
    spec: {
      request: Buffer.from(csrPem, 'utf8').toString('base64'),
      signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      usages: ['digital signature', 'client auth'],
    },
  };
  const created = await submitWhenAdmitted(client, body, log);
  const name = created.metadata.name!;
  log(`join: submitted CertificateSigningRequest ${name}; waiting for the hub to issue the certificate`);
  const certificate = await waitForCertificate(client, name, created, options);
  return { certPem: certificate, keyPem };
}

/**
 * Submits the CSR; while the hub answers 429 (too busy to take new devices) waits what it asks, with
 * jitter so a crowd of devices spreads out, and tries again. It never gives up on a busy hub: the
 * device keeps its place in line and says so.
 */
async function submitWhenAdmitted(
  client: KubeClient,
  body: object,
  log: (line: string) => void,
): Promise<KubeObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.create(CSR_PATH, body);
    } catch (err) {
      if (!isApiError(err) || err.code !== 429)
        throw explain(err, 'submitting the certificate signing request');
      const seconds = (err.details?.retryAfterSeconds ?? 5) * (0.5 + Math.random());
      log(`join: ${err.message} (attempt ${attempt}); submitting again in ${seconds.toFixed(1)} s`);
      await sleep(seconds * 1000);
    }
  }
}

async function waitForCertificate(
  client: KubeClient,
  name: string,
  first: KubeObject,
  options: Pick<BootstrapOptions, 'issueTimeoutMs' | 'pollIntervalMs'>,
): Promise<string> {
  const timeoutMs = options.issueTimeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  let csr = first;
  // The hub approves and signs within milliseconds when it is not busy: look early, then less often.
  let wait = Math.min(50, options.pollIntervalMs ?? 500);
  for (;;) {
    const issued = csr.status?.certificate as string | undefined;
    if (issued) return Buffer.from(issued, 'base64').toString('utf8');
    const conditions = (csr.status?.conditions ?? []) as {
      type?: string;
      reason?: string;
      message?: string;
    }[];
    const refusal = conditions.find((c) => c.type === 'Denied' || c.type === 'Failed');
    if (refusal) {
      const because = [refusal.reason, refusal.message].filter(Boolean).join(': ');
      throw new AgentError(
        `the hub ${refusal.type === 'Denied' ? 'denied' : 'failed to sign'} certificate signing request ${name}${because ? ` (${because})` : ''}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new AgentError(
        `certificate signing request ${name} was not issued within ${Math.round(timeoutMs / 1000)} s: check that the hub approves node CSRs (kubectl get csr ${name}), or approve it with "kubectl certificate approve ${name}"`,
      );
    }
    await sleep(wait);
    wait = Math.min(wait * 2, options.pollIntervalMs ?? 500);
    try {
      csr = await client.get(`${CSR_PATH}/${name}`);
    } catch (err) {
      if (isTransportError(err)) continue; // a blip while waiting; the deadline still applies
      throw explain(err, `reading certificate signing request ${name}`);
    }
  }
}

function explain(err: unknown, doing: string): Error {
  if (isTransportError(err)) return new AgentError(err.message);
  if (isApiError(err)) {
    if (err.code === 401) {
      return new AgentError(
        `the hub rejected the bootstrap token (401 Unauthorized): it is wrong or expired; ${TOKEN_FIX}`,
      );
    }
    if (err.code === 403) {
      return new AgentError(
        `the bootstrap token may not be used for ${doing} (403 Forbidden: ${err.message}); ${TOKEN_FIX}`,
      );
    }
    return new AgentError(`${doing} failed: ${err.message} (${err.code} ${err.reason})`);
  }
  return err instanceof Error ? err : new Error(String(err));
}
