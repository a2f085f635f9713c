/**
 * CRD pruning: drops fields a structural schema does not specify, as the API server does for custom
 * resources before storing them (unless the schema says x-kubernetes-preserve-unknown-fields).
 */
import { isPlainObject } from '../../api/types.js';
import { OBJECT_META, refTo } from './definition-names.js';
import { childPath, indexPath, keyPath } from './field-path.js';
import type { Schema, SchemaResolver } from './types.js';

const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export interface PruneOptions {
  /** `obj` is a whole API object (default): apiVersion and kind stay, metadata is pruned to ObjectMeta. */
  root?: boolean;
}

/**
 * Removes unknown fields from `obj` in place and returns their paths (without a leading dot),
 * e.g. ["spec.replicass"], so a caller can warn about them.
 */
export function pruneUnknownFields(
  obj: unknown,
  schema: Schema,
  resolver: SchemaResolver,
  options: PruneOptions = {},
): string[] {
  const pruned: string[] = [];
  pruneValue(obj, schema, resolver, '', options.root ?? true, pruned);
  return pruned;
}

function pruneValue(
  value: unknown,
  raw: Schema,
  resolver: SchemaResolver,
  path: string,
  resource: boolean,
  pruned: string[],
): void {
  const s = resolver.resolve(raw);
  if (Array.isArray(value)) {
    if (s.items) {
      for (const [i, item] of value.entries())
        pruneValue(item, s.items, resolver, indexPath(path, i), false, pruned);
    }
    return;
  }
  if (!isPlainObject(value)) return;
  const isResource = resource || Boolean(s['x-kubernetes-embedded-resource']);
  const preserve = Boolean(s['x-kubernetes-preserve-unknown-fields']);
  for (const key of Object.keys(value)) {
    const fieldPath = childPath(path, key);
    if (isResource && RESOURCE_FIELDS.has(key)) {
      if (key === 'metadata') pruneMetadata(value[key], resolver, fieldPath, pruned);
      continue;
    }
    const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
    if (prop) {
      pruneValue(value[key], prop, resolver, fieldPath, false, pruned);
    } else if (typeof s.additionalProperties === 'object') {
      pruneValue(value[key], s.additionalProperties, resolver, keyPath(path, key), false, pruned);
    } else if (!preserve && s.additionalProperties !== true) {
      delete value[key];
      pruned.push(fieldPath);
    }
  }
}

/** Metadata of a custom resource keeps exactly the ObjectMeta fields, whatever its schema says. */
function pruneMetadata(metadata: unknown, resolver: SchemaResolver, path: string, pruned: string[]): void {
  let meta: Schema;
  try {
    meta = resolver.resolve(refTo(OBJECT_META));
  } catch {
    return;
  }
  pruneValue(metadata, meta, resolver, path, false, pruned);
}
