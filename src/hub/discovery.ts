/**
 * Discovery documents: legacy (/api, /apis, /api/v1, /apis/g/v) and aggregated (apidiscovery v2 and
 * v2beta1, same shape), built from the resource registry and cached until the registry changes.
 */
import { isVirtual } from './registry/builtin-types.js';
import type { ResourceRegistry } from './registry/resource-registry.js';
import type { ResourceType } from './registry/resource-type.js';

interface SubresourceInfo {
  name: string;
  kind: string;
  group?: string;
  version?: string;
  verbs: string[];
}

/** Subresources each resource exposes, beyond status/scale which come from the ResourceType. */
const EXTRA_SUBRESOURCES: Record<string, SubresourceInfo[]> = {
  '/pods': [
    { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] },
    { name: 'binding', kind: 'Binding', verbs: ['create'] },
    { name: 'log', kind: 'Pod', verbs: ['get'] },
  ],
  '/namespaces': [{ name: 'finalize', kind: 'Namespace', verbs: ['update'] }],
  '/serviceaccounts': [
    { name: 'token', kind: 'TokenRequest', group: 'authentication.k8s.io', version: 'v1', verbs: ['create'] },
  ],
  'certificates.k8s.io/certificatesigningrequests': [
    { name: 'approval', kind: 'CertificateSigningRequest', verbs: ['get', 'patch', 'update'] },
  ],
};

function subresourcesOf(type: ResourceType): SubresourceInfo[] {
  const subs: SubresourceInfo[] = [];
  if (type.subresources.status)
    subs.push({ name: 'status', kind: type.kind, verbs: ['get', 'patch', 'update'] });
  if (type.subresources.scale) {
    subs.push({
      name: 'scale',
      kind: 'Scale',
      group: 'autoscaling',
      version: 'v1',
      verbs: ['get', 'patch', 'update'],
    });
  }
  subs.push(...(EXTRA_SUBRESOURCES[`${type.group}/${type.plural}`] ?? []));
  return subs;
}

export class Discovery {
  private cachedAt = -1;
  private cache = new Map<string, string>();

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly serverAddress: () => string,
  ) {}

  /** Returns the serialised document for a discovery path, or undefined when the path is not one. */
  document(path: string, format: 'legacy' | 'aggregated-v2' | 'aggregated-v2beta1'): string | undefined {
    if (this.cachedAt !== this.registry.version) {
      this.cache.clear();
      this.cachedAt = this.registry.version;
    }
    const cacheKey = `${format} ${path}`;
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined) return hit;
    const doc = this.build(path, format);
    if (doc === undefined) return undefined;
    const json = JSON.stringify(doc);
    this.cache.set(cacheKey, json);
    return json;
  }

  private build(path: string, format: string): unknown {
    const parts = path.split('/').filter((p) => p);
    if (parts[0] === 'api' && parts.length === 1) {
      return format === 'legacy' ? this.apiVersions() : this.aggregated(format, true);
    }
    if (parts[0] === 'apis' && parts.length === 1) {
      return format === 'legacy' ? this.groupList() : this.aggregated(format, false);
    }
    if (parts[0] === 'api' && parts.length === 2) return this.resourceList('', parts[1]!);
    if (parts[0] === 'apis' && parts.length === 2) return this.group(parts[1]!);
    if (parts[0] === 'apis' && parts.length === 3) return this.resourceList(parts[1]!, parts[2]!);
    return undefined;
  }

  private apiVersions(): unknown {
    return {
      kind: 'APIVersions',
      versions: ['v1'],
      serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: this.serverAddress() }],
    };
  }

  private groupEntry(group: string, versions: string[]) {
    const list = versions.map((version) => ({ groupVersion: `${group}/${version}`, version }));
    return { name: group, versions: list, preferredVersion: list[0] };
  }

  private groupList(): unknown {
    const groups = this.registry
      .groupVersions()
      .filter((g) => g.group !== '')
      .map((g) => this.groupEntry(g.group, g.versions));
    return { kind: 'APIGroupList', apiVersion: 'v1', groups };
  }

  private group(name: string): unknown {
    const entry = this.registry.groupVersions().find((g) => g.group === name && name !== '');
    if (!entry) return undefined;
    return { kind: 'APIGroup', apiVersion: 'v1', ...this.groupEntry(entry.group, entry.versions) };
  }

  private resourceList(group: string, version: string): unknown {
    if (!this.registry.hasGroupVersion(group, version)) return undefined;
    const resources: unknown[] = [];
    for (const type of this.registry.inGroupVersion(group, version)) {
      resources.push({
        name: type.plural,
        singularName: type.singular,
        namespaced: type.namespaced,
        kind: type.kind,
        verbs: type.verbs,
        ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
        ...(type.categories.length ? { categories: type.categories } : {}),
        ...(isVirtual(type) ? {} : { storageVersionHash: '' }),
      });
      for (const sub of subresourcesOf(type)) {
        resources.push({
          name: `${type.plural}/${sub.name}`,
          singularName: '',
          namespaced: type.namespaced,
          ...(sub.group !== undefined ? { group: sub.group, version: sub.version } : {}),
          kind: sub.kind,
          verbs: sub.verbs,
        });
      }
    }
    return {
      kind: 'APIResourceList',
      apiVersion: 'v1',
      groupVersion: group ? `${group}/${version}` : version,
      resources,
    };
  }

  private aggregated(format: string, core: boolean): unknown {
    const apiVersion = format === 'aggregated-v2' ? 'apidiscovery.k8s.io/v2' : 'apidiscovery.k8s.io/v2beta1';
    const items = this.registry
      .groupVersions()
      .filter((g) => (core ? g.group === '' : g.group !== ''))
      .map((g) => ({
        metadata: core ? { creationTimestamp: null } : { name: g.group, creationTimestamp: null },
        versions: g.versions.map((version) => ({
          version,
          freshness: 'Current',
          resources: this.registry.inGroupVersion(g.group, version).map((type) => ({
            resource: type.plural,
            responseKind: { group: type.group, version: type.version, kind: type.kind },
            scope: type.namespaced ? 'Namespaced' : 'Cluster',
            singularResource: type.singular,
            verbs: type.verbs,
            ...(type.shortNames.length ? { shortNames: type.shortNames } : {}),
            ...(type.categories.length ? { categories: type.categories } : {}),
            subresources: subresourcesOf(type).map((sub) => ({
              subresource: sub.name,
              responseKind: {
                group: sub.group ?? type.group,
                version: sub.version ?? type.version,
                kind: sub.kind,
              },
              verbs: sub.verbs,
            })),
          })),
        })),
      }));
    return { kind: 'APIGroupDiscoveryList', apiVersion, metadata: {}, items };
  }
}
