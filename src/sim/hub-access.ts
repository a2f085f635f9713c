/**
 * How the simulator reaches the hub: the address and join credentials its devices use, and, when it
 * has the hub's data dir, the administrator's credentials for what only an administrator may do
 * (a join token, the map ConfigMap, removing devices of an earlier run that no longer exist).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { UsageError } from '../cli/args.js';
import { adminConnection, type HubConnection, hubRequest } from '../cli/hub-api.js';
import { createToken } from '../cli/token.js';
import { caCertHash } from '../pki/ca.js';
import { SIMULATED_LABEL } from './fleet.js';
import type { Scenario } from './scenario.js';

export const MAP_NAMESPACE = 'kube-public';
export const MAP_NAME = 'minato-map';

export interface HubAccess {
  server: string;
  host: string;
  port: number;
  token: string;
  caCertHash: string;
  /** Present when the hub's data dir was given. */
  admin?: HubConnection;
}

export interface HubAccessOptions {
  server?: string;
  token?: string;
  caCertHash?: string;
  /** The hub's data dir (its admin.kubeconfig). */
  dataDir?: string;
}

export async function resolveHubAccess(o: HubAccessOptions): Promise<HubAccess> {
  let admin: HubConnection | undefined;
  if (o.dataDir) admin = await adminConnection(o.dataDir);
  const server = o.server ?? admin?.server;
  if (!server)
    throw new UsageError(
      'say which hub: --data-dir HUBDIR (the hub on this machine), or --server URL --token T --ca-cert-hash H',
    );
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new UsageError(`--server "${server}" is not a URL; use https://HOST:PORT`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`--server must be an https:// URL, got "${server}"`);
  const hash = o.caCertHash ?? (admin ? caCertHash(admin.ca.toString('utf8')) : undefined);
  let token = o.token;
  if (!token && admin && o.dataDir) token = await createToken(o.dataDir, 24 * 3600, 'minato sim');
  if (!token || !hash)
    throw new UsageError('--token and --ca-cert-hash are needed with --server (both printed by "minato up")');
  return {
    server: url.origin,
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: Number(url.port || 443),
    token,
    caCertHash: hash,
    ...(admin ? { admin } : {}),
  };
}

/** The map document the dashboard draws (see src/dashboard/README.md). */
export function mapDocument(scenario: Scenario): Record<string, unknown> {
  return {
    name: scenario.name,
    width: scenario.area.width,
    height: scenario.area.height,
    stations: scenario.stations.map((s) => ({ name: s.name, x: s.x, y: s.y, radius: s.radius })),
    roads: scenario.roads.map((r) => r.points),
  };
}

/** Writes kube-public/minato-map (server-side apply, so it is created or replaced). */
export async function writeMap(admin: HubConnection, scenario: Scenario): Promise<void> {
  const body = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: MAP_NAME,
      namespace: MAP_NAMESPACE,
      labels: { 'app.kubernetes.io/managed-by': 'minato-sim' },
    },
    data: { map: JSON.stringify(mapDocument(scenario)) },
  };
  await hubRequest(
    admin,
    'PATCH',
    `/api/v1/namespaces/${MAP_NAMESPACE}/configmaps/${MAP_NAME}?fieldManager=minato-sim&force=true`,
    body,
    'application/apply-patch+yaml',
  );
}

/** Deletes simulated Nodes that are not part of this run (an earlier run with other devices). */
export async function removeStaleDevices(admin: HubConnection, keep: Set<string>): Promise<string[]> {
  const list = await hubRequest<{ items: KubeObject[] }>(
    admin,
    'GET',
    `/api/v1/nodes?labelSelector=${encodeURIComponent(`${SIMULATED_LABEL}=true`)}`,
  );
  const removed: string[] = [];
  for (const node of list.items) {
    const name = node.metadata.name!;
    if (keep.has(name)) continue;
    await hubRequest(admin, 'DELETE', `/api/v1/nodes/${name}`).catch(() => undefined);
    removed.push(name);
  }
  return removed;
}

/**
 * Device identities belong to one cluster: when the sim dir was used with another hub (another CA),
 * its device dirs are removed so the devices join afresh.
 */
export function claimSimDir(simDir: string, hash: string): boolean {
  mkdirSync(simDir, { recursive: true, mode: 0o700 });
  const marker = join(simDir, 'hub.json');
  let previous: string | undefined;
  try {
    previous = (JSON.parse(readFileSync(marker, 'utf8')) as { caCertHash?: string }).caCertHash;
  } catch {
    previous = undefined;
  }
  let reset = false;
  if (previous !== hash && existsSync(join(simDir, 'devices'))) {
    rmSync(join(simDir, 'devices'), { recursive: true, force: true });
    reset = true;
  }
  writeFileSync(marker, `${JSON.stringify({ caCertHash: hash }, null, 2)}\n`);
  return reset;
}
