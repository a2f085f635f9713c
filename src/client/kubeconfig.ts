/** Reads the current context of a kubeconfig file into ClientOptions (embedded data or file paths). */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { ClientOptions } from './kube-client.js';

interface KubeconfigDocument {
  'current-context'?: string;
  clusters?: { name?: string; cluster?: Record<string, string> }[];
  users?: { name?: string; user?: Record<string, string> }[];
  contexts?: { name?: string; context?: { cluster?: string; user?: string } }[];
}

export function loadKubeconfig(path: string): ClientOptions {
  return parseKubeconfig(readFileSync(path, 'utf8'), dirname(resolve(path)), path);
}

export function parseKubeconfig(text: string, baseDir = '.', source = 'kubeconfig'): ClientOptions {
  const doc = (parse(text) ?? {}) as KubeconfigDocument;
  const contextName = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === contextName)?.context ?? doc.contexts?.[0]?.context;
  const cluster = (context ? doc.clusters?.find((c) => c.name === context.cluster) : doc.clusters?.[0])
    ?.cluster;
  const user = (context ? doc.users?.find((u) => u.name === context.user) : doc.users?.[0])?.user ?? {};
  if (!cluster?.server) throw new Error(`${source}: the current context has no cluster server`);
  const data = (inline: string | undefined, file: string | undefined, what: string): string | undefined => {
    if (inline) return Buffer.from(inline, 'base64').toString('utf8');
    if (file) return readFileSync(resolve(baseDir, file), 'utf8');
    if (what === 'certificate-authority')
      throw new Error(`${source}: the cluster has no certificate-authority`);
    return undefined;
  };
  return {
    server: cluster.server,
    caPem: data(
      cluster['certificate-authority-data'],
      cluster['certificate-authority'],
      'certificate-authority',
    )!,
    certPem: data(user['client-certificate-data'], user['client-certificate'], 'client-certificate'),
    keyPem: data(user['client-key-data'], user['client-key'], 'client-key'),
    token: user.token,
  };
}
