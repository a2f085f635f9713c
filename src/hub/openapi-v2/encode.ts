/**
 * Encodes a plain object shaped like a gnostic openapi_v2 message (field names from messages.ts)
 * into protobuf bytes. proto3 rules: scalars at their zero value are not written, except oneof
 * members; sub-messages are written whenever present, even empty (kubectl tells an empty
 * `properties` from a missing one); fields are written in field-number order.
 */
import { type FieldSpec, isScalar, MESSAGES, type MessageSpec, messageSpec } from './messages.js';
import { ProtoWriter } from './proto-writer.js';

export type ProtoScalar = string | number | boolean;
export interface ProtoMessage {
  [field: string]: ProtoScalar | ProtoMessage | readonly (ProtoScalar | ProtoMessage)[] | undefined;
}

/** Fields of each message sorted by number, computed once. */
const ORDERED = new Map<string, FieldSpec[]>(
  [...MESSAGES.values()].map((m) => [m.name, [...m.byNumber.values()].sort((a, b) => a.number - b.number)]),
);

export function encodeMessage(type: string, value: ProtoMessage): Buffer {
  const writer = new ProtoWriter();
  writeFields(writer, messageSpec(type), value, type);
  return writer.finish();
}

function writeFields(w: ProtoWriter, spec: MessageSpec, value: ProtoMessage, path: string): void {
  for (const key of Object.keys(value)) {
    if (!spec.byName.has(key) && value[key] !== undefined) {
      throw new Error(`${path}: ${spec.name} has no field "${key}"`);
    }
  }
  for (const field of ORDERED.get(spec.name)!) {
    const v = value[field.name];
    if (v === undefined) continue;
    const where = `${path}.${field.name}`;
    if (field.repeated) {
      if (!Array.isArray(v)) throw new Error(`${where}: expected a list`);
      for (const [i, item] of v.entries()) writeOne(w, field, item, `${where}[${i}]`, true);
    } else {
      if (Array.isArray(v)) throw new Error(`${where}: a single value, not a list`);
      writeOne(w, field, v as ProtoScalar | ProtoMessage, where, field.oneof);
    }
  }
}

function writeOne(
  w: ProtoWriter,
  field: FieldSpec,
  v: ProtoScalar | ProtoMessage,
  where: string,
  keepZero: boolean,
): void {
  if (!isScalar(field.type)) {
    if (typeof v !== 'object' || v === null) throw new Error(`${where}: expected a ${field.type} message`);
    w.message(field.number, () => writeFields(w, messageSpec(field.type), v, where));
    return;
  }
  switch (field.type) {
    case 'string':
      if (typeof v !== 'string') throw new Error(`${where}: expected a string`);
      if (v !== '' || keepZero) w.string(field.number, v);
      return;
    case 'bool':
      if (typeof v !== 'boolean') throw new Error(`${where}: expected a boolean`);
      if (v || keepZero) w.bool(field.number, v);
      return;
    case 'int64':
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new Error(`${where}: expected an integer`);
      if (v !== 0 || keepZero) w.int64(field.number, v);
      return;
    case 'double':
      if (typeof v !== 'number') throw new Error(`${where}: expected a number`);
      if (v !== 0 || Object.is(v, -0) || keepZero) w.double(field.number, v);
      return;
  }
}
