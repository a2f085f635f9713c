/**
 * The steps that prepare and open a hub's data dir, each idempotent: certificates, the encryption
 * key ring, the store, the API objects service, and the objects every cluster starts with.
 * `minato up` runs them all; `minato init` runs them as named, inspectable phases.
 */

import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { type ClusterPki, createCertificateAuthority, ensureClusterPki } from '../pki/index.js';
import {
  AesGcmTransformer,
  ENCRYPTION_KEY_RING_FILE,
  type KeyRing,
  newKeyRing,
  readKeyRing,
  writeKeyRing,
} from '../store/encryption.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { ensureDefaultRoles } from './auth/default-roles.js';
import { createObjectHooks } from './objects/object-hooks.js';
import { type ObjectHooks, ObjectService } from './objects/object-service.js';
import { builtinResourceTypes } from './registry/builtin-types.js';
import { ResourceRegistry } from './registry/resource-registry.js';
import { SchemaRegistry } from './schema/schema-registry.js';

export const STATE_FILE = 'state.db';
export const MESH_CA_FILES = { cert: 'mesh-ca.crt', key: 'mesh-ca.key' };
const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export type Log = (line: string) => void;

/** Cluster CA, serving and admin certificates, service-account keys, and the mesh CA. */
export async function ensureCertificates(
  dataDir: string,
  advertise: string[],
  log: Log,
): Promise<ClusterPki> {
  const pki = await ensureClusterPki(dataDir, { hostnames: advertise });
  for (const change of pki.changes) log(`pki: ${change.file}: ${change.reason}`);
  for (const warning of pki.warnings) log(`pki: warning: ${warning}`);
  // The mesh gets its own CA so workload identities can never pass for API clients.
  const meshCert = join(dataDir, 'pki', MESH_CA_FILES.cert);
  if (!existsSync(meshCert)) {
    const mesh = await createCertificateAuthority({ commonName: 'minato-mesh-ca' });
    await writeFile(join(dataDir, 'pki', MESH_CA_FILES.key), mesh.keyPem, { mode: 0o600 });
    await writeFile(meshCert, mesh.certPem, { mode: 0o644 });
    log(`pki: ${MESH_CA_FILES.cert}: created`);
  }
  return pki;
}

export async function ensureKeyRing(dataDir: string, log: Log): Promise<KeyRing> {
  const path = join(dataDir, 'pki', ENCRYPTION_KEY_RING_FILE);
  const existing = readKeyRing(path);
  if (existing) return existing;
  await mkdir(join(dataDir, 'pki'), { recursive: true, mode: 0o700 });
  const ring = newKeyRing();
  await writeKeyRing(path, ring);
  log(`pki: ${ENCRYPTION_KEY_RING_FILE}: created (Secrets are encrypted at rest)`);
  return ring;
}

export function openStore(dataDir: string, ring: KeyRing, log: Log, watchHistory?: number): SqliteStore {
  const store = new SqliteStore({
    path: join(dataDir, STATE_FILE),
    transformer: new AesGcmTransformer(ring),
    ...(watchHistory ? { minHistoryEvents: watchHistory, maxHistoryEvents: watchHistory } : {}),
  });
  const resealed = store.resealSensitiveRows();
  if (resealed > 0) log(`store: re-encrypted ${resealed} stored Secret values with key ${ring.current}`);
  return store;
}

export interface ApiObjects {
  objects: ObjectService;
  registry: ResourceRegistry;
  schemas: SchemaRegistry;
}

export function createApiObjects(
  store: SqliteStore,
  extra: Pick<ObjectHooks, 'afterWrite'> = {},
): ApiObjects {
  const registry = new ResourceRegistry(builtinResourceTypes());
  const schemas = new SchemaRegistry();
  const objects = new ObjectService(store, registry, createObjectHooks(schemas, extra));
  return { objects, registry, schemas };
}

/** Namespaces and roles every cluster starts with; created when missing, never overwritten. */
export async function ensureClusterObjects(objects: ObjectService, log: Log): Promise<void> {
  const namespaces = objects.registry.lookup('', 'v1', 'namespaces')!;
  for (const name of DEFAULT_NAMESPACES) {
    if (objects.find(namespaces, undefined, name)) continue;
    await objects.create(
      namespaces,
      undefined,
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } as KubeObject,
      {
        fieldManager: 'minato',
      },
    );
    log(`addons: namespace ${name}: created`);
  }
  await ensureDefaultRoles(objects);
}
