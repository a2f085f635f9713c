/**
 * Hostile and broken bodies: every failure is an ApiError with the right code, never a crash,
 * never a hang.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../../api/errors.js';
import { fixtureNames, readFixture } from './fixture-files.js';
import { decodeProtobufObject, encodeProtobufObject, isProtobufBody } from './index.js';

function failure(fn: () => unknown): { code: number; reason: string; message: string } {
  try {
    fn();
  } catch (err) {
    assert.ok(isApiError(err), `expected an ApiError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected the decode to fail');
}

/** A small deterministic PRNG so a failing fuzz case can be replayed. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const MAGIC = [0x6b, 0x38, 0x73, 0x00];

describe('what is a protobuf body', () => {
  it('recognises the k8s prefix and nothing else', () => {
    assert.ok(isProtobufBody(Buffer.from(MAGIC)));
    assert.ok(!isProtobufBody(Buffer.from('{"kind":"ConfigMap"}')));
    assert.ok(!isProtobufBody(Buffer.from(MAGIC.slice(0, 3))));
    assert.ok(!isProtobufBody(Buffer.alloc(0)));
  });

  it('answers 400 for a body without the prefix', () => {
    const err = failure(() => decodeProtobufObject(Buffer.from('{}')));
    assert.equal(err.code, 400);
    assert.match(err.message, /^the body of the request could not be decoded: /);
  });
});

describe('broken bodies', () => {
  it('answers 400 BadRequest for every truncation of every capture', () => {
    for (const name of fixtureNames().filter((n) => n !== 'job')) {
      const body = readFixture(`${name}.pb`);
      for (let end = 0; end < body.length; end++) {
        let result: unknown;
        try {
          result = decodeProtobufObject(body.subarray(0, end));
        } catch (err) {
          assert.ok(isApiError(err), `${name} cut at ${end}: ${String(err)}`);
          assert.equal(err.code, 400, `${name} cut at ${end}: ${err.message}`);
          continue;
        }
        // Cutting exactly between two fields leaves a well-formed, shorter message; that is fine.
        assert.equal(typeof result, 'object');
      }
    }
  });

  it('survives random bytes and random corruption of real bodies with a 400 or 415', () => {
    const random = prng(20240601);
    const bodies = fixtureNames().map((n) => readFixture(`${n}.pb`));
    const started = Date.now();
    for (let i = 0; i < 3000; i++) {
      let body: Buffer;
      if (i % 2 === 0) {
        body = Buffer.from([
          ...MAGIC,
          ...Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
        ]);
      } else {
        body = Buffer.from(bodies[Math.floor(random() * bodies.length)]!);
        for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) {
          body[MAGIC.length + Math.floor(random() * (body.length - MAGIC.length))] = Math.floor(
            random() * 256,
          );
        }
      }
      try {
        decodeProtobufObject(body);
      } catch (err) {
        assert.ok(isApiError(err), `case ${i}: ${String(err)}`);
        assert.ok(err.code === 400 || err.code === 415, `case ${i}: ${err.code} ${err.message}`);
      }
    }
    assert.ok(Date.now() - started < 20_000, 'fuzzing took suspiciously long');
  });

  it('answers 400 for a huge length, a wrong wire type and a runaway varint', () => {
    const env = (raw: number[]) =>
      Buffer.from([
        ...MAGIC,
        0x0a,
        0x0f,
        0x0a,
        0x02,
        0x76,
        0x31,
        0x12,
        0x09,
        ...Buffer.from('ConfigMap'),
        0x12,
        raw.length,
        ...raw,
      ]);
    const huge = failure(() => decodeProtobufObject(env([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])));
    assert.equal(huge.code, 400);
    const wrongType = failure(() => decodeProtobufObject(env([0x08, 0x01])));
    assert.match(wrongType.message, /metadata: wire type 0, expected length-delimited/);
    const runaway = failure(() => decodeProtobufObject(env(new Array(12).fill(0xff))));
    assert.equal(runaway.code, 400);
  });

  it('answers 400 for FieldsV1 that is not JSON and a time beyond year 9999', () => {
    const managed = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { managedFields: [{ fieldsV1: {} }] } };
    const body = encodeProtobufObject(managed);
    // The FieldsV1 payload is the two bytes "{}"; make it "{!".
    const at = body.lastIndexOf(Buffer.from('{}'));
    body[at + 1] = 0x21;
    assert.match(failure(() => decodeProtobufObject(body)).message, /not JSON/);
    const future = encodeProtobufObject({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { creationTimestamp: '9999-12-31T23:59:59Z' },
    });
    const secondsAt = future.indexOf(0x42) + 3; // metadata.creationTimestamp { 08 <seconds varint> ... }
    future[secondsAt + 4] = 0xff; // inflate the seconds varint past year 9999
    future[secondsAt + 5] = 0x7f;
    assert.equal(failure(() => decodeProtobufObject(future)).code, 400);
  });
});

describe('bodies we refuse on purpose', () => {
  it('answers 415 naming kind and apiVersion for an unknown kind', () => {
    const err = failure(() =>
      decodeProtobufObject(
        Buffer.from([
          ...MAGIC,
          0x0a,
          0x0d,
          0x0a,
          0x05,
          ...Buffer.from('x/v1'),
          0x20,
          0x12,
          0x04,
          ...Buffer.from('Frob'),
        ]),
      ),
    );
    assert.equal(err.code, 415);
    assert.equal(err.reason, 'UnsupportedMediaType');
    assert.match(err.message, /Frob/);
  });

  it('answers 415 for a content encoding such as gzip', () => {
    const body = encodeProtobufObject({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } });
    const gz = Buffer.concat([
      body.subarray(0, body.length - 4),
      Buffer.from([0x1a, 0x04, ...Buffer.from('gzip'), 0x22, 0x00]),
    ]);
    const err = failure(() => decodeProtobufObject(gz));
    assert.equal(err.code, 415);
    assert.match(err.message, /gzip/);
  });

  it('answers 400 when the envelope names no kind', () => {
    assert.equal(failure(() => decodeProtobufObject(Buffer.from([...MAGIC, 0x12, 0x00]))).code, 400);
  });

  it('accepts DeleteOptions under any group version, as client-go stamps the resource’s own', () => {
    for (const apiVersion of ['v1', 'apps/v1', 'meta.k8s.io/v1']) {
      const body = encodeProtobufObject({
        apiVersion,
        kind: 'DeleteOptions',
        propagationPolicy: 'Background',
      } as never);
      assert.deepStrictEqual(decodeProtobufObject(body), {
        kind: 'DeleteOptions',
        apiVersion,
        propagationPolicy: 'Background',
      });
    }
  });
});
