/**
 * The Kubernetes protobuf envelope: the 4 magic bytes "k8s\0", then a runtime.Unknown message
 * {1: typeMeta {1: apiVersion, 2: kind}, 2: raw (the object), 3: contentEncoding, 4: contentType}.
 */
import { WireError, WireReader, WireType, WireWriter } from './wire.js';

export const PROTOBUF_MAGIC = Uint8Array.of(0x6b, 0x38, 0x73, 0x00);

export interface Envelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
  contentEncoding: string;
  contentType: string;
}

export function hasProtobufMagic(buf: Uint8Array): boolean {
  return buf.length >= PROTOBUF_MAGIC.length && PROTOBUF_MAGIC.every((b, i) => buf[i] === b);
}

const utf8 = new TextDecoder('utf-8');

function stringOf(r: WireReader, wireType: number, what: string): string {
  if (wireType !== WireType.LEN)
    throw new WireError(`${what}: wire type ${wireType}, expected length-delimited`);
  return utf8.decode(r.bytes());
}

export function readEnvelope(buf: Uint8Array): Envelope {
  if (!hasProtobufMagic(buf)) throw new WireError('missing the "k8s\\0" protobuf prefix');
  const env: Envelope = {
    apiVersion: '',
    kind: '',
    raw: new Uint8Array(0),
    contentEncoding: '',
    contentType: '',
  };
  const r = new WireReader(buf, PROTOBUF_MAGIC.length);
  while (!r.done()) {
    const { field, wireType } = r.tag();
    if (field === 1) {
      if (wireType !== WireType.LEN)
        throw new WireError(`typeMeta: wire type ${wireType}, expected length-delimited`);
      const tm = new WireReader(r.bytes());
      while (!tm.done()) {
        const t = tm.tag();
        if (t.field === 1) env.apiVersion = stringOf(tm, t.wireType, 'typeMeta.apiVersion');
        else if (t.field === 2) env.kind = stringOf(tm, t.wireType, 'typeMeta.kind');
        else tm.skip(t.wireType);
      }
    } else if (field === 2) {
      if (wireType !== WireType.LEN)
        throw new WireError(`raw: wire type ${wireType}, expected length-delimited`);
      env.raw = r.bytes();
    } else if (field === 3) {
      env.contentEncoding = stringOf(r, wireType, 'contentEncoding');
    } else if (field === 4) {
      env.contentType = stringOf(r, wireType, 'contentType');
    } else {
      r.skip(wireType);
    }
  }
  return env;
}

/** Writes an envelope the way client-go does, empty contentEncoding and contentType included. */
export function writeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const typeMeta = new WireWriter().stringField(1, apiVersion).stringField(2, kind).finish();
  const unknown = new WireWriter()
    .bytesField(1, typeMeta)
    .bytesField(2, raw)
    .stringField(3, '')
    .stringField(4, '')
    .finish();
  return Buffer.concat([PROTOBUF_MAGIC, unknown]);
}
