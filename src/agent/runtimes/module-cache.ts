// Compiles each module once per (content digest, memory cap) and keeps the compiled code, so starting
// another container or serving another request from the same module costs an instantiation, not a
// compilation. The compiled WebAssembly.Module is what the runtime posts to its workers.

import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { ContainerStartError } from './runtime.js';
import {
  capMemory,
  inspectModule,
  isWasm,
  MemoryLimitError,
  type ModuleInfo,
  WASM_PAGE_BYTES,
  WasmFormatError,
} from './wasm-binary.js';
import { type WasmModule, wasm } from './webassembly.js';

export interface CompiledModule {
  /** sha256 of the file as given (before the memory cap). */
  digest: string;
  module: WasmModule;
  info: ModuleInfo;
  /** The maximum the runtime imposed on the module's memory, in pages; null when uncapped. */
  maxPages: number | null;
  sizeBytes: number;
  compileMs: number;
}

export interface ModuleCacheStats {
  hits: number;
  misses: number;
  entries: number;
}

/** Thrown by `load` when the module's initial memory is already over the limit. */
export { MemoryLimitError };

export class ModuleCache {
  private readonly compiled = new Map<string, Promise<CompiledModule>>();
  /** File identity (device, inode, size, mtime) → digest, so an unchanged file is not hashed again. */
  private readonly digests = new Map<string, string>();
  private hits = 0;
  private misses = 0;

  constructor(private readonly maxEntries = 64) {}

  stats(): ModuleCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.compiled.size };
  }

  clear(): void {
    this.compiled.clear();
    this.digests.clear();
  }

  /**
   * The compiled module for `path`, with its memory capped at `memoryLimitBytes`. Throws
   * ContainerStartError for a missing or invalid file, MemoryLimitError when the module cannot start
   * within the limit.
   */
  async load(path: string, memoryLimitBytes?: number): Promise<CompiledModule> {
    const maxPages = memoryLimitBytes === undefined ? null : Math.floor(memoryLimitBytes / WASM_PAGE_BYTES);
    const identity = await fileIdentity(path);
    let digest = this.digests.get(identity);
    let bytes: Uint8Array | undefined;
    if (digest === undefined) {
      bytes = await readModule(path);
      digest = createHash('sha256').update(bytes).digest('hex');
      this.rememberDigest(identity, digest);
    }
    const key = `${digest}:${maxPages ?? 'uncapped'}`;
    const cached = this.compiled.get(key);
    if (cached) {
      this.hits++;
      // Keep recently used entries at the end of the (insertion-ordered) map.
      this.compiled.delete(key);
      this.compiled.set(key, cached);
      return cached;
    }
    this.misses++;
    const source = bytes ?? (await readModule(path));
    const pending = compile(source, digest, maxPages);
    this.compiled.set(key, pending);
    pending.catch(() => this.compiled.delete(key));
    while (this.compiled.size > this.maxEntries) {
      const oldest = this.compiled.keys().next().value as string;
      this.compiled.delete(oldest);
    }
    return pending;
  }

  private rememberDigest(identity: string, digest: string): void {
    this.digests.set(identity, digest);
    if (this.digests.size > this.maxEntries * 4) {
      this.digests.delete(this.digests.keys().next().value as string);
    }
  }
}

async function fileIdentity(path: string): Promise<string> {
  try {
    const s = await stat(path, { bigint: true });
    if (!s.isFile()) throw new ContainerStartError('CreateContainerError', `module ${path} is not a file`);
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${path}`;
  } catch (err) {
    if (err instanceof ContainerStartError) throw err;
    throw new ContainerStartError(
      'CreateContainerError',
      `cannot read module ${path}: ${(err as Error).message}`,
    );
  }
}

async function readModule(path: string): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new ContainerStartError(
      'CreateContainerError',
      `cannot read module ${path}: ${(err as Error).message}`,
    );
  }
  if (!isWasm(bytes)) {
    throw new ContainerStartError('CreateContainerError', `module ${path} is not a WebAssembly binary`);
  }
  return bytes;
}

async function compile(bytes: Uint8Array, digest: string, maxPages: number | null): Promise<CompiledModule> {
  let info: ModuleInfo;
  let source = bytes;
  try {
    info = inspectModule(bytes);
    if (maxPages !== null) source = capMemory(bytes, maxPages);
  } catch (err) {
    if (err instanceof WasmFormatError) {
      throw new ContainerStartError('CreateContainerError', `invalid WebAssembly module: ${err.message}`);
    }
    throw err;
  }
  const started = performance.now();
  let module: WasmModule;
  try {
    module = await wasm.compile(source);
  } catch (err) {
    throw new ContainerStartError('CreateContainerError', `cannot compile module: ${(err as Error).message}`);
  }
  return {
    digest,
    module,
    info,
    maxPages,
    sizeBytes: bytes.length,
    compileMs: performance.now() - started,
  };
}
