// Just enough of the WebAssembly binary format to read a module's memories and to cap them: the
// runtime sets every defined memory's maximum to the container's memory limit, so `memory.grow`
// past the limit fails inside the module (and a module that needs the memory traps), instead of the
// agent finding out after the fact. Only the memory section is rewritten; code is untouched.

export const WASM_PAGE_BYTES = 65536;

const SECTION_IMPORT = 2;
const SECTION_MEMORY = 5;
const IMPORT_KIND_FUNC = 0;
const IMPORT_KIND_TABLE = 1;
const IMPORT_KIND_MEMORY = 2;
const IMPORT_KIND_GLOBAL = 3;
const IMPORT_KIND_TAG = 4;

export interface MemoryInfo {
  imported: boolean;
  /** Initial size in pages. */
  initialPages: number;
  /** Declared maximum in pages, or null when the module declares none. */
  maxPages: number | null;
  shared: boolean;
  memory64: boolean;
}

export interface ModuleInfo {
  memories: MemoryInfo[];
}

export class WasmFormatError extends Error {
  override name = 'WasmFormatError';
}

/** A module's memory would start above the limit: it cannot run within it. */
export class MemoryLimitError extends Error {
  override name = 'MemoryLimitError';
}

export function isWasm(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[0] === 0 && bytes[1] === 0x61 && bytes[2] === 0x73 && bytes[3] === 0x6d;
}

class Reader {
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start = 0,
    readonly end = bytes.length,
  ) {
    this.pos = start;
  }

  byte(): number {
    if (this.pos >= this.end) throw new WasmFormatError('unexpected end of module');
    return this.bytes[this.pos++]!;
  }

  /** Unsigned LEB128, up to 64 bits, as a number (exact below 2^53, which covers every real size). */
  uleb(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new WasmFormatError('LEB128 number too long');
  }

  skip(n: number): void {
    if (this.pos + n > this.end) throw new WasmFormatError('unexpected end of module');
    this.pos += n;
  }

  limits(): { flags: number; min: number; max: number | null } {
    const flags = this.byte();
    if (flags > 0x07) throw new WasmFormatError(`unknown limits flags 0x${flags.toString(16)}`);
    const min = this.uleb();
    const max = flags & 0x01 ? this.uleb() : null;
    return { flags, min, max };
  }
}

function encodeUleb(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

interface Section {
  id: number;
  /** Offset of the section id byte. */
  start: number;
  /** Offset of the first content byte. */
  contentStart: number;
  end: number;
}

function sections(bytes: Uint8Array): Section[] {
  if (!isWasm(bytes)) throw new WasmFormatError('not a WebAssembly module (bad magic number)');
  const version = bytes[4]! | (bytes[5]! << 8) | (bytes[6]! << 16) | (bytes[7]! << 24);
  if (version !== 1) throw new WasmFormatError(`unsupported WebAssembly binary version ${version}`);
  const r = new Reader(bytes, 8);
  const out: Section[] = [];
  while (r.pos < bytes.length) {
    const start = r.pos;
    const id = r.byte();
    const size = r.uleb();
    const contentStart = r.pos;
    r.skip(size);
    out.push({ id, start, contentStart, end: r.pos });
  }
  return out;
}

function readName(r: Reader): void {
  r.skip(r.uleb());
}

export function inspectModule(bytes: Uint8Array): ModuleInfo {
  const memories: MemoryInfo[] = [];
  for (const s of sections(bytes)) {
    if (s.id === SECTION_IMPORT) {
      const r = new Reader(bytes, s.contentStart, s.end);
      const count = r.uleb();
      for (let i = 0; i < count; i++) {
        readName(r);
        readName(r);
        const kind = r.byte();
        switch (kind) {
          case IMPORT_KIND_FUNC:
            r.uleb();
            break;
          case IMPORT_KIND_TABLE:
            r.byte();
            r.limits();
            break;
          case IMPORT_KIND_MEMORY: {
            const l = r.limits();
            memories.push(memoryInfo(true, l));
            break;
          }
          case IMPORT_KIND_GLOBAL:
            r.byte();
            r.byte();
            break;
          case IMPORT_KIND_TAG:
            r.byte();
            r.uleb();
            break;
          default:
            throw new WasmFormatError(`unknown import kind ${kind}`);
        }
      }
    } else if (s.id === SECTION_MEMORY) {
      const r = new Reader(bytes, s.contentStart, s.end);
      const count = r.uleb();
      for (let i = 0; i < count; i++) memories.push(memoryInfo(false, r.limits()));
    }
  }
  return { memories };
}

function memoryInfo(imported: boolean, l: { flags: number; min: number; max: number | null }): MemoryInfo {
  return {
    imported,
    initialPages: l.min,
    maxPages: l.max,
    shared: (l.flags & 0x02) !== 0,
    memory64: (l.flags & 0x04) !== 0,
  };
}

/**
 * Returns the module with each defined memory's maximum lowered to `maxPages` (kept where the module
 * already declares a smaller one). Throws MemoryLimitError when a memory's initial size is already
 * above it. Imported memories are left alone: the runtime never provides one, so such a module fails
 * to link anyway.
 */
export function capMemory(bytes: Uint8Array, maxPages: number): Uint8Array {
  if (!Number.isInteger(maxPages) || maxPages < 0) throw new RangeError(`bad page count ${maxPages}`);
  const all = sections(bytes);
  const mem = all.find((s) => s.id === SECTION_MEMORY);
  if (!mem) return bytes;
  const r = new Reader(bytes, mem.contentStart, mem.end);
  const count = r.uleb();
  const content: number[] = encodeUleb(count);
  for (let i = 0; i < count; i++) {
    const l = r.limits();
    if (l.min > maxPages) {
      throw new MemoryLimitError(
        `the module's memory starts at ${l.min} pages (${l.min * WASM_PAGE_BYTES} bytes), ` +
          `above the limit of ${maxPages} pages (${maxPages * WASM_PAGE_BYTES} bytes)`,
      );
    }
    const max = l.max === null ? maxPages : Math.min(l.max, maxPages);
    content.push(l.flags | 0x01, ...encodeUleb(l.min), ...encodeUleb(max));
  }
  const header = [SECTION_MEMORY, ...encodeUleb(content.length)];
  const out = new Uint8Array(bytes.length - (mem.end - mem.start) + header.length + content.length);
  out.set(bytes.subarray(0, mem.start), 0);
  out.set(header, mem.start);
  out.set(content, mem.start + header.length);
  out.set(bytes.subarray(mem.end), mem.start + header.length + content.length);
  return out;
}
