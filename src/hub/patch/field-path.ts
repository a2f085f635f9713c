/**
 * Paths to fields inside an object, as server-side apply names them: a field of a map, an item of
 * a list map by its key fields, an item of a set by its value, or (rarely) a list index.
 * Each element has one spelling in managedFields (FieldsV1: "f:spec", `k:{"name":"c"}`,
 * `v:"a"`, "i:0") and one in messages (".spec", `[name="c"]`, `[="a"]`, "[0]").
 */
import type { JsonValue } from '../../api/types.js';
import { canonicalJson, isJsonObject } from './json-value.js';

export type PathElement =
  | { readonly kind: 'field'; readonly name: string }
  /** Key fields sorted by name, so equal keys have equal tokens. */
  | { readonly kind: 'key'; readonly fields: ReadonlyArray<readonly [string, JsonValue]> }
  | { readonly kind: 'value'; readonly value: JsonValue }
  | { readonly kind: 'index'; readonly index: number };

export type FieldPath = readonly PathElement[];

export function fieldElement(name: string): PathElement {
  return { kind: 'field', name };
}

export function keyElement(fields: Iterable<readonly [string, JsonValue]>): PathElement {
  const sorted = [...fields].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { kind: 'key', fields: sorted };
}

export function valueElement(value: JsonValue): PathElement {
  return { kind: 'value', value };
}

/** "spec", "replicas" -> [f:spec, f:replicas]. */
export function fieldPath(...names: string[]): FieldPath {
  return names.map(fieldElement);
}

/** The FieldsV1 spelling; also the identity of an element inside a field set. */
export function elementToken(element: PathElement): string {
  switch (element.kind) {
    case 'field':
      return `f:${element.name}`;
    case 'key':
      return `k:{${element.fields.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    case 'value':
      return `v:${canonicalJson(element.value)}`;
    case 'index':
      return `i:${element.index}`;
  }
}

/** Parses a FieldsV1 key; throws a plain Error naming the token when it is not one. */
export function parseElementToken(token: string): PathElement {
  const body = token.slice(2);
  switch (token.slice(0, 2)) {
    case 'f:':
      return fieldElement(body);
    case 'k:': {
      const parsed: unknown = JSON.parse(body);
      if (!isJsonObject(parsed)) throw new Error(`invalid key element ${JSON.stringify(token)}`);
      return keyElement(Object.entries(parsed));
    }
    case 'v:':
      return valueElement(JSON.parse(body) as JsonValue);
    case 'i:': {
      if (!/^(0|[1-9][0-9]*)$/.test(body)) throw new Error(`invalid index element ${JSON.stringify(token)}`);
      return { kind: 'index', index: Number(body) };
    }
    default:
      throw new Error(`unknown path element type in ${JSON.stringify(token)}`);
  }
}

/** How upstream prints a path in conflict messages: .spec.containers[name="c"].image */
export function formatPath(path: FieldPath): string {
  return path.map(formatElement).join('');
}

function formatElement(element: PathElement): string {
  switch (element.kind) {
    case 'field':
      return `.${element.name}`;
    case 'key':
      return `[${element.fields.map(([k, v]) => `${k}=${canonicalJson(v)}`).join(',')}]`;
    case 'value':
      return `[=${canonicalJson(element.value)}]`;
    case 'index':
      return `[${element.index}]`;
  }
}

const KIND_RANK = { field: 0, key: 1, value: 2, index: 3 } as const;

/** Field names first, then keys, values, indexes; the order FieldsV1 and messages list them in. */
export function compareElements(a: PathElement, b: PathElement): number {
  if (a.kind !== b.kind) return KIND_RANK[a.kind] - KIND_RANK[b.kind];
  if (a.kind === 'index' && b.kind === 'index') return a.index - b.index;
  const x = a.kind === 'field' ? a.name : elementToken(a);
  const y = b.kind === 'field' ? (b as { name: string }).name : elementToken(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
