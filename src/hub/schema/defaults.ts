/**
 * CRD structural defaulting: fills in `default` values of absent fields, as the API server does for
 * custom resources when reading from a request or from storage.
 */
import { isPlainObject } from '../../api/types.js';
import type { Schema, SchemaResolver } from './types.js';

const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

export interface DefaultOptions {
  /** `obj` is a whole API object (default): apiVersion, kind and metadata are never defaulted. */
  root?: boolean;
}

/**
 * Applies defaults to `obj` in place. A null in a field that is not nullable counts as absent: it
 * takes the default if there is one and is dropped otherwise, as upstream does. Defaults are walked
 * too, so a default `{}` picks up the defaults of its own fields.
 */
export function applyDefaults(
  obj: unknown,
  schema: Schema,
  resolver: SchemaResolver,
  options: DefaultOptions = {},
): void {
  defaultValue(obj, schema, resolver, options.root ?? true);
}

function defaultValue(value: unknown, raw: Schema, resolver: SchemaResolver, resource: boolean): void {
  const s = resolver.resolve(raw);
  if (Array.isArray(value)) {
    if (s.items) for (const item of value) defaultValue(item, s.items, resolver, false);
    return;
  }
  if (!isPlainObject(value)) return;
  const isResource = resource || Boolean(s['x-kubernetes-embedded-resource']);
  for (const [key, propRaw] of Object.entries(s.properties ?? {})) {
    if (isResource && RESOURCE_FIELDS.has(key)) continue;
    const prop = resolver.resolve(propRaw);
    const current = value[key];
    if (current === undefined || (current === null && !prop.nullable)) {
      if (prop.default !== undefined) value[key] = structuredClone(prop.default);
      else if (current === null) delete value[key];
    }
  }
  for (const [key, field] of Object.entries(value)) {
    if (isResource && RESOURCE_FIELDS.has(key)) continue;
    const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
    if (prop) defaultValue(field, prop, resolver, false);
    else if (typeof s.additionalProperties === 'object')
      defaultValue(field, s.additionalProperties, resolver, false);
  }
}
