/**
 * A small protobuf wire-format writer: varints, fixed 64-bit doubles and length-delimited fields,
 * into one growable buffer. Nested messages are written in place: one byte is reserved for the
 * length and the body is shifted when the length needs more, so a large document is built without a
 * buffer per message.
 */

const VARINT = 0;
const I64 = 1;
const LEN = 2;

function varintSize(value: number): number {
  let size = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) size++;
  return size;
}

export class ProtoWriter {
  private buf: Buffer = Buffer.allocUnsafe(1024);
  private len = 0;

  private ensure(extra: number): void {
    if (this.len + extra <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + extra) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.len);
    this.buf = next;
  }

  /** An unsigned varint; negative numbers are written as 64-bit two's complement (ten bytes). */
  varint(value: number): this {
    if (!Number.isSafeInteger(value)) throw new RangeError(`varint ${value} is not a safe integer`);
    if (value < 0) {
      let v = BigInt.asUintN(64, BigInt(value));
      this.ensure(10);
      while (v >= 0x80n) {
        this.buf[this.len++] = Number(v & 0x7fn) | 0x80;
        v >>= 7n;
      }
      this.buf[this.len++] = Number(v);
      return this;
    }
    this.ensure(8);
    let v = value;
    while (v >= 0x80) {
      this.buf[this.len++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[this.len++] = v;
    return this;
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  int64(field: number, value: number): this {
    return this.tag(field, VARINT).varint(value);
  }

  bool(field: number, value: boolean): this {
    return this.tag(field, VARINT).varint(value ? 1 : 0);
  }

  double(field: number, value: number): this {
    this.tag(field, I64);
    this.ensure(8);
    this.buf.writeDoubleLE(value, this.len);
    this.len += 8;
    return this;
  }

  string(field: number, value: string): this {
    const size = Buffer.byteLength(value, 'utf8');
    this.tag(field, LEN).varint(size);
    this.ensure(size);
    this.len += this.buf.write(value, this.len, size, 'utf8');
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, LEN).varint(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.len);
    this.len += value.length;
    return this;
  }

  /** A length-delimited sub-message whose fields `body` writes into this writer. */
  message(field: number, body: () => void): this {
    this.tag(field, LEN);
    this.ensure(1);
    const start = this.len;
    this.len += 1;
    body();
    const size = this.len - start - 1;
    const prefix = varintSize(size);
    if (prefix > 1) {
      this.ensure(prefix - 1);
      this.buf.copy(this.buf, start + prefix, start + 1, this.len);
      this.len += prefix - 1;
    }
    let v = size;
    let at = start;
    while (v >= 0x80) {
      this.buf[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.buf[at] = v;
    return this;
  }

  /** The bytes written so far, as a fresh Buffer. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.len));
  }
}
