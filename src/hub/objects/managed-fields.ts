/** Field ownership on every non-apply write, so later server-side applies see the right owners. */
import type { KubeObject } from '../../api/types.js';
import { trackUpdate } from '../patch/server-side-apply.js';
import type { ResourceType } from '../registry/resource-type.js';
import { groupVersion } from '../registry/resource-type.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';

export function recordManagedFields(
  schemas: SchemaRegistry,
  type: ResourceType,
  old: KubeObject | undefined,
  obj: KubeObject,
  manager: string,
  subresource: string | undefined,
): void {
  // Internal subresources (finalize, finalizers, binding) are bookkeeping, not user intent.
  const tracked = subresource === undefined || subresource === 'status' || subresource === 'scale';
  if (!tracked) return;
  const entries = trackUpdate(old, obj, manager, {
    schema: schemas.definition(type.schemaName),
    resolver: schemas,
    apiVersion: groupVersion(type),
    now: new Date(),
    subresource,
    statusSubresource: Boolean(type.subresources.status),
  });
  if (entries.length > 0) obj.metadata.managedFields = entries;
  else delete obj.metadata.managedFields;
}
