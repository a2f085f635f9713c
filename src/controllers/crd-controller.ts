import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { PrinterColumn, ResourceType } from '../hub/registry/resource-type.js';
import type { Schema } from '../hub/schema/types.js';
import { WorkQueue } from './work-queue.js';

export const CRD_CLEANUP_FINALIZER = 'customresourcecleanup.apiextensions.k8s.io';

/** Where CRD schemas go so that validation, patching and OpenAPI can find them. */
export interface CustomSchemaSink {
  addDefinitions(definitions: Record<string, Schema>): void;
  removeDefinitions(names: string[]): void;
}

export function customSchemaName(group: string, version: string, kind: string): string {
  return `${group.split('.').reverse().join('.')}.${version}.${kind}`;
}

/**
 * Serves custom resources: for every CustomResourceDefinition, registers one resource type per served
 * version, publishes its schema, and reports NamesAccepted/Established. When a CRD is deleted, its
 * custom resources are deleted first (cleanup finalizer), then the types stop being served.
 */
export class CrdController {
  private readonly queue = new WorkQueue((name) => this.reconcile(name), { workers: 1 });
  private readonly served = new Map<
    string,
    { group: string; versions: string[]; plural: string; schemaNames: string[] }
  >();
  private stopWatch: (() => void) | undefined;

  constructor(
    private readonly objects: ObjectService,
    private readonly schemas: CustomSchemaSink,
  ) {}

  private get crdType(): ResourceType {
    return this.objects.registry.lookup('apiextensions.k8s.io', 'v1', 'customresourcedefinitions')!;
  }

  /** Registers every existing CRD synchronously, so custom resources are served as soon as the hub listens. */
  start(): void {
    for (const crd of this.objects.list(this.crdType, undefined).items) this.serve(crd);
    this.stopWatch = this.objects.watch(this.crdType, undefined, {}, (event) => {
      if (event.type !== 'DELETED') this.serve(event.object);
      this.queue.add(event.object.metadata.name!);
    });
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  /** Synchronous part: make the resource types exist (also called right after a CRD write). */
  serve(crd: KubeObject): void {
    const name = crd.metadata.name!;
    this.unserve(name);
    const spec = crd.spec ?? {};
    const names = spec.names ?? {};
    const versions: string[] = [];
    const schemaNames: string[] = [];
    const definitions: Record<string, Schema> = {};
    for (const v of (spec.versions ?? []) as CrdVersion[]) {
      if (!v.served) continue;
      const schemaName = customSchemaName(spec.group, v.name, names.kind);
      definitions[schemaName] = withTypeMeta(
        v.schema?.openAPIV3Schema ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        spec.group,
        v.name,
        names.kind,
      );
      schemaNames.push(schemaName);
      versions.push(v.name);
      this.objects.registry.add({
        group: spec.group,
        version: v.name,
        kind: names.kind,
        listKind: names.listKind ?? `${names.kind}List`,
        plural: names.plural,
        singular: names.singular ?? names.kind.toLowerCase(),
        namespaced: spec.scope !== 'Cluster',
        shortNames: names.shortNames ?? [],
        categories: names.categories ?? [],
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
        subresources: {
          status: v.subresources?.status !== undefined,
          scale: v.subresources?.scale
            ? {
                specReplicasPath: v.subresources.scale.specReplicasPath,
                statusReplicasPath: v.subresources.scale.statusReplicasPath,
                labelSelectorPath: v.subresources.scale.labelSelectorPath,
              }
            : undefined,
        },
        schemaName,
        builtin: false,
        printerColumns: (v.additionalPrinterColumns ?? []) as PrinterColumn[],
      });
    }
    this.schemas.addDefinitions(definitions);
    this.served.set(name, { group: spec.group, versions, plural: names.plural, schemaNames });
  }

  private unserve(name: string): void {
    const previous = this.served.get(name);
    if (!previous) return;
    for (const v of previous.versions) this.objects.registry.remove(previous.group, v, previous.plural);
    this.schemas.removeDefinitions(previous.schemaNames);
    this.served.delete(name);
  }

  private async reconcile(name: string): Promise<void> {
    const entry = this.objects.store.get(this.objects.keyOf(this.crdType, undefined, name));
    if (!entry) {
      this.unserve(name);
      return;
    }
    const crd = entry.object;
    if (crd.metadata.deletionTimestamp) return this.cleanUp(name, crd);
    const next = structuredClone(crd);
    next.metadata.finalizers = [...new Set([...(crd.metadata.finalizers ?? []), CRD_CLEANUP_FINALIZER])];
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const condition = (type: string, reason: string, message: string) => {
      const old = (crd.status?.conditions ?? []).find((c: { type: string }) => c.type === type);
      return {
        type,
        status: 'True',
        reason,
        message,
        lastTransitionTime: old?.status === 'True' ? old.lastTransitionTime : now,
      };
    };
    const storage = (crd.spec.versions ?? []).find((v: { storage?: boolean }) => v.storage)?.name;
    next.status = {
      ...crd.status,
      acceptedNames: crd.spec.names,
      conditions: [
        condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      storedVersions: [...new Set([...(crd.status?.storedVersions ?? []), ...(storage ? [storage] : [])])],
    };
    await this.objects.commitUpdate(this.crdType, entry, next, {
      fieldManager: 'crd-controller',
      subresource: 'status',
      skipManagedFields: true,
    });
  }

  private async cleanUp(name: string, crd: KubeObject): Promise<void> {
    const served = this.served.get(name);
    let remaining = 0;
    if (served) {
      const type = this.objects.registry.lookup(served.group, served.versions[0]!, served.plural);
      if (type) {
        for (const item of this.objects.list(type, undefined).items) {
          remaining++;
          if (item.metadata.deletionTimestamp) continue;
          try {
            await this.objects.delete(type, item.metadata.namespace, item.metadata.name!, {
              propagationPolicy: 'Background',
            });
          } catch (err) {
            if ((err as { code?: number }).code !== 404) throw err;
          }
        }
      }
    }
    if (remaining > 0) {
      this.queue.addAfter(name, 100);
      return;
    }
    this.unserve(name);
    const entry = this.objects.store.get(this.objects.keyOf(this.crdType, undefined, name));
    if (!entry) return;
    const next = structuredClone(entry.object);
    next.metadata.finalizers = (crd.metadata.finalizers ?? []).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    await this.objects.commitUpdate(this.crdType, entry, next, {
      fieldManager: 'crd-controller',
      subresource: 'finalizers',
    });
  }
}

interface CrdVersion {
  name: string;
  served?: boolean;
  storage?: boolean;
  schema?: { openAPIV3Schema?: Schema };
  subresources?: {
    status?: object;
    scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  };
  additionalPrinterColumns?: PrinterColumn[];
}

/** Every custom resource carries apiVersion, kind and metadata, whatever its schema says. */
function withTypeMeta(schema: Schema, group: string, version: string, kind: string): Schema {
  return {
    ...schema,
    type: 'object',
    properties: {
      ...schema.properties,
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' },
    },
    'x-kubernetes-group-version-kind': [{ group, version, kind }],
  };
}
