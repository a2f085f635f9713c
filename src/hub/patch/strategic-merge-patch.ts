/**
 * Strategic merge patch (application/strategic-merge-patch+json), the patch kubectl apply, edit,
 * label and annotate send for built-in kinds. Maps merge recursively and null deletes; lists
 * follow the schema's x-kubernetes-patch-strategy (merge by merge key, union for primitives,
 * otherwise replace). The $-directives kubectl emits are honoured and never reach the result.
 */
import { ApiError, badRequest } from '../../api/errors.js';
import type { JsonObject, JsonValue } from '../../api/types.js';
import type { Schema, SchemaResolver } from '../schema/types.js';
import { canonicalJson, cloneJson, getOwn, isJsonObject, jsonEqual, setOwn } from './json-value.js';
import { childSchema, patchMergeKey, patchStrategies } from './schema-info.js';

const PATCH_DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ELEMENT_ORDER = '$setElementOrder/';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList/';

/**
 * Applies `patch` to `original` and returns the result; the inputs are not modified.
 * `rootSchema` describes the kind; fields the schema does not describe merge as plain maps
 * and replace as lists.
 */
export function strategicMergePatch(
  original: JsonObject,
  patch: JsonValue,
  rootSchema: Schema | undefined,
  resolver: SchemaResolver,
): JsonObject {
  if (!isJsonObject(patch)) {
    const got = patch === null ? 'null' : Array.isArray(patch) ? 'array' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${got} into Go value of type map[string]interface {}`);
  }
  return new StrategicMerger(resolver).mergeMap(cloneJson(original), patch, rootSchema);
}

/** Identifies a list item for ordering and matching: its merge key value, or the scalar itself. */
type ItemKey = (item: JsonValue) => string | undefined;

class StrategicMerger {
  constructor(private readonly resolver: SchemaResolver) {}

  /** `original` is owned by the merger (a private copy) and may be modified and returned. */
  mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: Schema | undefined): JsonObject {
    let body = patch;
    if (Object.hasOwn(patch, PATCH_DIRECTIVE)) {
      const directive = patch[PATCH_DIRECTIVE];
      body = withoutKey(patch, PATCH_DIRECTIVE);
      // Upstream semantics: "replace" drops what was there, "delete" leaves an empty map.
      if (directive === 'replace') return this.mergeMap(undefined, body, schema);
      if (directive === 'delete') return {};
      if (directive !== 'merge') throw badPatchType(directive, patch);
    }
    const result = original ?? {};
    applyRetainKeys(result, body);
    const ordered = this.applySetElementOrder(result, body, schema);
    for (const [key, value] of Object.entries(body)) {
      if (key === RETAIN_KEYS || key.startsWith(SET_ELEMENT_ORDER) || ordered.has(key)) continue;
      if (key.startsWith(DELETE_FROM_PRIMITIVE_LIST)) {
        deleteFromPrimitiveList(result, key, value);
        continue;
      }
      if (value === null) {
        delete result[key];
        continue;
      }
      setOwn(
        result,
        key,
        this.mergeValue(getOwn(result, key), value, childSchema(schema, key, this.resolver)),
      );
    }
    return result;
  }

  private mergeValue(
    original: JsonValue | undefined,
    patch: JsonValue,
    schema: Schema | undefined,
  ): JsonValue {
    const strategies = patchStrategies(schema, this.resolver);
    if (isJsonObject(patch)) {
      const keep = isJsonObject(original) && !strategies.includes('replace');
      return this.mergeMap(keep ? original : undefined, patch, schema);
    }
    if (Array.isArray(patch)) {
      if (Array.isArray(original) && strategies.includes('merge'))
        return this.mergeList(original, patch, schema);
      return this.newList(patch, schema);
    }
    return patch;
  }

  /** A list that replaces whatever was there: directives still apply, against an empty list. */
  private newList(patch: JsonValue[], schema: Schema | undefined): JsonValue[] {
    if (patchStrategies(schema, this.resolver).includes('merge')) return this.mergeList([], patch, schema);
    const itemSchema = childSchema(schema, 0, this.resolver);
    return patch.map((item) => this.newValue(item, itemSchema));
  }

  private newValue(value: JsonValue, schema: Schema | undefined): JsonValue {
    if (isJsonObject(value)) return this.mergeMap(undefined, value, schema);
    if (Array.isArray(value)) return this.newList(value, schema);
    return value;
  }

  /** Lists whose patch strategy is "merge". */
  private mergeList(original: JsonValue[], patch: JsonValue[], schema: Schema | undefined): JsonValue[] {
    if (original.length === 0 && patch.length === 0) return original;
    const kind = elementKind([...original, ...patch]);
    if (kind === 'scalar') {
      const merged = dedupe([...original, ...patch]);
      const key: ItemKey = (item) => canonicalJson(item);
      const [fromPatch, serverOnly] = partition(merged, patch, key);
      return normalizeOrder(fromPatch, serverOnly, patch, original, key);
    }
    const mergeKey = patchMergeKey(schema, this.resolver);
    const itemSchema = childSchema(schema, 0, this.resolver);
    // Upstream refuses to merge maps without a merge key; replacing is the useful reading.
    if (!mergeKey) return patch.map((item) => this.newValue(item, itemSchema));
    const key = mergeKeyOf(mergeKey);

    let base = original;
    const plain: JsonObject[] = [];
    let replace = false;
    for (const item of patch) {
      if (!isJsonObject(item)) throw badRequest('list element types are not identical');
      if (!Object.hasOwn(item, PATCH_DIRECTIVE)) {
        plain.push(item);
        continue;
      }
      const directive = item[PATCH_DIRECTIVE];
      if (directive === 'delete') {
        if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
        base = base.filter((o) => key(o) !== key(item));
      } else if (directive === 'replace') {
        replace = true;
      } else if (directive === 'merge') {
        // Merging is what happens anyway; a bare marker without a key carries nothing.
        if (Object.hasOwn(item, mergeKey)) plain.push(withoutKey(item, PATCH_DIRECTIVE));
      } else {
        throw badPatchType(directive, item);
      }
    }
    if (replace) return plain.map((item) => this.mergeMap(undefined, item, itemSchema));

    const merged = [...base];
    for (const item of plain) {
      if (!Object.hasOwn(item, mergeKey)) throw noMergeKey(item, mergeKey);
      const at = merged.findIndex((o) => key(o) === key(item));
      if (at >= 0 && isJsonObject(merged[at]))
        merged[at] = this.mergeMap(merged[at] as JsonObject, item, itemSchema);
      else merged.push(this.mergeMap(undefined, item, itemSchema));
    }
    const [fromPatch, serverOnly] = partition(merged, plain, key);
    return normalizeOrder(fromPatch, serverOnly, plain, base, key);
  }

  /**
   * `$setElementOrder/<field>` fixes the order of a merged list: listed items first take the
   * directive's order, items only the server knows keep their place relative to the live list.
   * Returns the fields it merged so the main loop does not merge them twice.
   */
  private applySetElementOrder(
    result: JsonObject,
    patch: JsonObject,
    schema: Schema | undefined,
  ): Set<string> {
    const handled = new Set<string>();
    for (const [directiveKey, order] of Object.entries(patch)) {
      if (!directiveKey.startsWith(SET_ELEMENT_ORDER)) continue;
      const field = directiveKey.slice(SET_ELEMENT_ORDER.length);
      if (!field || !Array.isArray(order)) throw badRequest('invalid patch format of setElementOrder list');
      const patchList = getOwn(patch, field);
      if (patchList === null) continue; // the field is being deleted; nothing to order
      if (patchList !== undefined && !Array.isArray(patchList)) {
        throw badRequest('invalid patch format of setElementOrder list');
      }
      const fieldSchema = childSchema(schema, field, this.resolver);
      const mergeKey = patchMergeKey(fieldSchema, this.resolver);
      const hasMaps = order.some(isJsonObject) || (patchList ?? []).some(isJsonObject);
      if (hasMaps && !mergeKey) continue; // cannot match maps without a key: order is ignored
      const key: ItemKey = hasMaps ? mergeKeyOf(mergeKey!) : (item) => canonicalJson(item);

      const live = getOwn(result, field);
      const originalList = Array.isArray(live) ? live : undefined;
      let merged: JsonValue[];
      if (patchList !== undefined) {
        validateAgainstOrder(patchList, order, key);
        merged = originalList
          ? (this.mergeValue(originalList, patchList, fieldSchema) as JsonValue[])
          : this.newList(patchList, fieldSchema);
      } else if (originalList) {
        merged = originalList;
      } else {
        continue;
      }
      const [listed, serverOnly] = partition(merged, order, key);
      setOwn(result, field, normalizeOrder(listed, serverOnly, order, originalList ?? [], key));
      handled.add(field);
    }
    return handled;
  }
}

function applyRetainKeys(result: JsonObject, patch: JsonObject): void {
  if (!Object.hasOwn(patch, RETAIN_KEYS)) return;
  const list = patch[RETAIN_KEYS];
  if (!Array.isArray(list)) throw badRequest('invalid patch format of retainKeys');
  const retained = new Set(list.filter((k): k is string => typeof k === 'string'));
  for (const [key, value] of Object.entries(patch)) {
    if (value === null || key === RETAIN_KEYS || isListDirective(key)) continue;
    if (!retained.has(key)) throw new ApiError(422, 'Invalid', "patch content doesn't match retainKeys list");
  }
  for (const key of Object.keys(result)) {
    if (!retained.has(key)) delete result[key];
  }
}

function deleteFromPrimitiveList(result: JsonObject, directiveKey: string, values: JsonValue): void {
  const field = directiveKey.slice(DELETE_FROM_PRIMITIVE_LIST.length);
  if (!field || !Array.isArray(values)) throw badRequest('invalid patch format of primitive list');
  const list = getOwn(result, field);
  if (!Array.isArray(list)) return;
  setOwn(
    result,
    field,
    list.filter((item) => !values.some((v) => jsonEqual(v, item))),
  );
}

function isListDirective(key: string): boolean {
  return key.startsWith(SET_ELEMENT_ORDER) || key.startsWith(DELETE_FROM_PRIMITIVE_LIST);
}

/** The patch's own relative order must agree with $setElementOrder (deletions aside). */
function validateAgainstOrder(patchList: JsonValue[], order: JsonValue[], key: ItemKey): void {
  const items = patchList.filter((item) => !(isJsonObject(item) && Object.hasOwn(item, PATCH_DIRECTIVE)));
  let p = 0;
  for (let s = 0; p < items.length && s < order.length; s++) {
    if (key(items[p]!) === key(order[s]!)) p++;
  }
  if (p < items.length) {
    throw badRequest(
      `The order in patch list: ${JSON.stringify(patchList)} doesn't match $setElementOrder list: ${JSON.stringify(order)}`,
    );
  }
}

function elementKind(items: JsonValue[]): 'scalar' | 'map' {
  if (items.some(Array.isArray)) throw new ApiError(422, 'Invalid', 'lists of lists are not supported');
  const maps = items.filter(isJsonObject).length;
  if (maps > 0 && maps < items.length) throw badRequest('list element types are not identical');
  return maps > 0 ? 'map' : 'scalar';
}

function mergeKeyOf(mergeKey: string): ItemKey {
  return (item) =>
    isJsonObject(item) && Object.hasOwn(item, mergeKey) ? canonicalJson(item[mergeKey]!) : undefined;
}

function dedupe(items: JsonValue[]): JsonValue[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const k = canonicalJson(item);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** Splits `items` into those whose key appears in `by` and the rest, keeping their order. */
function partition(items: JsonValue[], by: JsonValue[], key: ItemKey): [JsonValue[], JsonValue[]] {
  const keys = new Set(by.map(key).filter((k) => k !== undefined));
  const inside: JsonValue[] = [];
  const outside: JsonValue[] = [];
  for (const item of items) {
    const k = key(item);
    (k !== undefined && keys.has(k) ? inside : outside).push(item);
  }
  return [inside, outside];
}

function positions(list: JsonValue[], key: ItemKey): Map<string, number> {
  const at = new Map<string, number>();
  list.forEach((item, i) => {
    const k = key(item);
    if (k !== undefined && !at.has(k)) at.set(k, i);
  });
  return at;
}

/** Stable sort by position in `order`; items `order` does not mention keep their order, last. */
function sortByOrder(items: JsonValue[], order: JsonValue[], key: ItemKey): JsonValue[] {
  const at = positions(order, key);
  const known = items.filter((item) => at.has(key(item) ?? ''));
  const unknown = items.filter((item) => !at.has(key(item) ?? ''));
  known.sort((a, b) => at.get(key(a)!)! - at.get(key(b)!)!);
  return [...known, ...unknown];
}

/**
 * Orders patch items by the patch and server-only items by the live list, then interleaves the
 * two: a server-only item goes before a patch item when the live list had it earlier.
 */
function normalizeOrder(
  fromPatch: JsonValue[],
  serverOnly: JsonValue[],
  patchOrder: JsonValue[],
  serverOrder: JsonValue[],
  key: ItemKey,
): JsonValue[] {
  const patchItems = sortByOrder(fromPatch, patchOrder, key);
  const serverItems = sortByOrder(serverOnly, serverOrder, key);
  const live = positions(serverOrder, key);
  const out: JsonValue[] = [];
  let i = 0;
  let j = 0;
  while (i < serverItems.length || j < patchItems.length) {
    if (i >= serverItems.length) out.push(patchItems[j++]!);
    else if (j >= patchItems.length) out.push(serverItems[i++]!);
    else {
      const left = live.get(key(serverItems[i]!) ?? '');
      const right = live.get(key(patchItems[j]!) ?? '');
      if (left !== undefined && right !== undefined && left < right) out.push(serverItems[i++]!);
      else out.push(patchItems[j++]!);
    }
  }
  return out;
}

function withoutKey(map: JsonObject, key: string): JsonObject {
  const copy = { ...map };
  delete copy[key];
  return copy;
}

function badPatchType(directive: JsonValue | undefined, map: JsonObject): ApiError {
  return badRequest(
    `unknown patch type: ${JSON.stringify(directive ?? null)} in map: ${JSON.stringify(map)}`,
  );
}

function noMergeKey(item: JsonObject, mergeKey: string): ApiError {
  return badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`);
}
