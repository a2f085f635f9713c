/**
 * The two object edits server-side apply makes: merging an applied configuration into the live
 * object (the configuration wins on every field it sets), and removing the fields an applier
 * gave up. Lists merge by their apply semantics (map by keys, set by value, atomic replaced).
 */
import type { JsonObject, JsonValue } from '../../api/types.js';
import type { Schema, SchemaResolver } from '../schema/types.js';
import { type FieldPath, fieldElement } from './field-path.js';
import type { FieldSet } from './field-set.js';
import { cloneJson, getOwn, isJsonObject, setOwn } from './json-value.js';
import { childSchema, isAtomicMap, listSemantics } from './schema-info.js';
import { type IndexedItem, indexListItems, listItemElement } from './typed-fields.js';

/**
 * Live merged with the configuration. A null in the configuration removes the field (the
 * applier still owns it). Inputs are not modified.
 */
export function mergeApplied(
  live: JsonObject,
  config: JsonObject,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): JsonObject {
  // One deep copy up front; below, the copy is owned and unchanged subtrees are reused.
  const merged = mergeValue(cloneJson(live), config, schema, resolver, []);
  return isJsonObject(merged) ? merged : {};
}

function mergeValue(
  live: JsonValue | undefined,
  config: JsonValue,
  schema: Schema | undefined,
  resolver: SchemaResolver,
  path: FieldPath,
): JsonValue | undefined {
  if (config === null) return undefined;
  if (live === undefined || live === null) return withoutNulls(config);
  if (isJsonObject(live) && isJsonObject(config) && !isAtomicMap(schema, resolver)) {
    const out: JsonObject = { ...live };
    for (const [key, value] of Object.entries(config)) {
      const merged = mergeValue(getOwn(live, key), value, childSchema(schema, key, resolver), resolver, [
        ...path,
        fieldElement(key),
      ]);
      if (merged === undefined) delete out[key];
      else setOwn(out, key, merged);
    }
    return out;
  }
  if (Array.isArray(live) && Array.isArray(config)) {
    const semantics = listSemantics(schema, resolver);
    if (semantics.type !== 'atomic') return mergeList(live, config, schema, resolver, path);
  }
  return withoutNulls(config);
}

/**
 * Items keep the configuration's order; items only the live list has stay where they were
 * relative to the items both lists share (structured-merge-diff's merge order).
 */
function mergeList(
  live: JsonValue[],
  config: JsonValue[],
  schema: Schema | undefined,
  resolver: SchemaResolver,
  path: FieldPath,
): JsonValue[] {
  const semantics = listSemantics(schema, resolver);
  const itemSchema = childSchema(schema, 0, resolver);
  const left = indexListItems(live, semantics, itemSchema, resolver, path, false);
  const right = indexListItems(config, semantics, itemSchema, resolver, path, false);
  const leftOrder = [...left.keys()];
  const rightOrder = [...right.keys()];
  const pendingShared = rightOrder.filter((token) => left.has(token));
  const emitted = new Set<string>();
  const out: JsonValue[] = [];

  const emit = (token: string, l: IndexedItem | undefined, r: IndexedItem | undefined) => {
    emitted.add(token);
    if (pendingShared[0] === token) pendingShared.shift();
    const value = r ? mergeValue(l?.item, r.item, itemSchema, resolver, [...path, r.element]) : l!.item;
    out.push(value === undefined ? null : value);
  };

  let li = 0;
  let ri = 0;
  while (li < leftOrder.length || ri < rightOrder.length) {
    if (li < leftOrder.length) {
      const token = leftOrder[li]!;
      if (emitted.has(token)) {
        li++;
        continue;
      }
      if (!right.has(token)) {
        emit(token, left.get(token), undefined);
        li++;
        continue;
      }
      if (ri < rightOrder.length && rightOrder[ri] === token) {
        emit(token, left.get(token), right.get(token));
        li++;
        ri++;
        continue;
      }
      // A shared item the configuration places later: wait for it on the configuration side.
      if (pendingShared[0] !== token) {
        li++;
        continue;
      }
    }
    if (ri < rightOrder.length) {
      const token = rightOrder[ri]!;
      if (!emitted.has(token)) emit(token, left.get(token), right.get(token));
      ri++;
      continue;
    }
    li++;
  }
  return out;
}

/** A configuration value stored as-is, minus null map entries (they mean "not set"). */
function withoutNulls(value: JsonValue): JsonValue {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (!isJsonObject(value)) return value;
  const out: JsonObject = {};
  for (const [key, child] of Object.entries(value)) if (child !== null) setOwn(out, key, withoutNulls(child));
  return out;
}

/**
 * Removes every member of `toRemove` (and what lies beneath it) from `value`. A map or list
 * emptied by the removal disappears from its parent, as the apiserver drops an empty result.
 * The result is new along the edited paths and shares untouched subtrees with `value`.
 */
export function removeFields(
  value: JsonObject,
  toRemove: FieldSet,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): JsonObject {
  if (toRemove.isEmpty()) return value;
  const out = removeFrom(value, toRemove, schema, resolver);
  return isJsonObject(out) ? out : {};
}

function removeFrom(
  value: JsonValue,
  toRemove: FieldSet,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): JsonValue {
  if (isJsonObject(value)) {
    if (isAtomicMap(schema, resolver)) return value;
    const out: JsonObject = {};
    for (const [key, child] of Object.entries(value)) {
      const element = fieldElement(key);
      if (toRemove.hasMember(element)) continue;
      const below = toRemove.childSet(element);
      if (below.isEmpty()) {
        setOwn(out, key, child);
        continue;
      }
      const trimmed = removeFrom(child, below, childSchema(schema, key, resolver), resolver);
      if (!emptiedContainer(child, trimmed)) setOwn(out, key, trimmed);
    }
    return out;
  }
  if (Array.isArray(value)) {
    const semantics = listSemantics(schema, resolver);
    if (semantics.type === 'atomic') return value;
    const itemSchema = childSchema(schema, 0, resolver);
    const out: JsonValue[] = [];
    value.forEach((item, index) => {
      const element = listItemElement(item, semantics, itemSchema, index, resolver);
      if (toRemove.hasMember(element)) return;
      const below = toRemove.childSet(element);
      out.push(below.isEmpty() ? item : removeFrom(item, below, itemSchema, resolver));
    });
    return out;
  }
  return value;
}

function size(value: JsonValue): number {
  if (Array.isArray(value)) return value.length;
  return isJsonObject(value) ? Object.keys(value).length : -1;
}

function emptiedContainer(before: JsonValue, after: JsonValue): boolean {
  return size(before) > 0 && size(after) === 0;
}
