// Runs one WASI preview1 instance inside a worker thread. node:wasi does the system calls; this file
// wraps its import object to give the runtime what node:wasi alone does not:
//
// - stdout/stderr go to a callback instead of host file descriptors (fd_write on 1 and 2), and stdin
//   comes from a buffer (fd_read on 0): no pipes, no temp files, nothing of the agent's own stdio
//   reachable by the module (node:wasi's own 0/1/2 point at /dev/null).
// - a clock-only poll_oneoff (a sleep) waits on a SharedArrayBuffer with Atomics.wait, so the agent
//   can wake and stop a sleeping service at once. node:wasi's own sleep blocks the thread inside
//   libuv, where even Worker.terminate() cannot reach it until the sleep ends.
// - every system call is a checkpoint: it publishes the linear memory size (for stats), enforces the
//   memory limit and honours a stop request.
// - read-only volumes: the preopened directory's WASI rights lose every write right before the module
//   runs, so node:wasi itself refuses writes, creates, renames and deletes beneath it.
// - node:wasi answers environ_get with EINVAL when the environment is empty; answered here instead.

import { closeSync, openSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { CONTROL } from './control.js';
import { WASM_PAGE_BYTES } from './wasm-binary.js';
import { type WasmInstance, type WasmMemory, type WasmModule, wasm } from './webassembly.js';

export interface Preopen {
  guestPath: string;
  hostPath: string;
  readOnly: boolean;
}

export interface InstanceOptions {
  module: WasmModule;
  args: string[];
  env: Record<string, string>;
  preopens: Preopen[];
  /** Bytes the module reads on fd 0; empty (EOF at once) when absent. */
  stdin?: Uint8Array;
  memoryLimitBytes?: number;
  control: Int32Array;
  /** Output on fd 1 or 2. The chunk is a copy the callee may keep or transfer. */
  write(fd: 1 | 2, chunk: Uint8Array): void;
}

export type InstanceOutcome =
  | { kind: 'exit'; code: number }
  | { kind: 'trap'; message: string }
  | { kind: 'oom'; message: string }
  | { kind: 'stopped' }
  /** The module could not be instantiated or started (missing imports, no _start, ...). */
  | { kind: 'cannot-run'; message: string };

// WASI errno values used here.
const ESUCCESS = 0;
const EFAULT = 21;
const EINVAL = 28;
const ENOTSUP = 58;

// WASI rights that let a descriptor change the file system.
const WRITE_RIGHTS =
  (1n << 6n) | // fd_write
  (1n << 8n) | // fd_allocate
  (1n << 9n) | // path_create_directory
  (1n << 10n) | // path_create_file
  (1n << 11n) | // path_link_source
  (1n << 12n) | // path_link_target
  (1n << 16n) | // path_rename_source
  (1n << 17n) | // path_rename_target
  (1n << 19n) | // path_filestat_set_size
  (1n << 20n) | // path_filestat_set_times
  (1n << 22n) | // fd_filestat_set_size
  (1n << 23n) | // fd_filestat_set_times
  (1n << 24n) | // path_symlink
  (1n << 25n) | // path_remove_directory
  (1n << 26n); // path_unlink_file

class StopSignal extends Error {}
class OomSignal extends Error {}

let devNull: number | undefined;

/** One /dev/null descriptor per worker, handed to node:wasi as the module's 0, 1 and 2. */
function nullFd(): number {
  devNull ??= openSync('/dev/null', 'r+');
  return devNull;
}

export function closeNullFd(): void {
  if (devNull !== undefined) closeSync(devNull);
  devNull = undefined;
}

type WasiFn = (...args: (number | bigint)[]) => number;

export function runInstance(opts: InstanceOptions): InstanceOutcome {
  const { control, memoryLimitBytes } = opts;
  const fd = nullFd();
  const preopens: Record<string, string> = {};
  for (const p of opts.preopens) preopens[p.guestPath] = p.hostPath;
  let wasi: WASI;
  try {
    wasi = new WASI({
      version: 'preview1',
      args: opts.args,
      env: opts.env,
      preopens,
      returnOnExit: true,
      stdin: fd,
      stdout: fd,
      stderr: fd,
    });
  } catch (err) {
    return { kind: 'cannot-run', message: `cannot set up WASI: ${(err as Error).message}` };
  }
  const base = wasi.wasiImport as Record<string, WasiFn>;
  let memory: WasmMemory | undefined;
  let initialised = false;
  let stdinOffset = 0;
  const stdin = opts.stdin ?? new Uint8Array(0);
  const envEmpty = Object.keys(opts.env).length === 0;

  const publishMemory = (): number => {
    const bytes = memory ? memory.buffer.byteLength : 0;
    const pages = bytes / WASM_PAGE_BYTES;
    Atomics.store(control, CONTROL.memoryPages, pages);
    if (pages > Atomics.load(control, CONTROL.peakPages)) Atomics.store(control, CONTROL.peakPages, pages);
    return bytes;
  };

  const checkpoint = (): void => {
    if (Atomics.load(control, CONTROL.stop) !== 0) throw new StopSignal();
    const bytes = publishMemory();
    if (memoryLimitBytes !== undefined && bytes > memoryLimitBytes) {
      throw new OomSignal(`linear memory ${bytes} bytes is above the limit of ${memoryLimitBytes} bytes`);
    }
    if (!initialised) {
      initialised = true;
      restrictReadOnly();
    }
  };

  /** Runs `fn` with `size` scratch bytes at the end of the module's memory, restored afterwards. */
  const withScratch = <T>(size: number, fn: (ptr: number, view: DataView) => T): T => {
    const buf = memory!.buffer;
    if (buf.byteLength < size)
      throw new Error('the module memory is too small for the runtime to inspect its volumes');
    const ptr = buf.byteLength - size;
    const saved = new Uint8Array(buf, ptr, size).slice();
    try {
      return fn(ptr, new DataView(memory!.buffer));
    } finally {
      new Uint8Array(memory!.buffer, ptr, size).set(saved);
    }
  };

  const restrictReadOnly = (): void => {
    const readOnly = new Set(opts.preopens.filter((p) => p.readOnly).map((p) => p.guestPath));
    if (readOnly.size === 0 || !memory) return;
    const utf8 = new TextDecoder();
    // node:wasi numbers preopens from 3 in the order given; look the names up rather than assume.
    for (let wfd = 3; wfd < 3 + opts.preopens.length + 8; wfd++) {
      const name = withScratch(8 + 1024, (ptr, view) => {
        if (base.fd_prestat_get!(wfd, ptr) !== ESUCCESS) return undefined;
        const len = view.getUint32(ptr + 4, true);
        if (len > 1024 || base.fd_prestat_dir_name!(wfd, ptr + 8, len) !== ESUCCESS) return undefined;
        return utf8.decode(new Uint8Array(memory!.buffer, ptr + 8, len)).replace(/\0+$/, '');
      });
      if (name === undefined || !readOnly.has(name)) continue;
      const rights = withScratch(24, (ptr, view) =>
        base.fd_fdstat_get!(wfd, ptr) === ESUCCESS
          ? { base: view.getBigUint64(ptr + 8, true), inheriting: view.getBigUint64(ptr + 16, true) }
          : undefined,
      );
      const denied = new Error(`cannot make volume ${name} read-only`);
      if (!rights) throw denied;
      const err = base.fd_fdstat_set_rights!(
        wfd,
        rights.base & ~WRITE_RIGHTS,
        rights.inheriting & ~WRITE_RIGHTS,
      );
      if (err !== ESUCCESS) throw denied;
      readOnly.delete(name);
    }
    if (readOnly.size > 0)
      throw new Error(`read-only volumes not found among preopens: ${[...readOnly].join(', ')}`);
  };

  const overrides: Record<string, WasiFn> = {
    fd_write: (wfd, iovs, iovsLen, nwritten) => {
      if (wfd !== 1 && wfd !== 2) return base.fd_write!(wfd, iovs, iovsLen, nwritten);
      const buf = memory!.buffer;
      const view = new DataView(buf);
      const parts: Uint8Array[] = [];
      let total = 0;
      for (let i = 0; i < Number(iovsLen); i++) {
        const at = Number(iovs) + i * 8;
        if (at + 8 > buf.byteLength) return EFAULT;
        const ptr = view.getUint32(at, true);
        const len = view.getUint32(at + 4, true);
        if (ptr + len > buf.byteLength) return EFAULT;
        if (len > 0) parts.push(new Uint8Array(buf, ptr, len));
        total += len;
      }
      if (Number(nwritten) + 4 > buf.byteLength) return EFAULT;
      const chunk = new Uint8Array(total);
      let off = 0;
      for (const p of parts) {
        chunk.set(p, off);
        off += p.length;
      }
      view.setUint32(Number(nwritten), total, true);
      if (total > 0) opts.write(wfd, chunk);
      return ESUCCESS;
    },

    fd_read: (wfd, iovs, iovsLen, nread) => {
      if (wfd !== 0) return base.fd_read!(wfd, iovs, iovsLen, nread);
      const buf = memory!.buffer;
      const view = new DataView(buf);
      let total = 0;
      for (let i = 0; i < Number(iovsLen) && stdinOffset < stdin.length; i++) {
        const at = Number(iovs) + i * 8;
        if (at + 8 > buf.byteLength) return EFAULT;
        const ptr = view.getUint32(at, true);
        const len = view.getUint32(at + 4, true);
        if (ptr + len > buf.byteLength) return EFAULT;
        const n = Math.min(len, stdin.length - stdinOffset);
        new Uint8Array(buf, ptr, n).set(stdin.subarray(stdinOffset, stdinOffset + n));
        stdinOffset += n;
        total += n;
      }
      if (Number(nread) + 4 > buf.byteLength) return EFAULT;
      view.setUint32(Number(nread), total, true);
      return ESUCCESS;
    },

    // The module's 0, 1 and 2 are the runtime's; closing or renumbering them changes nothing.
    fd_close: (wfd) => (wfd <= 2 ? ESUCCESS : base.fd_close!(wfd)),
    fd_renumber: (from, to) => (from <= 2 || to <= 2 ? ENOTSUP : base.fd_renumber!(from, to)),

    environ_sizes_get: (countPtr, sizePtr) => {
      if (!envEmpty) return base.environ_sizes_get!(countPtr, sizePtr);
      const view = new DataView(memory!.buffer);
      view.setUint32(Number(countPtr), 0, true);
      view.setUint32(Number(sizePtr), 0, true);
      return ESUCCESS;
    },
    environ_get: (environ, environBuf) => (envEmpty ? ESUCCESS : base.environ_get!(environ, environBuf)),

    poll_oneoff: (inPtr, outPtr, nsubs, neventsPtr) => {
      const n = Number(nsubs);
      if (n === 0) return EINVAL;
      const buf = memory!.buffer;
      if (Number(inPtr) + n * 48 > buf.byteLength || Number(outPtr) + n * 32 > buf.byteLength) return EFAULT;
      const view = new DataView(buf);
      const subs: { userdata: bigint; deadlineNs: bigint }[] = [];
      for (let i = 0; i < n; i++) {
        const at = Number(inPtr) + i * 48;
        // Anything but clocks (fd readiness) goes to node:wasi.
        if (view.getUint8(at + 8) !== 0) return base.poll_oneoff!(inPtr, outPtr, nsubs, neventsPtr);
        const clockId = view.getUint32(at + 16, true);
        const timeout = view.getBigUint64(at + 24, true);
        const absolute = (view.getUint16(at + 40, true) & 1) !== 0;
        const now = clockId === 0 ? realtimeNs() : monotonicNs();
        const relative = absolute ? timeout - now : timeout;
        subs.push({ userdata: view.getBigUint64(at, true), deadlineNs: monotonicNs() + relative });
      }
      let first = subs[0]!.deadlineNs;
      for (const s of subs) if (s.deadlineNs < first) first = s.deadlineNs;
      for (;;) {
        checkpoint();
        const remainingNs = first - monotonicNs();
        if (remainingNs <= 0n) break;
        Atomics.wait(control, CONTROL.stop, 0, Number(remainingNs) / 1e6);
      }
      const out = new DataView(memory!.buffer);
      const now = monotonicNs();
      let count = 0;
      for (const s of subs) {
        if (s.deadlineNs > now) continue;
        const at = Number(outPtr) + count * 32;
        out.setBigUint64(at, s.userdata, true);
        out.setUint16(at + 8, ESUCCESS, true);
        out.setUint8(at + 10, 0); // eventtype clock
        for (let b = 11; b < 32; b++) out.setUint8(at + b, 0);
        count++;
      }
      out.setUint32(Number(neventsPtr), count, true);
      return ESUCCESS;
    },
  };

  const imports: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(base)) {
    if (typeof fn !== 'function') continue;
    const impl = overrides[name] ?? fn;
    imports[name] = (...args: (number | bigint)[]) => {
      checkpoint();
      return impl(...args);
    };
  }

  let instance: WasmInstance;
  try {
    instance = new wasm.Instance(opts.module, { wasi_snapshot_preview1: imports });
  } catch (err) {
    return { kind: 'cannot-run', message: `cannot instantiate module: ${(err as Error).message}` };
  }
  const exported = instance.exports.memory;
  if (!(exported instanceof wasm.Memory)) {
    return { kind: 'cannot-run', message: 'the module exports no memory named "memory"' };
  }
  memory = exported as WasmMemory;
  publishMemory();
  if (typeof instance.exports._start !== 'function') {
    return { kind: 'cannot-run', message: 'the module exports no _start function (not a WASI command)' };
  }

  try {
    const code = wasi.start(instance);
    return { kind: 'exit', code };
  } catch (err) {
    if (err instanceof StopSignal) return { kind: 'stopped' };
    if (err instanceof OomSignal) return { kind: 'oom', message: err.message };
    const e = err as Error;
    const isTrap = err instanceof wasm.RuntimeError || err instanceof RangeError;
    const bytes = memory.buffer.byteLength;
    // A trap with the memory at its cap: the module's last memory.grow failed. That is how an
    // out-of-memory looks from outside (allocators trap when they cannot grow).
    if (isTrap && memoryLimitBytes !== undefined && bytes + WASM_PAGE_BYTES > memoryLimitBytes) {
      return {
        kind: 'oom',
        message: `trapped (${e.message}) with linear memory at the limit: ${bytes} of ${memoryLimitBytes} bytes`,
      };
    }
    if (isTrap) return { kind: 'trap', message: e.message };
    return { kind: 'cannot-run', message: `${e.name}: ${e.message}` };
  } finally {
    publishMemory();
  }
}

function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

function realtimeNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n;
}
