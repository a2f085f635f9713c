/**
 * The protobuf wire format, both directions, with nothing Kubernetes-specific in it.
 * The reader never trusts a length: every read is checked against the end of its window, and
 * every loop step consumes at least one byte, so hostile input ends in a WireError, never a hang.
 */

export const WireType = { VARINT: 0, I64: 1, LEN: 2, SGROUP: 3, EGROUP: 4, I32: 5 } as const;

/** Malformed or truncated bytes. Callers turn it into a 400; it never escapes the decoder. */
export class WireError extends Error {
  override readonly name = 'WireError';
}

const MAX_FIELD_NUMBER = 2 ** 29 - 1;

export class WireReader {
  private pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  done(): boolean {
    return this.pos >= this.end;
  }

  /** A varint as an unsigned 64-bit value; BigInt because int64 fields may use all ten bytes. */
  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new WireError('truncated varint');
      const b = this.buf[this.pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if (b < 0x80) return BigInt.asUintN(64, result);
      shift += 7n;
    }
    throw new WireError('varint longer than 10 bytes');
  }

  tag(): { field: number; wireType: number } {
    const v = this.varint();
    const field = Number(v >> 3n);
    if (field < 1 || field > MAX_FIELD_NUMBER) throw new WireError(`invalid field number ${field}`);
    return { field, wireType: Number(v & 7n) };
  }

  /** The payload of a length-delimited field, as a view (no copy). */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len > BigInt(this.end - this.pos))
      throw new WireError('length-delimited field runs past the end of its message');
    const start = this.pos;
    this.pos += Number(len);
    return this.buf.subarray(start, this.pos);
  }

  fixed32(): number {
    this.need(4);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getUint32(0, true);
    this.pos += 4;
    return v;
  }

  fixed64(): bigint {
    this.need(8);
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getBigUint64(0, true);
    this.pos += 8;
    return v;
  }

  /** Skips a field we do not know, so newer clients can add fields without breaking us. */
  skip(wireType: number): void {
    switch (wireType) {
      case WireType.VARINT:
        this.varint();
        return;
      case WireType.I64:
        this.need(8);
        this.pos += 8;
        return;
      case WireType.LEN:
        this.bytes();
        return;
      case WireType.I32:
        this.need(4);
        this.pos += 4;
        return;
      default:
        // Groups (3, 4) are proto2 legacy that gogo never emits; 6 and 7 do not exist.
        throw new WireError(`unsupported wire type ${wireType}`);
    }
  }

  private need(n: number): void {
    if (this.end - this.pos < n) throw new WireError('truncated fixed-width field');
  }
}

/** Builds a message into a growable byte array. Used by the test-fixture encoder. */
export class WireWriter {
  private readonly out: number[] = [];

  varint(value: bigint | number): this {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.out.push(Number(v));
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint((BigInt(field) << 3n) | BigInt(wireType));
  }

  varintField(field: number, value: bigint | number | boolean): this {
    const v = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    return this.tag(field, WireType.VARINT).varint(v);
  }

  bytesField(field: number, data: Uint8Array): this {
    this.tag(field, WireType.LEN).varint(data.length);
    for (const b of data) this.out.push(b);
    return this;
  }

  stringField(field: number, value: string): this {
    return this.bytesField(field, Buffer.from(value, 'utf8'));
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.out);
  }
}
