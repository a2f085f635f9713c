import type { ResourceType } from './resource-type.js';
import { groupVersion } from './resource-type.js';

/** Every resource the hub serves right now: built-ins plus the custom resources of established CRDs. */
export class ResourceRegistry {
  private readonly byPath = new Map<string, ResourceType>();
  private readonly byKind = new Map<string, ResourceType>();
  private generation = 0;

  constructor(types: ResourceType[] = []) {
    for (const t of types) this.add(t);
  }

  /** Bumped on every change so discovery and OpenAPI caches know when to rebuild. */
  get version(): number {
    return this.generation;
  }

  add(type: ResourceType): void {
    this.byPath.set(pathKey(type.group, type.version, type.plural), type);
    this.byKind.set(kindKey(type.group, type.version, type.kind), type);
    this.generation++;
  }

  remove(group: string, version: string, plural: string): void {
    const type = this.byPath.get(pathKey(group, version, plural));
    if (!type) return;
    this.byPath.delete(pathKey(group, version, plural));
    this.byKind.delete(kindKey(group, version, type.kind));
    this.generation++;
  }

  lookup(group: string, version: string, plural: string): ResourceType | undefined {
    return this.byPath.get(pathKey(group, version, plural));
  }

  byGroupVersionKind(group: string, version: string, kind: string): ResourceType | undefined {
    return this.byKind.get(kindKey(group, version, kind));
  }

  all(): ResourceType[] {
    return [...this.byPath.values()];
  }

  /** Group-versions in serving order: core first, then groups alphabetically. */
  groupVersions(): { group: string; versions: string[] }[] {
    const groups = new Map<string, Set<string>>();
    for (const t of this.byPath.values()) {
      const set = groups.get(t.group) ?? new Set<string>();
      groups.set(t.group, set);
      set.add(t.version);
    }
    return [...groups.entries()]
      .sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)))
      .map(([group, versions]) => ({ group, versions: [...versions].sort(compareVersions) }));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.all()
      .filter((t) => t.group === group && t.version === version)
      .sort((a, b) => a.plural.localeCompare(b.plural));
  }

  hasGroupVersion(group: string, version: string): boolean {
    return this.all().some((t) => t.group === group && t.version === version);
  }

  describe(type: ResourceType): string {
    return `${groupVersion(type)}, Resource=${type.plural}`;
  }
}

function pathKey(group: string, version: string, plural: string): string {
  return `${group}/${version}/${plural}`;
}

function kindKey(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** Kubernetes version priority: GA > beta > alpha, higher numbers first (v2 > v1 > v1beta2 > v1beta1 > v1alpha1). */
export function compareVersions(a: string, b: string): number {
  return versionRank(b) - versionRank(a) || a.localeCompare(b);
}

function versionRank(v: string): number {
  const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
  if (!m) return -1;
  const major = Number(m[1]);
  const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
  const minor = Number(m[3] ?? 0);
  return stage * 1_000_000 + major * 1000 + minor;
}
