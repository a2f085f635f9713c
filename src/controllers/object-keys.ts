import type { ResourceRegistry } from '../hub/registry/resource-registry.js';
import type { ResourceType } from '../hub/registry/resource-type.js';

export interface ObjectRef {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
}

/** "/apps/deployments/ns/web" -> the deployments type, "ns", "web" (undefined when no longer served). */
export function refOfKey(registry: ResourceRegistry, key: string): ObjectRef | undefined {
  const parts = key.split('/');
  const group = parts[1] === 'core' ? '' : parts[1]!;
  const plural = parts[2]!;
  const type = registry.all().find((t) => t.group === group && t.plural === plural);
  if (!type) return undefined;
  return type.namespaced
    ? { type, namespace: parts[3], name: parts[4]! }
    : { type, namespace: undefined, name: parts[3]! };
}
