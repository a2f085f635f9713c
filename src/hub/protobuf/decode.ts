/**
 * Protobuf message bytes to the plain JSON object the same value has in Kubernetes JSON, driven
 * by the tables in kinds.ts. Unknown field numbers are skipped; anything malformed is a WireError.
 */
import type { JsonObject, JsonValue } from '../../api/types.js';
import { MESSAGES } from './kinds.js';
import { type FieldSpec, isScalar, isSpecial, type MessageSpec } from './schema.js';
import { formatMicroTime, formatTime } from './time.js';
import { WireError, WireReader, WireType } from './wire.js';

/** No table nests this deep; the bound only guards the stack against crafted input. */
const MAX_DEPTH = 100;
const utf8 = new TextDecoder('utf-8');

/** `undefined` means "absent in JSON" (an unset Time, an empty FieldsV1). */
type Decoded = JsonValue | undefined;

export function decodeMessage(spec: MessageSpec, bytes: Uint8Array, depth = 0): JsonObject {
  if (depth > MAX_DEPTH) throw new WireError('messages nested too deeply');
  const out: JsonObject = {};
  const r = new WireReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.tag();
    const f = spec.fields.get(field);
    if (!f) {
      r.skip(wireType);
    } else if (f.map) {
      const [key, value] = decodeMapEntry(f, lenPayload(r, wireType, f.name), depth);
      out[f.name] ??= {};
      setOwn(out[f.name] as JsonObject, key, value);
    } else if (f.repeated) {
      out[f.name] ??= [];
      readRepeated(r, wireType, f, depth, out[f.name] as JsonValue[]);
    } else {
      const value = readValue(r, wireType, f.type, f.name, depth);
      if (f.inline) Object.assign(out, value);
      else if (value === undefined) delete out[f.name];
      else out[f.name] = value;
    }
  }
  // gogo writes every non-pointer scalar, zero or not; JSON omits the zero ones unless told otherwise.
  for (const f of spec.ordered) {
    if (!f.keep && !f.repeated && !f.map && isScalar(f.type) && isZero(out[f.name])) delete out[f.name];
  }
  return out;
}

function isZero(v: Decoded): boolean {
  return v === '' || v === 0 || v === false;
}

/** Map keys come off the wire: "__proto__" must become a key, not a prototype. */
function setOwn(obj: JsonObject, key: string, value: JsonValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

function lenPayload(r: WireReader, wireType: number, what: string): Uint8Array {
  if (wireType !== WireType.LEN)
    throw new WireError(`${what}: wire type ${wireType}, expected length-delimited`);
  return r.bytes();
}

function varintValue(r: WireReader, wireType: number, what: string): bigint {
  if (wireType !== WireType.VARINT) throw new WireError(`${what}: wire type ${wireType}, expected varint`);
  return r.varint();
}

function toInt64(v: bigint, what: string): number {
  const n = BigInt.asIntN(64, v);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new WireError(`${what}: ${n} does not fit a JSON number exactly`);
  }
  return Number(n);
}

function varintScalar(v: bigint, type: string, what: string): JsonValue {
  if (type === 'bool') return v !== 0n;
  if (type === 'int32') return Number(BigInt.asIntN(32, v));
  return toInt64(v, what);
}

function readValue(r: WireReader, wireType: number, type: string, what: string, depth: number): Decoded {
  if (type === 'bool' || type === 'int32' || type === 'int64') {
    return varintScalar(varintValue(r, wireType, what), type, what);
  }
  const bytes = lenPayload(r, wireType, what);
  if (type === 'string') return utf8.decode(bytes);
  if (type === 'bytes') return Buffer.from(bytes).toString('base64');
  if (isSpecial(type)) return decodeSpecial(type, bytes, what, depth);
  const spec = MESSAGES.get(type);
  if (!spec) throw new Error(`protobuf schema references unknown message ${type}`);
  return decodeMessage(spec, bytes, depth + 1);
}

function readRepeated(r: WireReader, wireType: number, f: FieldSpec, depth: number, list: JsonValue[]): void {
  const numeric = f.type === 'bool' || f.type === 'int32' || f.type === 'int64';
  if (numeric && wireType === WireType.LEN) {
    // Packed encoding: one length-delimited run of varints.
    const packed = new WireReader(r.bytes());
    while (!packed.done()) list.push(varintScalar(packed.varint(), f.type, f.name));
    return;
  }
  const value = readValue(r, wireType, f.type, f.name, depth);
  if (value !== undefined) list.push(value);
}

function decodeMapEntry(f: FieldSpec, bytes: Uint8Array, depth: number): [string, JsonValue] {
  const r = new WireReader(bytes);
  let key = '';
  let value: Decoded;
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1) key = utf8.decode(lenPayload(r, wireType, `${f.name} key`));
    else if (field === 2) value = readValue(r, wireType, f.type, `${f.name}[${key}]`, depth);
    else r.skip(wireType);
  }
  return [key, value === undefined ? zeroValue(f.type) : value];
}

/** What Go puts in a map when the entry carries no value: the type's zero value, as JSON shows it. */
function zeroValue(type: string): JsonValue {
  switch (type) {
    case 'string':
    case 'bytes':
      return '';
    case 'bool':
      return false;
    case 'int32':
    case 'int64':
    case 'IntOrString':
      return 0;
    case 'Quantity':
      return '0';
    case 'StringList':
      return [];
    case 'Time':
    case 'MicroTime':
    case 'FieldsV1':
    case 'RawExtension':
      return null;
    default:
      return {};
  }
}

/** Visits each field of a small well-known message; unvisited numbers are skipped. */
function scan(bytes: Uint8Array, visit: (field: number, wireType: number, r: WireReader) => boolean): void {
  const r = new WireReader(bytes);
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (!visit(field, wireType, r)) r.skip(wireType);
  }
}

/** The payloads of field 1 of a one-field wrapper message (Quantity, FieldsV1, ExtraValue…). */
function wrapped(bytes: Uint8Array, what: string): Uint8Array[] {
  const payloads: Uint8Array[] = [];
  scan(bytes, (field, wireType, r) => {
    if (field !== 1) return false;
    payloads.push(lenPayload(r, wireType, what));
    return true;
  });
  return payloads;
}

function decodeSpecial(type: string, bytes: Uint8Array, what: string, depth: number): Decoded {
  switch (type) {
    case 'Time':
    case 'MicroTime': {
      let seconds: number | undefined;
      let nanos = 0;
      scan(bytes, (field, wireType, r) => {
        if (field === 1) seconds = toInt64(varintValue(r, wireType, what), what);
        else if (field === 2) nanos = Number(BigInt.asIntN(32, varintValue(r, wireType, what)));
        else return false;
        return true;
      });
      // gogo writes an empty message for a zero (null) time.
      if (seconds === undefined) return undefined;
      try {
        return type === 'Time' ? formatTime(seconds) : formatMicroTime(seconds, nanos);
      } catch (err) {
        throw new WireError(`${what}: ${(err as Error).message}`);
      }
    }
    case 'Quantity': {
      const last = wrapped(bytes, what).at(-1);
      return last ? utf8.decode(last) : '0';
    }
    case 'IntOrString': {
      let kind = 0n;
      let intVal = 0;
      let strVal = '';
      scan(bytes, (field, wireType, r) => {
        if (field === 1) kind = varintValue(r, wireType, what);
        else if (field === 2) intVal = Number(BigInt.asIntN(32, varintValue(r, wireType, what)));
        else if (field === 3) strVal = utf8.decode(lenPayload(r, wireType, what));
        else return false;
        return true;
      });
      return kind === 1n ? strVal : intVal;
    }
    case 'StringList':
      return wrapped(bytes, what).map((item) => utf8.decode(item));
    case 'FieldsV1':
    case 'RawExtension': {
      const raw = wrapped(bytes, what).at(-1);
      if (!raw || raw.length === 0) return undefined;
      try {
        return JSON.parse(utf8.decode(raw)) as JsonValue;
      } catch {
        throw new WireError(`${what}: embedded raw bytes are not JSON`);
      }
    }
    default:
      throw new Error(`unhandled special type ${type} at depth ${depth}`);
  }
}
