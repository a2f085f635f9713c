/**
 * Field sets of JSON values read through the schema, as structured-merge-diff computes them:
 * which fields a value sets (fieldSetOf), what changed between two values (compareValues), and
 * how list items are named (listItemElement). Scalars, atomic lists and atomic maps are leaves;
 * lists the schema does not describe are atomic, maps the schema does not describe are granular.
 */
import { ApiError } from '../../api/errors.js';
import type { JsonValue } from '../../api/types.js';
import type { Schema, SchemaResolver } from '../schema/types.js';
import {
  elementToken,
  type FieldPath,
  fieldElement,
  formatPath,
  keyElement,
  type PathElement,
  valueElement,
} from './field-path.js';
import { FieldSet } from './field-set.js';
import { getOwn, isJsonObject, jsonEqual } from './json-value.js';
import {
  childSchema,
  isAtomicMap,
  isDeclaredField,
  type ListSemantics,
  listSemantics,
  propertyDefault,
} from './schema-info.js';

/** How one list item is addressed: by its key fields, by its value, or (atomic lists) by index. */
export function listItemElement(
  item: JsonValue,
  semantics: ListSemantics,
  itemSchema: Schema | undefined,
  index: number,
  resolver: SchemaResolver,
): PathElement {
  if (semantics.type === 'map' && isJsonObject(item) && semantics.keys.length > 0) {
    const fields: [string, JsonValue][] = [];
    for (const key of semantics.keys) {
      if (Object.hasOwn(item, key)) {
        fields.push([key, item[key]!]);
        continue;
      }
      // A key field left out but defaulted by the schema (ports' protocol: TCP) still keys the item.
      const fallback = propertyDefault(itemSchema, key, resolver);
      if (fallback !== undefined) fields.push([key, fallback as JsonValue]);
    }
    return keyElement(fields);
  }
  if (semantics.type === 'atomic') return { kind: 'index', index };
  return valueElement(item);
}

export interface IndexedItem {
  element: PathElement;
  item: JsonValue;
}

/**
 * Items of a list by element token, in list order. Duplicates are an error in applied
 * configurations (`strict`); in stored objects the first occurrence wins, as upstream tolerates.
 */
export function indexListItems(
  list: JsonValue[],
  semantics: ListSemantics,
  itemSchema: Schema | undefined,
  resolver: SchemaResolver,
  path: FieldPath,
  strict: boolean,
): Map<string, IndexedItem> {
  const items = new Map<string, IndexedItem>();
  list.forEach((item, index) => {
    const element = listItemElement(item, semantics, itemSchema, index, resolver);
    const token = elementToken(element);
    if (items.has(token)) {
      if (strict) {
        throw new ApiError(
          422,
          'Invalid',
          `failed to create typed patch object: ${formatPath(path)}: duplicate entries for key ${formatPath([element])}`,
        );
      }
      return;
    }
    items.set(token, { element, item });
  });
  return items;
}

/**
 * Every field a value sets: leaves, list items, free-form map keys, and null or empty maps
 * (so an applier can own "this is empty"). Non-empty declared struct fields appear only through
 * their children. Throws 422 on duplicate list keys.
 */
export function fieldSetOf(value: JsonValue, schema: Schema | undefined, resolver: SchemaResolver): FieldSet {
  const set = new FieldSet();
  collectFields(value, schema, resolver, [], set);
  return set;
}

function collectFields(
  value: JsonValue,
  schema: Schema | undefined,
  resolver: SchemaResolver,
  path: FieldPath,
  set: FieldSet,
): void {
  if (isJsonObject(value)) {
    if (isAtomicMap(schema, resolver)) {
      set.insert(path);
      return;
    }
    for (const [key, child] of Object.entries(value)) {
      const childPath = [...path, fieldElement(key)];
      collectFields(child, childSchema(schema, key, resolver), resolver, childPath, set);
      const emptyMap = isJsonObject(child) && Object.keys(child).length === 0;
      if (child === null || emptyMap || !isDeclaredField(schema, key, resolver)) set.insert(childPath);
    }
    return;
  }
  if (Array.isArray(value)) {
    const semantics = listSemantics(schema, resolver);
    if (semantics.type === 'atomic') {
      set.insert(path);
      return;
    }
    const itemSchema = childSchema(schema, 0, resolver);
    for (const { element, item } of indexListItems(
      value,
      semantics,
      itemSchema,
      resolver,
      path,
      true,
    ).values()) {
      const itemPath = [...path, element];
      collectFields(item, itemSchema, resolver, itemPath, set);
      set.insert(itemPath);
    }
    return;
  }
  set.insert(path);
}

/** What changed from one value to another; a path is in at most one of the three sets. */
export interface Comparison {
  added: FieldSet;
  removed: FieldSet;
  modified: FieldSet;
}

export function filterComparison(c: Comparison, excluded: readonly FieldPath[]): Comparison {
  if (excluded.length === 0) return c;
  return {
    added: c.added.withoutPrefixes(excluded),
    removed: c.removed.withoutPrefixes(excluded),
    modified: c.modified.withoutPrefixes(excluded),
  };
}

/**
 * Leaves report added / removed / modified; containers report only appearing or disappearing,
 * so a new map records itself as well as its leaves (FieldsV1 shows that as ".").
 */
export function compareValues(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): Comparison {
  const comparison = { added: new FieldSet(), removed: new FieldSet(), modified: new FieldSet() };
  if (before !== undefined || after !== undefined) compareAt(before, after, schema, resolver, [], comparison);
  return comparison;
}

function isEmptyish(value: JsonValue | undefined): boolean {
  if (value === undefined || value === null) return true;
  if (Array.isArray(value)) return value.length === 0;
  return isJsonObject(value) && Object.keys(value).length === 0;
}

function compareAt(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  schema: Schema | undefined,
  resolver: SchemaResolver,
  path: FieldPath,
  out: Comparison,
): void {
  const absentOrNull = (v: JsonValue | undefined) => v === undefined || v === null;
  const bothMaps =
    (isJsonObject(before) || absentOrNull(before)) && (isJsonObject(after) || absentOrNull(after));
  const bothLists =
    (Array.isArray(before) || absentOrNull(before)) && (Array.isArray(after) || absentOrNull(after));
  const container =
    (isJsonObject(before) || isJsonObject(after)) && bothMaps ? 'map' : bothLists ? 'list' : 'leaf';
  const emptyBoth = isEmptyish(before) && isEmptyish(after);

  if (container === 'map' && !emptyBoth && !isAtomicMap(schema, resolver)) {
    const keys = new Set([
      ...Object.keys(isJsonObject(before) ? before : {}),
      ...Object.keys(isJsonObject(after) ? after : {}),
    ]);
    for (const key of keys) {
      const b = isJsonObject(before) ? getOwn(before, key) : undefined;
      const a = isJsonObject(after) ? getOwn(after, key) : undefined;
      compareAt(b, a, childSchema(schema, key, resolver), resolver, [...path, fieldElement(key)], out);
    }
    recordContainer(before, after, path, out);
    return;
  }
  if (
    (Array.isArray(before) || Array.isArray(after)) &&
    bothLists &&
    !emptyBoth &&
    listSemantics(schema, resolver).type !== 'atomic'
  ) {
    const semantics = listSemantics(schema, resolver);
    const itemSchema = childSchema(schema, 0, resolver);
    const left = indexListItems(
      Array.isArray(before) ? before : [],
      semantics,
      itemSchema,
      resolver,
      path,
      false,
    );
    const right = indexListItems(
      Array.isArray(after) ? after : [],
      semantics,
      itemSchema,
      resolver,
      path,
      false,
    );
    for (const [token, { element, item }] of left) {
      compareAt(item, right.get(token)?.item, itemSchema, resolver, [...path, element], out);
    }
    for (const [token, { element, item }] of right) {
      if (!left.has(token)) compareAt(undefined, item, itemSchema, resolver, [...path, element], out);
    }
    recordContainer(before, after, path, out);
    return;
  }
  if (before === undefined) out.added.insert(path);
  else if (after === undefined) out.removed.insert(path);
  else if (!jsonEqual(before, after)) out.modified.insert(path);
}

function recordContainer(
  before: JsonValue | undefined,
  after: JsonValue | undefined,
  path: FieldPath,
  out: Comparison,
) {
  if (before === undefined) out.added.insert(path);
  else if (after === undefined) out.removed.insert(path);
}

/**
 * Also counts a declared struct field as owned when something beneath it is, so that pruning
 * ".spec.strategy" cannot take away ".spec.strategy.type" that someone else still owns.
 * Free-form map keys and list items are not added: those are owned only explicitly.
 */
export function ensureNamedFieldsAreMembers(
  set: FieldSet,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): FieldSet {
  const out = new FieldSet();
  addNamedFields(set, schema, resolver, [], out);
  return out;
}

function addNamedFields(
  set: FieldSet,
  schema: Schema | undefined,
  resolver: SchemaResolver,
  prefix: FieldPath,
  out: FieldSet,
) {
  for (const element of set.elements()) {
    const path = [...prefix, element];
    if (set.hasMember(element)) out.insert(path);
    const below = set.childSet(element);
    if (below.isEmpty()) continue;
    const isField = element.kind === 'field';
    if (isField && isDeclaredField(schema, element.name, resolver)) out.insert(path);
    addNamedFields(below, childSchema(schema, isField ? element.name : 0, resolver), resolver, path, out);
  }
}
