/**
 * The schema language for our protobuf tables, and the registry built from them.
 *
 * Each message is written as `{ fieldNumber: 'jsonName type flags…' }`, e.g.
 *   `10: 'deletionGracePeriodSeconds int64 keep'`, `13: 'ownerReferences []OwnerReference'`,
 *   `11: 'labels map<string>'`, `1: 'localObjectReference LocalObjectReference inline'`.
 * Numbers and names are the facts of upstream generated.proto; the flags carry what the .proto
 * cannot say. Every field there is written `optional` (proto2), so pointer-ness has to come from
 * the Go types instead:
 *   keep   - JSON keeps the value even when it is zero: a Go pointer field, or one without
 *            omitempty. Without it, gogo's always-written zero ("" / 0 / false) is dropped.
 *   inline - an embedded Go struct: its fields appear directly in the parent JSON object.
 * Unqualified type names resolve inside the group being defined; others are `group.Message`.
 */

export type ScalarType = 'string' | 'bool' | 'int32' | 'int64' | 'bytes';

/** Messages with their own JSON shape instead of an object. */
export type SpecialType =
  | 'Time' // meta/v1 Time: RFC3339 seconds, omitted when unset
  | 'MicroTime' // meta/v1 MicroTime: RFC3339 with microseconds
  | 'Quantity' // resource.Quantity: its canonical string
  | 'IntOrString' // intstr.IntOrString: a number or a string
  | 'FieldsV1' // meta/v1 FieldsV1: raw JSON bytes
  | 'RawExtension' // runtime.RawExtension: raw JSON (or a nested protobuf envelope)
  | 'StringList'; // ExtraValue and friends: a message wrapping `repeated string` that JSON shows as an array

const SCALARS = new Set<string>(['string', 'bool', 'int32', 'int64', 'bytes']);
const SPECIALS = new Set<string>([
  'Time',
  'MicroTime',
  'Quantity',
  'IntOrString',
  'FieldsV1',
  'RawExtension',
  'StringList',
]);

export interface FieldSpec {
  number: number;
  /** The JSON property name. */
  name: string;
  /** A scalar, a special, or a qualified message name such as `core.PodSpec`. */
  type: string;
  repeated: boolean;
  /** `map<string, type>`: on the wire a repeated {1: key, 2: value} entry message. */
  map: boolean;
  keep: boolean;
  inline: boolean;
}

export interface MessageSpec {
  name: string;
  fields: ReadonlyMap<number, FieldSpec>;
  /** In field-number order, which is also the order the encoder writes. */
  ordered: readonly FieldSpec[];
}

export type MessageTable = Record<string, Record<number, string>>;

export function isScalar(type: string): type is ScalarType {
  return SCALARS.has(type);
}

export function isSpecial(type: string): type is SpecialType {
  return SPECIALS.has(type);
}

function parseField(group: string, message: string, number: number, text: string): FieldSpec {
  const [name, rawType, ...flags] = text.trim().split(/\s+/);
  if (!name || !rawType) throw new Error(`${group}.${message} field ${number}: expected "name type [flags]"`);
  let type = rawType;
  let repeated = false;
  let map = false;
  if (type.startsWith('[]')) {
    repeated = true;
    type = type.slice(2);
  } else if (type.startsWith('map<') && type.endsWith('>')) {
    map = true;
    type = type.slice(4, -1);
  }
  if (!isScalar(type) && !isSpecial(type) && !type.includes('.')) type = `${group}.${type}`;
  for (const flag of flags) {
    if (flag !== 'keep' && flag !== 'inline')
      throw new Error(`${group}.${message}.${name}: unknown flag ${flag}`);
  }
  return {
    number,
    name,
    type,
    repeated,
    map,
    keep: flags.includes('keep'),
    inline: flags.includes('inline'),
  };
}

/** Compiles the tables of several groups into one registry keyed by qualified message name. */
export function buildRegistry(groups: Record<string, MessageTable>): Map<string, MessageSpec> {
  const registry = new Map<string, MessageSpec>();
  for (const [group, table] of Object.entries(groups)) {
    for (const [message, fieldTexts] of Object.entries(table)) {
      const fields = new Map<number, FieldSpec>();
      for (const [num, text] of Object.entries(fieldTexts)) {
        const number = Number(num);
        fields.set(number, parseField(group, message, number, text));
      }
      const ordered = [...fields.values()].sort((a, b) => a.number - b.number);
      registry.set(`${group}.${message}`, { name: `${group}.${message}`, fields, ordered });
    }
  }
  return registry;
}

/**
 * Problems a table can have that TypeScript cannot see: dangling type names, two fields sharing
 * a JSON name (also through inlining), inline on something that is not a plain message.
 * Returns human-readable findings; the test suite asserts there are none.
 */
export function checkRegistry(registry: ReadonlyMap<string, MessageSpec>): string[] {
  const problems: string[] = [];
  const jsonNames = (spec: MessageSpec, seen: Set<string>): string[] => {
    if (seen.has(spec.name)) return [];
    seen.add(spec.name);
    const names: string[] = [];
    for (const f of spec.ordered) {
      const sub = registry.get(f.type);
      if (f.inline && sub) names.push(...jsonNames(sub, seen));
      else names.push(f.name);
    }
    return names;
  };
  for (const spec of registry.values()) {
    for (const f of spec.ordered) {
      const where = `${spec.name}.${f.name}`;
      if (!isScalar(f.type) && !isSpecial(f.type) && !registry.has(f.type))
        problems.push(`${where}: unknown type ${f.type}`);
      if (f.inline && (f.repeated || f.map || !registry.has(f.type)))
        problems.push(`${where}: inline needs a plain message`);
      if (f.keep && (f.repeated || f.map)) problems.push(`${where}: keep is meaningless on lists and maps`);
    }
    const names = jsonNames(spec, new Set());
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) problems.push(`${spec.name}: JSON name ${dup} used twice`);
  }
  return problems;
}
