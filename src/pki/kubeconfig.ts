/**
 * Kubeconfig files, the format kubectl and every Kubernetes client library read: one cluster,
 * one user, one context, with all credentials embedded so the file works from anywhere.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';
import { badRequest, internalError } from '../api/errors.js';
import { PRIVATE_FILE_MODE, readIfExists, writeFilesAtomically } from './files.js';
import { ADMIN_USER, PKI_FILES, pkiDirectory } from './store.js';

interface KubeconfigBase {
  clusterName: string;
  /** https://host:port of the hub. */
  server: string;
  /** The CA that signed the hub's serving certificate. */
  caPem: string;
  user: string;
  /** Defaults to `<user>@<clusterName>`. */
  contextName?: string;
  namespace?: string;
}

export type KubeconfigOptions = KubeconfigBase &
  ({ clientCertPem: string; clientKeyPem: string; token?: never } | { token: string; clientCertPem?: never });

export const CLUSTER_NAME = 'minato';
export const ADMIN_KUBECONFIG_FILE = 'admin.kubeconfig';

const base64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');

export function renderKubeconfig(options: KubeconfigOptions): string {
  checkServerUrl(options.server);
  const contextName = options.contextName ?? `${options.user}@${options.clusterName}`;
  const user =
    options.token !== undefined
      ? { token: options.token }
      : {
          'client-certificate-data': base64(options.clientCertPem),
          'client-key-data': base64(options.clientKeyPem),
        };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: options.clusterName,
        cluster: { server: options.server, 'certificate-authority-data': base64(options.caPem) },
      },
    ],
    users: [{ name: options.user, user }],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: options.clusterName,
          user: options.user,
          ...(options.namespace ? { namespace: options.namespace } : {}),
        },
      },
    ],
    'current-context': contextName,
  });
}

/**
 * Writes DIR/admin.kubeconfig (mode 0600: it holds a cluster-admin key) from the PKI that
 * `ensureClusterPki` created, and returns its path.
 */
export async function writeAdminKubeconfig(dataDir: string, serverUrl: string): Promise<string> {
  const directory = pkiDirectory(dataDir);
  const read = async (file: string) => {
    const content = await readIfExists(join(directory, file));
    if (content === null)
      throw internalError(`${join(directory, file)} is missing; create the cluster PKI first`);
    return content;
  };
  const text = renderKubeconfig({
    clusterName: CLUSTER_NAME,
    server: serverUrl,
    caPem: await read(PKI_FILES.caCert),
    user: ADMIN_USER,
    clientCertPem: await read(PKI_FILES.adminCert),
    clientKeyPem: await read(PKI_FILES.adminKey),
  });
  const path = join(dataDir, ADMIN_KUBECONFIG_FILE);
  await writeFilesAtomically([{ path, content: text, mode: PRIVATE_FILE_MODE }]);
  return path;
}

/** The hub only speaks HTTPS; an http:// URL here would send credentials in the clear. */
function checkServerUrl(server: string): void {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw badRequest(`kubeconfig server "${server}" is not a URL`);
  }
  if (url.protocol !== 'https:') throw badRequest(`kubeconfig server "${server}" must be an https:// URL`);
}
