/**
 * A ConfigMap written out byte by byte from the protobuf spec, independent of our encoder, so a
 * bug shared by the encoder and decoder (both reading the same table) cannot hide.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeProtobufObject, encodeProtobufObject } from './index.js';

const ascii = (s: string) => [...Buffer.from(s, 'utf8')];

/** ObjectMeta {name: "cm", labels: {a: "1"}} */
const objectMeta = [
  ...[0x0a, 0x02, ...ascii('cm')], // 1 name
  ...[0x5a, 0x06, 0x0a, 0x01, ...ascii('a'), 0x12, 0x01, ...ascii('1')], // 11 labels entry {1: "a", 2: "1"}
];

/** ConfigMap {metadata, data: {k: "v"}, binaryData: {b: 0xff 0x00}, immutable: true} */
const configMap = [
  ...[0x0a, objectMeta.length, ...objectMeta], // 1 metadata
  ...[0x12, 0x06, 0x0a, 0x01, ...ascii('k'), 0x12, 0x01, ...ascii('v')], // 2 data entry
  ...[0x1a, 0x07, 0x0a, 0x01, ...ascii('b'), 0x12, 0x02, 0xff, 0x00], // 3 binaryData entry (bytes)
  ...[0x20, 0x01], // 4 immutable = true (varint)
];

const typeMeta = [0x0a, 0x02, ...ascii('v1'), 0x12, 0x09, ...ascii('ConfigMap')];

const envelope = Buffer.from([
  ...[0x6b, 0x38, 0x73, 0x00], // "k8s\0"
  ...[0x0a, typeMeta.length, ...typeMeta], // Unknown.typeMeta
  ...[0x12, configMap.length, ...configMap], // Unknown.raw
  ...[0x1a, 0x00, 0x22, 0x00], // contentEncoding "", contentType ""
]);

const expected = {
  kind: 'ConfigMap',
  apiVersion: 'v1',
  metadata: { name: 'cm', labels: { a: '1' } },
  data: { k: 'v' },
  binaryData: { b: '/wA=' },
  immutable: true,
};

describe('a ConfigMap built by hand', () => {
  it('decodes to the expected JSON', () => {
    assert.deepStrictEqual(decodeProtobufObject(envelope), expected);
  });

  it('is exactly what the encoder writes for that JSON', () => {
    assert.deepEqual([...encodeProtobufObject(expected)], [...envelope]);
  });

  it('decodes the same with gogo-style zero fields and fields from the future mixed in', () => {
    const gogoMeta = [
      ...objectMeta,
      ...[0x12, 0x00, 0x1a, 0x00, 0x22, 0x00, 0x2a, 0x00, 0x32, 0x00], // generateName..resourceVersion ""
      ...[0x38, 0x00], // 7 generation 0
      ...[0x42, 0x00], // 8 creationTimestamp: empty Time = null
      ...[0xf8, 0x07, 0x2a], // field 127, varint: unknown, skipped
    ];
    const gogoConfigMap = [
      ...[0x0a, gogoMeta.length, ...gogoMeta],
      ...configMap.slice(2 + objectMeta.length),
      ...[0x29, 1, 2, 3, 4, 5, 6, 7, 8], // field 5, 64-bit: unknown
      ...[0x32, 0x03, 1, 2, 3], // field 6, length-delimited: unknown
      ...[0x3d, 1, 2, 3, 4], // field 7, 32-bit: unknown
    ];
    const body = Buffer.from([
      ...[0x6b, 0x38, 0x73, 0x00],
      ...[0x0a, typeMeta.length, ...typeMeta],
      ...[0x12, gogoConfigMap.length, ...gogoConfigMap],
    ]);
    assert.deepStrictEqual(decodeProtobufObject(body), expected);
  });
});
