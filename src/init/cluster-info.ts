/**
 * kube-public/cluster-info: what a joining device may read anonymously — the hub's address and CA —
 * signed with each bootstrap token (a detached HS256 JWS keyed by the token secret), so a device that
 * holds a token can tell a genuine hub from an impostor without pinning the CA hash.
 */
import { createHmac } from 'node:crypto';
import { stringify } from 'yaml';
import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';

const NAME = 'cluster-info';
export const JWS_PREFIX = 'jws-kubeconfig-';

export function signDetached(content: string, tokenId: string, tokenSecret: string): string {
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: tokenId })).toString('base64url');
  const payload = Buffer.from(content).toString('base64url');
  const signature = createHmac('sha256', tokenSecret).update(`${header}.${payload}`).digest('base64url');
  return `${header}..${signature}`;
}

export function verifyDetached(content: string, jws: string, tokenSecret: string): boolean {
  const [header, , signature] = jws.split('.');
  if (!header || !signature) return false;
  const payload = Buffer.from(content).toString('base64url');
  return createHmac('sha256', tokenSecret).update(`${header}.${payload}`).digest('base64url') === signature;
}

/** Writes cluster-info with a signature per valid bootstrap token, and lets anonymous callers read it. */
export async function ensureClusterInfo(
  objects: ObjectService,
  server: string,
  caPem: string,
  tokens: { id: string; secret: string }[],
): Promise<boolean> {
  const kubeconfig = stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: '', cluster: { 'certificate-authority-data': Buffer.from(caPem).toString('base64'), server } },
    ],
    contexts: [],
    users: [],
    preferences: {},
  });
  const data: Record<string, string> = { kubeconfig };
  for (const t of tokens) data[`${JWS_PREFIX}${t.id}`] = signDetached(kubeconfig, t.id, t.secret);
  const configmaps = objects.registry.lookup('', 'v1', 'configmaps')!;
  const desired: KubeObject = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: NAME, namespace: 'kube-public' },
    data,
  };
  const current = objects.find(configmaps, 'kube-public', NAME);
  let changed = false;
  if (!current) {
    await objects.create(configmaps, 'kube-public', desired, { fieldManager: 'minato-init' });
    changed = true;
  } else if (JSON.stringify(current.data) !== JSON.stringify(data)) {
    await objects.update(
      configmaps,
      'kube-public',
      NAME,
      { ...desired, metadata: { ...desired.metadata } },
      { fieldManager: 'minato-init' },
    );
    changed = true;
  }
  await ensureAnonymousRead(objects);
  return changed;
}

async function ensureAnonymousRead(objects: ObjectService): Promise<void> {
  const rbac = (plural: string) => objects.registry.lookup('rbac.authorization.k8s.io', 'v1', plural)!;
  const name = 'minato:bootstrap-signer-clusterinfo';
  if (!objects.find(rbac('roles'), 'kube-public', name)) {
    await objects.create(rbac('roles'), 'kube-public', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name },
      rules: [{ apiGroups: [''], resources: ['configmaps'], resourceNames: [NAME], verbs: ['get'] }],
    });
  }
  if (!objects.find(rbac('rolebindings'), 'kube-public', name)) {
    await objects.create(rbac('rolebindings'), 'kube-public', {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'system:anonymous' }],
    });
  }
}
