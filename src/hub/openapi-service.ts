/** Serves /openapi/v3 and its per-group-version documents, rebuilt only when the registry changes. */
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './registry/resource-registry.js';
import { openApiV3Document } from './schema/openapi.js';
import type { SchemaRegistry } from './schema/schema-registry.js';

export class OpenApiService {
  private builtAt = -1;
  private documents = new Map<string, string>();
  private root = '';

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly schemas: SchemaRegistry,
  ) {}

  serve(path: string, _query: URLSearchParams): string | undefined {
    this.rebuildIfStale();
    if (path === '/openapi/v3') return this.root;
    return this.documents.get(path.slice('/openapi/v3/'.length));
  }

  private rebuildIfStale(): void {
    if (this.builtAt === this.registry.version) return;
    this.builtAt = this.registry.version;
    this.documents = new Map();
    const hashes: Record<string, string> = {};
    for (const { group, versions } of this.registry.groupVersions()) {
      for (const version of versions) {
        const gv = group ? `${group}/${version}` : version;
        const path = group ? `apis/${group}/${version}` : `api/${version}`;
        const json = JSON.stringify(
          openApiV3Document(gv, this.registry.inGroupVersion(group, version), this.schemas),
        );
        this.documents.set(path, json);
        hashes[path] = createHash('sha256').update(json).digest('hex').slice(0, 32).toUpperCase();
      }
    }
    this.root = JSON.stringify({
      paths: Object.fromEntries(
        Object.entries(hashes).map(([path, hash]) => [
          path,
          { serverRelativeURL: `/openapi/v3/${path}?hash=${hash}` },
        ]),
      ),
    });
  }
}
