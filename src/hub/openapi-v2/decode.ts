/**
 * The mirror image of encode.ts: protobuf bytes back into the plain object shape, driven by the same
 * field table. The hub never decodes these documents; tests and debugging do. Unknown fields are
 * skipped. The wire reader is the one the hub's request-body decoder uses, so the encoder is checked
 * against an independent implementation.
 */
import { WireReader, WireType } from '../protobuf/wire.js';
import type { ProtoMessage, ProtoScalar } from './encode.js';
import { type FieldSpec, isScalar, messageSpec } from './messages.js';

export function decodeMessage(type: string, bytes: Uint8Array): ProtoMessage {
  const spec = messageSpec(type);
  const reader = new WireReader(bytes);
  const out: Record<string, ProtoScalar | ProtoMessage | (ProtoScalar | ProtoMessage)[]> = {};
  while (!reader.done()) {
    const { field: number, wireType } = reader.tag();
    const field = spec.byNumber.get(number);
    if (!field) {
      reader.skip(wireType);
      continue;
    }
    const value = readOne(reader, field, wireType, type);
    if (field.repeated) {
      const list = out[field.name];
      if (Array.isArray(list)) list.push(value);
      else out[field.name] = [value];
    } else {
      out[field.name] = value;
    }
  }
  return out;
}

function expect(wireType: number, wanted: number, type: string, field: FieldSpec): void {
  if (wireType !== wanted)
    throw new Error(`${type}.${field.name}: wire type ${wireType}, expected ${wanted}`);
}

function readOne(
  reader: WireReader,
  field: FieldSpec,
  wireType: number,
  type: string,
): ProtoScalar | ProtoMessage {
  if (!isScalar(field.type)) {
    expect(wireType, WireType.LEN, type, field);
    return decodeMessage(field.type, reader.bytes());
  }
  switch (field.type) {
    case 'string':
      expect(wireType, WireType.LEN, type, field);
      return Buffer.from(reader.bytes()).toString('utf8');
    case 'bool':
      expect(wireType, WireType.VARINT, type, field);
      return reader.varint() !== 0n;
    case 'int64':
      expect(wireType, WireType.VARINT, type, field);
      return Number(BigInt.asIntN(64, reader.varint()));
    case 'double': {
      expect(wireType, WireType.I64, type, field);
      const bits = Buffer.alloc(8);
      bits.writeBigUInt64LE(reader.fixed64());
      return bits.readDoubleLE(0);
    }
  }
}
