/**
 * JSON object to protobuf message bytes, the mirror of decode.ts. The hub never answers in
 * protobuf; this exists so tests can build fixtures and check that decode(encode(x)) is x.
 * It is strict: a property the tables do not know is an error, so a round-trip test also proves
 * the tables cover what it feeds them.
 */
import { isPlainObject } from '../../api/types.js';
import { MESSAGES } from './kinds.js';
import { type FieldSpec, isSpecial, type MessageSpec } from './schema.js';
import { parseTimestamp } from './time.js';
import { WireWriter } from './wire.js';

export function encodeMessage(spec: MessageSpec, obj: Record<string, unknown>): Uint8Array {
  const w = new WireWriter();
  const known = new Set<string>();
  for (const f of spec.ordered) {
    if (f.inline) {
      const sub = messageSpec(f.type);
      const part: Record<string, unknown> = {};
      for (const g of sub.ordered) {
        known.add(g.name);
        if (g.name in obj) part[g.name] = obj[g.name];
      }
      w.bytesField(f.number, encodeMessage(sub, part));
      continue;
    }
    known.add(f.name);
    const value = obj[f.name];
    if (value === undefined || value === null) continue;
    if (f.map) {
      if (!isPlainObject(value)) throw new TypeError(`${spec.name}.${f.name}: expected an object`);
      for (const [key, item] of Object.entries(value)) {
        const entry = new WireWriter().stringField(1, key);
        writeValue(entry, 2, f, item);
        w.bytesField(f.number, entry.finish());
      }
    } else if (f.repeated) {
      if (!Array.isArray(value)) throw new TypeError(`${spec.name}.${f.name}: expected an array`);
      for (const item of value) writeValue(w, f.number, f, item);
    } else {
      writeValue(w, f.number, f, value);
    }
  }
  const unknown = Object.keys(obj).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new TypeError(`${spec.name}: no protobuf field for ${unknown.join(', ')}`);
  return w.finish();
}

function messageSpec(name: string): MessageSpec {
  const spec = MESSAGES.get(name);
  if (!spec) throw new Error(`protobuf schema references unknown message ${name}`);
  return spec;
}

function writeValue(w: WireWriter, num: number, f: FieldSpec, value: unknown): void {
  const what = `${f.name}=${JSON.stringify(value)}`;
  switch (f.type) {
    case 'string':
      if (typeof value !== 'string') throw new TypeError(`${what}: expected a string`);
      w.stringField(num, value);
      return;
    case 'bytes':
      if (typeof value !== 'string') throw new TypeError(`${what}: expected base64 text`);
      w.bytesField(num, Buffer.from(value, 'base64'));
      return;
    case 'bool':
      if (typeof value !== 'boolean') throw new TypeError(`${what}: expected a boolean`);
      w.varintField(num, value);
      return;
    case 'int32':
    case 'int64':
      if (!Number.isSafeInteger(value)) throw new TypeError(`${what}: expected an integer`);
      w.varintField(num, value as number);
      return;
  }
  if (isSpecial(f.type)) {
    w.bytesField(num, encodeSpecial(f.type, value, what));
    return;
  }
  if (!isPlainObject(value)) throw new TypeError(`${what}: expected an object`);
  w.bytesField(num, encodeMessage(messageSpec(f.type), value));
}

function encodeSpecial(type: string, value: unknown, what: string): Uint8Array {
  const w = new WireWriter();
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      if (typeof value !== 'string') throw new TypeError(`${what}: expected an RFC3339 string`);
      const { seconds, nanos } = parseTimestamp(value);
      // Like gogo: both fields always; Time drops sub-second precision as its JSON form does.
      w.varintField(1, seconds).varintField(2, type === 'Time' ? 0 : nanos);
      break;
    }
    case 'Quantity':
      if (typeof value !== 'string') throw new TypeError(`${what}: expected a quantity string`);
      w.stringField(1, value);
      break;
    case 'IntOrString':
      if (typeof value === 'number') w.varintField(1, 0).varintField(2, value).stringField(3, '');
      else if (typeof value === 'string') w.varintField(1, 1).varintField(2, 0).stringField(3, value);
      else throw new TypeError(`${what}: expected a number or a string`);
      break;
    case 'StringList':
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
        throw new TypeError(`${what}: expected an array of strings`);
      }
      for (const item of value) w.stringField(1, item);
      break;
    case 'FieldsV1':
    case 'RawExtension':
      w.bytesField(1, Buffer.from(JSON.stringify(value), 'utf8'));
      break;
    default:
      throw new Error(`unhandled special type ${type}`);
  }
  return w.finish();
}
