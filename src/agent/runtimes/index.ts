// The runtimes library: what the agent imports.

import { open } from 'node:fs/promises';

export { type CgiResponse, cgiArguments, cgiEnvironment, parseCgiResponse } from './cgi.js';
export { type CompiledModule, ModuleCache } from './module-cache.js';
export { ProcessRuntime, type ProcessRuntimeOptions } from './process-runtime.js';
export {
  type BackoffOptions,
  backoffDelayMs,
  ContainerLifecycle,
  type ContainerStatus,
  KUBELET_BACKOFF,
  type RestartDecision,
  type RestartPolicy,
  shouldRestart,
} from './restart-policy.js';
export * from './runtime.js';
export { DEFAULT_WAGI_OPTIONS, type WagiOptions } from './wagi-server.js';
export { WasmRuntime, type WasmRuntimeOptions } from './wasm-runtime.js';
export { DEFAULT_WORKER_LIMITS, type WorkerLimits } from './worker-spawn.js';

export type ModuleFormat = 'wasm' | 'native' | 'unknown';

/** What a module file is, from its first bytes: a WebAssembly binary, a native executable (ELF, Mach-O, a #! script), or neither. */
export async function detectModuleFormat(path: string): Promise<ModuleFormat> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead < 2) return 'unknown';
    if (bytesRead === 4 && head.equals(Buffer.from([0x00, 0x61, 0x73, 0x6d]))) return 'wasm';
    if (bytesRead === 4 && head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return 'native';
    const magic = head.readUInt32BE(0);
    if (bytesRead === 4 && [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe].includes(magic)) return 'native';
    if (head[0] === 0x23 && head[1] === 0x21) return 'native';
    return 'unknown';
  } finally {
    await fh.close();
  }
}
