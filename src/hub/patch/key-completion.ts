/**
 * Completes list-map keys an applied configuration leaves out. Upstream fills a missing key field
 * from the schema default (a port's protocol: TCP); when the schema carries no default but the
 * kind strategy defaults the field in code, the live item already holds the value. Without this
 * step `ports: [{containerPort: 80}]` would not match the stored `{containerPort: 80, protocol:
 * TCP}` and every re-apply would add a duplicate port.
 */
import type { JsonObject, JsonValue } from '../../api/types.js';
import type { Schema, SchemaResolver } from '../schema/types.js';
import { elementToken, type FieldPath, fieldElement } from './field-path.js';
import { FieldSet } from './field-set.js';
import { getOwn, isJsonObject, jsonEqual, setOwn } from './json-value.js';
import { childSchema, isAtomicMap, listSemantics, propertyDefault } from './schema-info.js';
import { listItemElement } from './typed-fields.js';

export interface CompletedConfig {
  config: JsonObject;
  /** The key fields filled in: they identify items but are not owned by the applier. */
  filled: FieldSet;
}

/**
 * A copy of `config` in which each list-map item missing key fields (with no schema default) takes
 * them from the one live item that agrees on the key fields it does have. Ambiguous or unmatched
 * items are left alone.
 */
export function completeListKeys(
  config: JsonObject,
  live: JsonObject,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): CompletedConfig {
  const filled = new FieldSet();
  const completed = complete(config, live, schema, resolver, [], filled);
  return { config: isJsonObject(completed) ? completed : config, filled };
}

function complete(
  value: JsonValue,
  live: JsonValue | undefined,
  schema: Schema | undefined,
  resolver: SchemaResolver,
  path: FieldPath,
  filled: FieldSet,
): JsonValue {
  if (isJsonObject(value)) {
    if (isAtomicMap(schema, resolver)) return value;
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const liveChild = isJsonObject(live) ? getOwn(live, key) : undefined;
      setOwn(
        out,
        key,
        complete(
          child,
          liveChild,
          childSchema(schema, key, resolver),
          resolver,
          [...path, fieldElement(key)],
          filled,
        ),
      );
    }
    return out;
  }
  if (!Array.isArray(value)) return value;
  const semantics = listSemantics(schema, resolver);
  if (semantics.type !== 'map' || semantics.keys.length === 0) return value;
  const itemSchema = childSchema(schema, 0, resolver);
  const liveItems = (Array.isArray(live) ? live : []).filter(isJsonObject);

  return value.map((item, index) => {
    if (!isJsonObject(item)) return item;
    const missing = semantics.keys.filter(
      (k) => !Object.hasOwn(item, k) && propertyDefault(itemSchema, k, resolver) === undefined,
    );
    let completed = item;
    if (missing.length > 0) {
      const candidates = liveItems.filter((l) =>
        semantics.keys.every((k) =>
          missing.includes(k) ? Object.hasOwn(l, k) : Object.hasOwn(l, k) && jsonEqual(l[k], item[k]),
        ),
      );
      if (candidates.length === 1) {
        completed = { ...item };
        for (const k of missing) setOwn(completed, k, candidates[0]![k]!);
      }
    }
    const element = listItemElement(completed, semantics, itemSchema, index, resolver);
    if (completed !== item) {
      for (const k of missing) filled.insert([...path, element, fieldElement(k)]);
    }
    const token = elementToken(element);
    const liveItem = liveItems.find(
      (l, i) => elementToken(listItemElement(l, semantics, itemSchema, i, resolver)) === token,
    );
    return complete(completed, liveItem, itemSchema, resolver, [...path, element], filled);
  });
}
