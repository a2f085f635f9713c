/**
 * The table of schema definitions the hub knows: the generated built-ins plus the schemas of
 * installed CustomResourceDefinitions. It resolves $ref/allOf indirections for everything that walks
 * a schema (validation, pruning, defaulting, patching, /openapi/v3).
 */
import builtinDefinitions from './builtin.generated.json' with { type: 'json' };
import { refName } from './definition-names.js';
import { applyPatchSemantics } from './patch-semantics.js';
import type { Schema, SchemaResolver } from './types.js';

/** Guards against $ref loops that never reach a concrete schema (a ref to itself, say). */
const MAX_INDIRECTIONS = 32;

function loadBuiltins(): Map<string, Schema> {
  const defs = structuredClone(builtinDefinitions as unknown as Record<string, Schema>);
  // The committed JSON already carries the table; re-applying keeps the table authoritative.
  applyPatchSemantics(defs);
  applyKeyDefaults(defs);
  return new Map(Object.entries(defs));
}

/**
 * Defaults upstream declares on list-map key fields. Server-side apply needs them: an applied port
 * without `protocol` must be the same list item as the stored one with `protocol: TCP`.
 */
const KEY_DEFAULTS: [definition: string, property: string, value: unknown][] = [
  ['io.k8s.api.core.v1.ContainerPort', 'protocol', 'TCP'],
  ['io.k8s.api.core.v1.ServicePort', 'protocol', 'TCP'],
  ['io.k8s.api.core.v1.EndpointPort', 'protocol', 'TCP'],
  ['io.k8s.api.discovery.v1.EndpointPort', 'protocol', 'TCP'],
];

function applyKeyDefaults(defs: Record<string, Schema>): void {
  for (const [definition, property, value] of KEY_DEFAULTS) {
    const prop = defs[definition]?.properties?.[property];
    if (prop && prop.default === undefined) prop.default = value;
  }
}

export class SchemaRegistry implements SchemaResolver {
  private readonly defs: Map<string, Schema>;
  private readonly builtinNames: ReadonlySet<string>;

  constructor() {
    this.defs = loadBuiltins();
    this.builtinNames = new Set(this.defs.keys());
  }

  definition(name: string): Schema | undefined {
    return this.defs.get(name);
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  isBuiltin(name: string): boolean {
    return this.builtinNames.has(name);
  }

  names(): string[] {
    return [...this.defs.keys()].sort();
  }

  /**
   * Adds or replaces custom definitions (a CRD's versions). Built-in names cannot be replaced: a CRD
   * must never change how a built-in kind validates or patches.
   */
  addDefinitions(record: Record<string, Schema>): void {
    const clash = Object.keys(record).filter((name) => this.builtinNames.has(name));
    if (clash.length > 0) throw new Error(`cannot replace built-in schema definitions: ${clash.join(', ')}`);
    for (const [name, schema] of Object.entries(record)) this.defs.set(name, schema);
  }

  /** Drops custom definitions (a CRD was deleted or lost a version); built-ins are left alone. */
  removeDefinitions(names: Iterable<string>): void {
    for (const name of names) if (!this.builtinNames.has(name)) this.defs.delete(name);
  }

  resolve(schema: Schema): Schema {
    let current = schema;
    for (let i = 0; i < MAX_INDIRECTIONS; i++) {
      if (current.$ref !== undefined) {
        const name = refName(current.$ref);
        const target = name === undefined ? undefined : this.defs.get(name);
        if (!target) throw new Error(`schema reference ${current.$ref} does not resolve`);
        current = target;
        continue;
      }
      // Upstream wraps a $ref in a one-element allOf to attach a description; anything richer is
      // a real conjunction (CRD value validation) and stays as it is.
      if (current.allOf?.length === 1 && current.type === undefined && current.properties === undefined) {
        current = current.allOf[0]!;
        continue;
      }
      return current;
    }
    throw new Error('schema reference chain too deep (a $ref cycle?)');
  }

  child(schema: Schema, key: string | number): Schema | undefined {
    const s = this.resolve(schema);
    let next: Schema | undefined;
    if (typeof key === 'number' || (s.type === 'array' && /^\d+$/.test(key))) {
      next = s.items;
    } else if (s.properties && Object.hasOwn(s.properties, key)) {
      next = s.properties[key];
    } else if (typeof s.additionalProperties === 'object') {
      next = s.additionalProperties;
    }
    return next === undefined ? undefined : this.resolve(next);
  }

  /** Every definition reachable by $ref from `roots` (roots included, if they exist), sorted. */
  reachable(roots: Iterable<string>): string[] {
    const seen = new Set<string>();
    const pending = [...roots];
    while (pending.length > 0) {
      const name = pending.pop()!;
      const def = this.defs.get(name);
      if (seen.has(name) || !def) continue;
      seen.add(name);
      forEachRef(def, (ref) => {
        const target = refName(ref);
        if (target !== undefined && !seen.has(target)) pending.push(target);
      });
    }
    return [...seen].sort();
  }
}

/** Calls `visit` with every $ref string inside a schema tree. */
export function forEachRef(schema: Schema, visit: (ref: string) => void): void {
  if (schema.$ref !== undefined) visit(schema.$ref);
  for (const sub of Object.values(schema.properties ?? {})) forEachRef(sub, visit);
  if (schema.items) forEachRef(schema.items, visit);
  if (typeof schema.additionalProperties === 'object') forEachRef(schema.additionalProperties, visit);
  for (const list of [schema.allOf, schema.anyOf, schema.oneOf])
    for (const sub of list ?? []) forEachRef(sub, visit);
  if (schema.not) forEachRef(schema.not, visit);
}

let shared: SchemaRegistry | undefined;

/** The hub's one registry; CRD handling adds to it, everything else reads it. */
export function sharedSchemaRegistry(): SchemaRegistry {
  shared ??= new SchemaRegistry();
  return shared;
}
