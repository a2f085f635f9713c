/**
 * PATCH: decodes the body for its patch type, computes the new object from the stored one and
 * commits it through the ObjectService. Server-side apply may create the object.
 */
import { badRequest, conflict, isPlainObject, type KubeObject, notFound } from '../../api/index.js';
import type { JsonObject, JsonValue } from '../../api/types.js';
import type { PatchRequest } from '../http/resource-handler.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { apply } from '../patch/server-side-apply.js';
import { strategicMergePatch } from '../patch/strategic-merge-patch.js';
import type { ResourceType } from '../registry/resource-type.js';
import { groupVersion } from '../registry/resource-type.js';
import { parseJson, parseYamlDocument } from '../request/body.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import type { ObjectService } from './object-service.js';

export class PatchService {
  constructor(
    private readonly objects: ObjectService,
    private readonly schemas: SchemaRegistry,
  ) {}

  async patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    request: PatchRequest,
  ): Promise<{ object: KubeObject; warnings: string[]; created: boolean }> {
    const { patchType, options } = request;
    if (patchType === 'strategic' && !type.builtin) {
      throw badRequest(
        `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
      ).withCode(415, 'UnsupportedMediaType');
    }
    const schema = this.schemas.definition(type.schemaName);
    const current = this.objects.store.get(this.objects.keyOf(type, namespace, name));

    if (patchType === 'apply') {
      const applied = parseYamlDocument(request.body);
      if (!isPlainObject(applied)) throw badRequest('the apply body must be an object');
      if (
        applied.metadata &&
        isPlainObject(applied.metadata) &&
        applied.metadata.name !== undefined &&
        applied.metadata.name !== name
      ) {
        throw badRequest(
          `the name of the object (${applied.metadata.name}) does not match the name on the URL (${name})`,
        );
      }
      const result = apply(current?.object, applied, options.fieldManager!, {
        force: Boolean(options.force),
        schema,
        resolver: this.schemas,
        apiVersion: groupVersion(type),
        now: new Date(),
        subresource: options.subresource,
        statusSubresource: Boolean(type.subresources.status),
      });
      if (!current) {
        if (options.subresource) throw notFound(type.plural, type.group, name);
        const created = await this.objects.create(
          type,
          namespace,
          { ...result.object, metadata: { ...result.object.metadata, name } },
          // The apply's own entries are the truth for a created object: no Update entry on top.
          { ...options, skipManagedFields: true },
        );
        return { ...created, created: true };
      }
      const next = this.objects.mergeForUpdate(type, current.object, result.object, options.subresource);
      next.metadata.managedFields = result.managedFields;
      const warnings = this.objects.applySchema(type, next, options.fieldValidation);
      const written = await this.objects.commitUpdate(type, current, next, {
        ...options,
        skipManagedFields: true,
      });
      return { ...written, warnings: [...warnings, ...written.warnings], created: false };
    }

    if (!current) throw notFound(type.plural, type.group, name);
    const original = current.object as unknown as JsonObject;
    let patched: JsonValue;
    if (patchType === 'json') patched = applyJsonPatch(original, parseJson(request.body));
    else if (patchType === 'merge') patched = applyMergePatch(original, parseJson(request.body) as JsonValue);
    else patched = strategicMergePatch(original, parseJson(request.body) as JsonValue, schema, this.schemas);
    if (!isPlainObject(patched)) throw badRequest('the patch must leave an object');
    const next = patched as unknown as KubeObject;
    // A resourceVersion in the patch is a precondition (kubectl label --resource-version).
    const rv = next.metadata?.resourceVersion;
    if (rv && rv !== current.object.metadata.resourceVersion) throw conflict(type.plural, type.group, name);
    // So is a uid: it pins the patch to this incarnation of the object (a kubelet's status patch).
    const uid = next.metadata?.uid;
    if (uid && uid !== current.object.metadata.uid) {
      throw conflict(
        type.plural,
        type.group,
        name,
        `Precondition failed: UID in precondition: ${uid}, UID in object meta: ${current.object.metadata.uid}`,
      );
    }
    const merged = this.objects.mergeForUpdate(
      type,
      current.object,
      { ...next, metadata: { ...next.metadata } },
      options.subresource,
    );
    merged.kind = type.kind;
    merged.apiVersion = groupVersion(type);
    // The patched object is checked like a submitted one: types, required fields, unknown fields.
    const warnings = this.objects.applySchema(type, merged, options.fieldValidation);
    const written = await this.objects.commitUpdate(type, current, merged, options);
    return { ...written, warnings: [...warnings, ...written.warnings], created: false };
  }
}
