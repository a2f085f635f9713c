/**
 * Checks an object against a schema: types, formats, enums, bounds, required fields and list keys,
 * and collects fields the schema does not know. It stays at the level the schema can express; the
 * Kubernetes rules written in code (name formats, immutability, cross-field checks) live elsewhere.
 */
import { fieldInvalid, fieldNotSupported, fieldRequired } from '../../api/errors.js';
import { isPlainObject, type StatusCause } from '../../api/types.js';
import { OBJECT_META, QUANTITY, refName, refTo } from './definition-names.js';
import { childPath, indexPath, keyPath } from './field-path.js';
import { fieldDuplicate, fieldTooLong, fieldTooMany, inBody, typeMismatch } from './schema-causes.js';
import type { Schema, SchemaResolver } from './types.js';

export { applyDefaults } from './defaults.js';
export { pruneUnknownFields } from './prune.js';

export interface ValidationResult {
  causes: StatusCause[];
  /** Paths of fields the schema does not know, with a leading dot: ".spec.replicass". */
  unknownFields: string[];
}

export interface ValidateOptions {
  /**
   * `obj` is a whole API object (default): apiVersion, kind and metadata are always known and
   * metadata is checked as ObjectMeta. Set false to check a fragment such as a default value.
   */
  root?: boolean;
  /** Prefix for every reported path when checking a fragment, e.g. "spec.template". */
  path?: string;
  /** Report missing required fields (default true). */
  required?: boolean;
  /**
   * Reject duplicate keys in x-kubernetes-list-type=map lists (default true). Upstream tolerates a
   * few duplicates in built-in kinds (env names), so callers may turn this off for them.
   */
  uniqueListMapKeys?: boolean;
}

/** The syntax upstream's Quantity decoder accepts; JSON numbers are accepted as well. */
const QUANTITY_SYNTAX = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|[KMGTPE]i|[numkMGTPE])?$/;
const QUANTITY_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
/** RFC 3339, as Go's time parser reads it; fractional seconds optional. */
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
/** Always known at the top of an object and of an embedded resource. */
const RESOURCE_FIELDS = new Set(['apiVersion', 'kind', 'metadata']);

const patternCache = new Map<string, RegExp | null>();

/** Compiles an ECMA-compatible subset of the RE2 patterns CRDs use; unparseable patterns are skipped. */
function compilePattern(pattern: string): RegExp | null {
  let re = patternCache.get(pattern);
  if (re === undefined) {
    try {
      re = new RegExp(pattern, 'u');
    } catch {
      re = null;
    }
    patternCache.set(pattern, re);
  }
  return re;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a))
    return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

function isQuantityRef(schema: Schema): boolean {
  const ref = schema.$ref ?? schema.allOf?.[0]?.$ref;
  return ref !== undefined && refName(ref) === QUANTITY;
}

class Walker {
  readonly causes: StatusCause[] = [];
  readonly unknownFields: string[] = [];

  constructor(
    private readonly resolver: SchemaResolver,
    private readonly opts: { required: boolean; uniqueListMapKeys: boolean; reportUnknown: boolean },
  ) {}

  /** Validates `value` at `path` against the unresolved schema `raw`. */
  value(value: unknown, raw: Schema, path: string, resourceRoot = false): void {
    const s = this.resolver.resolve(raw);
    // Null means "unset" unless the schema allows null: built-ins decode it to the zero value and
    // CRD defaulting drops it; a missing required field is reported by the parent.
    if (value === null || value === undefined) return;

    if (isQuantityRef(raw)) {
      this.quantity(value, path);
      return;
    }
    if (s['x-kubernetes-int-or-string']) {
      if (typeof value !== 'string' && !Number.isInteger(value)) {
        this.causes.push(typeMismatch(path, value, 'integer,string'));
        return;
      }
    } else if (!this.typeMatches(value, s, path)) {
      return;
    }

    if (s.enum && !s.enum.some((allowed) => deepEqual(allowed, value))) {
      this.causes.push(
        fieldNotSupported(
          path,
          value,
          s.enum.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))),
        ),
      );
    }
    if (typeof value === 'string') this.string(value, s, path);
    else if (typeof value === 'number') this.number(value, s, path);
    else if (Array.isArray(value)) this.array(value, s, path);
    else if (isPlainObject(value))
      this.object(value, s, path, resourceRoot || Boolean(s['x-kubernetes-embedded-resource']), resourceRoot);
    this.junctors(value, s, path);
  }

  private typeMatches(value: unknown, s: Schema, path: string): boolean {
    let ok: boolean;
    switch (s.type) {
      case undefined:
        return true;
      case 'object':
        ok = isPlainObject(value);
        break;
      case 'array':
        ok = Array.isArray(value);
        break;
      case 'string':
        ok = typeof value === 'string';
        break;
      case 'integer':
        ok = Number.isInteger(value);
        break;
      case 'number':
        ok = typeof value === 'number' && Number.isFinite(value);
        break;
      case 'boolean':
        ok = typeof value === 'boolean';
        break;
    }
    if (!ok) this.causes.push(typeMismatch(path, value, s.type));
    return ok;
  }

  private quantity(value: unknown, path: string): void {
    if (typeof value === 'number' && Number.isFinite(value)) return;
    if (typeof value === 'string' && QUANTITY_SYNTAX.test(value)) return;
    this.causes.push(fieldInvalid(path, value, QUANTITY_MESSAGE));
  }

  private string(value: string, s: Schema, path: string): void {
    if (s.format === 'date-time' && !DATE_TIME.test(value)) {
      this.causes.push(fieldInvalid(path, value, `${inBody(path)} must be of type date-time: "${value}"`));
    }
    if (s.format === 'byte' && !BASE64.test(value.replace(/[\r\n]/g, ''))) {
      this.causes.push(fieldInvalid(path, value, `${inBody(path)} must be of type byte: "${value}"`));
    }
    const length = [...value].length;
    if (s.maxLength !== undefined && length > s.maxLength) this.causes.push(fieldTooLong(path, s.maxLength));
    if (s.minLength !== undefined && length < s.minLength) {
      this.causes.push(
        fieldInvalid(path, value, `${inBody(path)} should be at least ${s.minLength} chars long`),
      );
    }
    if (s.pattern !== undefined && compilePattern(s.pattern)?.test(value) === false) {
      this.causes.push(fieldInvalid(path, value, `${inBody(path)} should match '${s.pattern}'`));
    }
  }

  private number(value: number, s: Schema, path: string): void {
    if (s.format === 'int32' && (value < INT32_MIN || value > INT32_MAX)) {
      this.causes.push(fieldInvalid(path, value, `${inBody(path)} must be a 32-bit integer`));
    }
    if (s.minimum !== undefined) {
      if (s.exclusiveMinimum ? value <= s.minimum : value < s.minimum) {
        const how = s.exclusiveMinimum ? 'greater than' : 'greater than or equal to';
        this.causes.push(fieldInvalid(path, value, `${inBody(path)} should be ${how} ${s.minimum}`));
      }
    }
    if (s.maximum !== undefined) {
      if (s.exclusiveMaximum ? value >= s.maximum : value > s.maximum) {
        const how = s.exclusiveMaximum ? 'less than' : 'less than or equal to';
        this.causes.push(fieldInvalid(path, value, `${inBody(path)} should be ${how} ${s.maximum}`));
      }
    }
  }

  private array(value: unknown[], s: Schema, path: string): void {
    if (s.maxItems !== undefined && value.length > s.maxItems) {
      this.causes.push(fieldTooMany(path, value.length, s.maxItems));
    }
    if (s.minItems !== undefined && value.length < s.minItems) {
      this.causes.push(
        fieldInvalid(path, value.length, `${inBody(path)} should have at least ${s.minItems} items`),
      );
    }
    const listType = s['x-kubernetes-list-type'];
    if (s.uniqueItems || listType === 'set') this.uniqueValues(value, path);
    if (listType === 'map' && this.opts.uniqueListMapKeys)
      this.uniqueKeys(value, s['x-kubernetes-list-map-keys'] ?? [], path);
    if (s.items) for (const [i, item] of value.entries()) this.value(item, s.items, indexPath(path, i));
  }

  private uniqueValues(value: unknown[], path: string): void {
    value.forEach((item, i) => {
      if (value.slice(0, i).some((earlier) => deepEqual(earlier, item))) {
        this.causes.push(fieldDuplicate(indexPath(path, i), item));
      }
    });
  }

  private uniqueKeys(value: unknown[], keys: string[], path: string): void {
    const seen = new Set<string>();
    value.forEach((item, i) => {
      if (!isPlainObject(item) || keys.length === 0) return;
      const key: Record<string, unknown> = {};
      for (const k of keys) if (item[k] !== undefined) key[k] = item[k];
      const id = JSON.stringify(key);
      if (seen.has(id)) this.causes.push(fieldDuplicate(indexPath(path, i), key));
      seen.add(id);
    });
  }

  private object(
    value: Record<string, unknown>,
    s: Schema,
    path: string,
    resource: boolean,
    topLevel: boolean,
  ): void {
    const count = Object.keys(value).length;
    if (s.maxProperties !== undefined && count > s.maxProperties) {
      this.causes.push(fieldTooMany(path, count, s.maxProperties));
    }
    if (s.minProperties !== undefined && count < s.minProperties) {
      this.causes.push(
        fieldInvalid(path, count, `${inBody(path)} should have at least ${s.minProperties} properties`),
      );
    }
    if (this.opts.required) {
      for (const name of s.required ?? []) {
        if (topLevel && RESOURCE_FIELDS.has(name)) continue; // the API machinery fills these in
        const field = value[name];
        const nullable =
          field === null && s.properties?.[name] && this.resolver.resolve(s.properties[name]).nullable;
        if (field === undefined || (field === null && !nullable))
          this.causes.push(fieldRequired(childPath(path, name)));
      }
    }
    if (resource) this.resourceFields(value, s, path, topLevel);

    const preserve = Boolean(s['x-kubernetes-preserve-unknown-fields']);
    for (const [key, field] of Object.entries(value)) {
      if (resource && RESOURCE_FIELDS.has(key)) continue;
      const prop = s.properties && Object.hasOwn(s.properties, key) ? s.properties[key] : undefined;
      if (prop) this.value(field, prop, childPath(path, key));
      else if (typeof s.additionalProperties === 'object')
        this.value(field, s.additionalProperties, keyPath(path, key));
      else if (!preserve && s.additionalProperties !== true && this.opts.reportUnknown) {
        this.unknownFields.push(`.${childPath(path, key)}`);
      }
    }
  }

  /** apiVersion and kind are strings; metadata is an ObjectMeta, plus any name rules the schema adds. */
  private resourceFields(value: Record<string, unknown>, s: Schema, path: string, topLevel: boolean): void {
    for (const name of ['apiVersion', 'kind']) {
      const field = value[name];
      if (field !== undefined && field !== null && typeof field !== 'string') {
        this.causes.push(typeMismatch(childPath(path, name), field, 'string'));
      } else if (!topLevel && this.opts.required && !field) {
        this.causes.push(fieldRequired(childPath(path, name), 'Required value: must not be empty'));
      }
    }
    const metadata = value.metadata;
    if (metadata === undefined || metadata === null) return;
    const metaPath = childPath(path, 'metadata');
    this.value(metadata, this.objectMetaSchema(), metaPath);
    const declared = s.properties?.metadata;
    if (declared && declared.$ref === undefined && isPlainObject(metadata)) {
      // A CRD may only constrain name and generateName; check those constraints on top.
      for (const [key, prop] of Object.entries(this.resolver.resolve(declared).properties ?? {})) {
        this.value(metadata[key], prop, childPath(metaPath, key));
      }
    }
  }

  private objectMetaSchema(): Schema {
    try {
      return this.resolver.resolve(refTo(OBJECT_META));
    } catch {
      return { type: 'object', 'x-kubernetes-preserve-unknown-fields': true };
    }
  }

  /** allOf/anyOf/oneOf/not: value validations of CRD schemas; they never make fields known. */
  private junctors(value: unknown, s: Schema, path: string): void {
    const passes = (sub: Schema): StatusCause[] => {
      const w = new Walker(this.resolver, { ...this.opts, reportUnknown: false });
      w.value(value, sub, path);
      return w.causes;
    };
    // A single allOf entry was already followed by resolve() when it wraps a $ref.
    if (s.allOf && !(s.allOf.length === 1 && s.type === undefined && s.properties === undefined)) {
      for (const sub of s.allOf) this.causes.push(...passes(sub));
    }
    if (s.anyOf && !s.anyOf.some((sub) => passes(sub).length === 0)) {
      this.causes.push(fieldInvalid(path, value, 'must validate at least one schema (anyOf)'));
    }
    if (s.oneOf) {
      const matched = s.oneOf.filter((sub) => passes(sub).length === 0).length;
      if (matched !== 1) {
        this.causes.push(
          fieldInvalid(path, value, `must validate one and only one schema (oneOf), matched ${matched}`),
        );
      }
    }
    if (s.not && passes(s.not).length === 0) {
      this.causes.push(fieldInvalid(path, value, 'must not validate the schema (not)'));
    }
  }
}

/**
 * Validates `obj` against `schema`. Causes use kubectl's field format (`spec.replicas`,
 * `spec.template.spec.containers[0].image`); unknownFields feed fieldValidation=Strict/Warn.
 */
export function validateObject(
  obj: unknown,
  schema: Schema,
  resolver: SchemaResolver,
  options: ValidateOptions = {},
): ValidationResult {
  const walker = new Walker(resolver, {
    required: options.required ?? true,
    uniqueListMapKeys: options.uniqueListMapKeys ?? true,
    reportUnknown: true,
  });
  walker.value(obj, schema, options.path ?? '', options.root ?? true);
  return { causes: walker.causes, unknownFields: walker.unknownFields };
}
