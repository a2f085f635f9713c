import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WireError, WireReader, WireType, WireWriter } from './wire.js';

const bytes = (...b: number[]) => Uint8Array.from(b);

describe('wire varints', () => {
  it('round-trips values across the 1- to 10-byte boundaries', () => {
    const values = [0n, 1n, 127n, 128n, 300n, 2n ** 31n - 1n, 2n ** 32n, 2n ** 53n, 2n ** 64n - 1n];
    for (const v of values) {
      const r = new WireReader(new WireWriter().varint(v).finish());
      assert.equal(r.varint(), v);
      assert.ok(r.done());
    }
  });

  it('encodes 300 as ac 02, the textbook example', () => {
    assert.deepEqual(new WireWriter().varint(300).finish(), bytes(0xac, 0x02));
  });

  it('encodes a negative int32 as ten sign-extended bytes, as Go does', () => {
    const out = new WireWriter().varint(-1).finish();
    assert.deepEqual(out, bytes(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01));
    assert.equal(BigInt.asIntN(64, new WireReader(out).varint()), -1n);
  });

  it('rejects a truncated varint and one longer than ten bytes', () => {
    assert.throws(() => new WireReader(bytes(0x80, 0x80)).varint(), WireError);
    assert.throws(() => new WireReader(new Uint8Array(11).fill(0x80)).varint(), /longer than 10 bytes/);
  });
});

describe('wire fields', () => {
  it('reads tags, strings and nested lengths', () => {
    const r = new WireReader(new WireWriter().stringField(3, 'hé').varintField(4, true).finish());
    assert.deepEqual(r.tag(), { field: 3, wireType: WireType.LEN });
    assert.equal(Buffer.from(r.bytes()).toString('utf8'), 'hé');
    assert.deepEqual(r.tag(), { field: 4, wireType: WireType.VARINT });
    assert.equal(r.varint(), 1n);
    assert.ok(r.done());
  });

  it('rejects field number 0', () => {
    assert.throws(() => new WireReader(bytes(0x02, 0x00)).tag(), /invalid field number 0/);
  });

  it('rejects a length that runs past the end of its window', () => {
    const r = new WireReader(bytes(0x0a, 0x05, 0x61, 0x62), 0, 4);
    r.tag();
    assert.throws(() => r.bytes(), /runs past the end/);
    // The window matters, not the buffer: a length fitting the buffer but not the window fails.
    const windowed = new WireReader(bytes(0x03, 0x61, 0x62, 0x63), 0, 3);
    assert.throws(() => windowed.bytes(), /runs past the end/);
  });

  it('skips every wire type it can and refuses groups', () => {
    const r = new WireReader(bytes(0x96, 0x01, 1, 2, 3, 4, 5, 6, 7, 8, 0x02, 0x61, 0x62, 1, 2, 3, 4));
    r.skip(WireType.VARINT);
    r.skip(WireType.I64);
    r.skip(WireType.LEN);
    r.skip(WireType.I32);
    assert.ok(r.done());
    assert.throws(() => new WireReader(bytes(0)).skip(WireType.SGROUP), /unsupported wire type 3/);
    assert.throws(() => new WireReader(bytes(1, 2, 3)).skip(WireType.I32), /truncated/);
  });

  it('reads little-endian fixed-width values', () => {
    const r = new WireReader(bytes(0x01, 0x00, 0x00, 0x80, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff));
    assert.equal(r.fixed32(), 0x80000001);
    assert.equal(r.fixed64(), 2n ** 64n - 1n);
  });
});
