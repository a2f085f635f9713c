/**
 * What the patch engines read from the schema language (../schema/types.ts): which keys of an
 * object are declared fields, how lists merge, and which maps are atomic. Extensions may sit on
 * a property wrapper (beside `allOf`/`$ref`) or on the definition it points to, so both are read.
 */
import type { Schema, SchemaResolver } from '../schema/types.js';

type Extension =
  | 'x-kubernetes-list-type'
  | 'x-kubernetes-list-map-keys'
  | 'x-kubernetes-map-type'
  | 'x-kubernetes-patch-strategy'
  | 'x-kubernetes-patch-merge-key';

/** The wrapper's value wins over the referenced definition's, as in the published OpenAPI. */
export function schemaExtension<E extends Extension>(
  schema: Schema | undefined,
  name: E,
  resolver: SchemaResolver,
): Schema[E] | undefined {
  if (!schema) return undefined;
  if (schema[name] !== undefined) return schema[name];
  return resolver.resolve(schema)[name];
}

/** Schema of a property, list item (key 0) or map value; undefined when the schema is silent. */
export function childSchema(
  schema: Schema | undefined,
  key: string | number,
  resolver: SchemaResolver,
): Schema | undefined {
  if (!schema) return undefined;
  return resolver.child(resolver.resolve(schema), key);
}

/** Named struct fields (declared `properties`), as opposed to free-form map keys. */
export function isDeclaredField(schema: Schema | undefined, key: string, resolver: SchemaResolver): boolean {
  if (!schema) return false;
  const properties = resolver.resolve(schema).properties;
  return properties !== undefined && Object.hasOwn(properties, key);
}

export function isAtomicMap(schema: Schema | undefined, resolver: SchemaResolver): boolean {
  return schemaExtension(schema, 'x-kubernetes-map-type', resolver) === 'atomic';
}

/** Server-side apply list semantics. */
export type ListSemantics = { type: 'atomic' } | { type: 'set' } | { type: 'map'; keys: string[] };

/**
 * `x-kubernetes-list-type` decides; without it the strategic-merge markers are translated the way
 * the apiserver builds its apply schema (merge + key -> map, merge alone -> set); anything
 * else, including lists the schema does not describe, is atomic.
 */
export function listSemantics(schema: Schema | undefined, resolver: SchemaResolver): ListSemantics {
  const listType = schemaExtension(schema, 'x-kubernetes-list-type', resolver);
  const mergeKey = schemaExtension(schema, 'x-kubernetes-patch-merge-key', resolver);
  if (listType === 'atomic') return { type: 'atomic' };
  if (listType === 'set') return { type: 'set' };
  if (listType === 'map') {
    const keys = schemaExtension(schema, 'x-kubernetes-list-map-keys', resolver);
    return { type: 'map', keys: keys?.length ? [...keys] : mergeKey ? [mergeKey] : [] };
  }
  if (patchStrategies(schema, resolver).includes('merge')) {
    return mergeKey ? { type: 'map', keys: [mergeKey] } : { type: 'set' };
  }
  return { type: 'atomic' };
}

/** "merge,retainKeys" -> ["merge", "retainKeys"]. */
export function patchStrategies(schema: Schema | undefined, resolver: SchemaResolver): string[] {
  const strategy = schemaExtension(schema, 'x-kubernetes-patch-strategy', resolver);
  return strategy ? strategy.split(',').map((s) => s.trim()) : [];
}

export function patchMergeKey(schema: Schema | undefined, resolver: SchemaResolver): string | undefined {
  return schemaExtension(schema, 'x-kubernetes-patch-merge-key', resolver);
}

/** A default declared on a property of an object schema (used to complete list-map keys). */
export function propertyDefault(schema: Schema | undefined, key: string, resolver: SchemaResolver): unknown {
  const property = childSchema(schema, key, resolver);
  return property ? resolver.resolve(property).default : undefined;
}
