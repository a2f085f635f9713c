/**
 * The join phase as one call: reuse the saved node certificate when it is valid (restarts work
 * offline), otherwise pin the hub's CA, bootstrap with the token and save the result.
 */
import { AgentError } from '../errors.js';
import { bootstrapCredentials, checkTokenFormat } from './bootstrap.js';
import { discoverPinnedCa, normalizePin } from './ca-pin.js';
import { loadCredentials, type NodeCredentials, saveCredentials } from './credentials.js';

export interface JoinOptions {
  server: string;
  dataDir: string;
  nodeName: string;
  token?: string;
  caCertHash?: string;
  log?: (line: string) => void;
  /** How long to wait for the certificate to be issued. Default 30 s. */
  issueTimeoutMs?: number;
}

export interface JoinResult {
  credentials: NodeCredentials;
  /** True when this call bootstrapped; false when saved credentials were reused. */
  joined: boolean;
  notAfter?: Date;
}

export async function ensureCredentials(options: JoinOptions): Promise<JoinResult> {
  const log = options.log ?? (() => {});
  const saved = await loadCredentials(options.dataDir, options.nodeName);
  if (saved.ok) {
    log(`join: using the saved node certificate (valid until ${saved.notAfter.toISOString()})`);
    return { credentials: saved.credentials, joined: false, notAfter: saved.notAfter };
  }
  if (!options.token || !options.caCertHash) {
    throw new AgentError(
      `${saved.why}; to join the hub pass --token and --ca-cert-hash (both printed by "minato up"; new tokens come from "minato token create")`,
    );
  }
  checkTokenFormat(options.token);
  const pin = normalizePin(options.caCertHash);
  const caPem = await discoverPinnedCa(options.server, pin);
  log(`join: the hub's CA matches ${pin}`);
  const { certPem, keyPem } = await bootstrapCredentials({
    server: options.server,
    caPem,
    token: options.token,
    nodeName: options.nodeName,
    issueTimeoutMs: options.issueTimeoutMs,
    log,
  });
  const credentials = { caPem, certPem, keyPem };
  await saveCredentials(options.dataDir, options.server, options.nodeName, credentials);
  log(`join: node certificate for system:node:${options.nodeName} saved in ${options.dataDir}`);
  return { credentials, joined: true };
}
