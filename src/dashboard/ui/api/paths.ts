/**
 * Kubernetes API paths: building them for objects of any kind (resolved through discovery, so
 * custom resources work too) and reading them back into access-review attributes.
 */
import type { KubeObject } from '../../../api/types.js';
import type { KubeClient } from './client.js';

export interface ApiTarget {
  group: string;
  version: string;
  resource: string;
  namespace?: string;
  name?: string;
  subresource?: string;
}

/** Reads /api/v1/namespaces/ns/pods/name[/sub] or /apis/g/v/… into its parts; undefined otherwise. */
export function parseApiPath(path: string): ApiTarget | undefined {
  const clean = path.split('?')[0]!.replace(/\/+$/, '');
  const parts = clean.split('/').slice(1).map(decodeURIComponent);
  let group = '';
  let version: string | undefined;
  let rest: string[];
  if (parts[0] === 'api') {
    version = parts[1];
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    group = parts[1] ?? '';
    version = parts[2];
    rest = parts.slice(3);
  } else return undefined;
  if (!version || rest.length === 0) return undefined;
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  if (!resource) return undefined;
  return { group, version, resource, namespace, name, subresource };
}

export function apiPath(t: ApiTarget): string {
  const base = t.group ? `/apis/${t.group}/${t.version}` : `/api/${t.version}`;
  const ns = t.namespace ? `/namespaces/${encodeURIComponent(t.namespace)}` : '';
  const name = t.name ? `/${encodeURIComponent(t.name)}` : '';
  const sub = t.subresource ? `/${t.subresource}` : '';
  return `${base}${ns}/${t.resource}${name}${sub}`;
}

interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
}

const WELL_KNOWN: Record<string, { resource: string; namespaced: boolean }> = {
  'v1/Node': { resource: 'nodes', namespaced: false },
  'v1/Pod': { resource: 'pods', namespaced: true },
  'v1/ConfigMap': { resource: 'configmaps', namespaced: true },
  'v1/Event': { resource: 'events', namespaced: true },
  'v1/Service': { resource: 'services', namespaced: true },
  'v1/Namespace': { resource: 'namespaces', namespaced: false },
  'apps/v1/Deployment': { resource: 'deployments', namespaced: true },
  'apps/v1/DaemonSet': { resource: 'daemonsets', namespaced: true },
  'apps/v1/ReplicaSet': { resource: 'replicasets', namespaced: true },
  'coordination.k8s.io/v1/Lease': { resource: 'leases', namespaced: true },
};

/** Resolves kinds to resources through discovery (/api/v1, /apis/g/v), cached per group-version. */
export class Discovery {
  private readonly cache = new Map<string, Promise<DiscoveredResource[]>>();

  constructor(private readonly client: KubeClient) {}

  /** The API path of an object (by apiVersion, kind, namespace and name). */
  async pathOf(obj: Pick<KubeObject, 'apiVersion' | 'kind' | 'metadata'>): Promise<string> {
    const [group, version] = obj.apiVersion.includes('/') ? obj.apiVersion.split('/') : ['', obj.apiVersion];
    const known = WELL_KNOWN[`${obj.apiVersion}/${obj.kind}`];
    let resource = known?.resource;
    let namespaced = known?.namespaced ?? false;
    if (!resource) {
      const found = (await this.resources(group!, version!)).find(
        (r) => r.kind === obj.kind && !r.name.includes('/'),
      );
      if (!found) throw new Error(`the hub does not serve kind ${obj.kind} in ${obj.apiVersion}`);
      resource = found.name;
      namespaced = found.namespaced;
    }
    return apiPath({
      group: group!,
      version: version!,
      resource,
      namespace: namespaced ? obj.metadata.namespace : undefined,
      name: obj.metadata.name,
    });
  }

  private resources(group: string, version: string): Promise<DiscoveredResource[]> {
    const key = `${group}/${version}`;
    let found = this.cache.get(key);
    if (!found) {
      const path = group ? `/apis/${group}/${version}` : `/api/${version}`;
      found = this.client
        .get<{ resources?: DiscoveredResource[] }>(path)
        .then((doc) => doc.resources ?? [])
        .catch((err) => {
          this.cache.delete(key);
          throw err;
        });
      this.cache.set(key, found);
    }
    return found;
  }
}
