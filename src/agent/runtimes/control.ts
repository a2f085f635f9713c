// The Int32Array over a SharedArrayBuffer that the agent shares with each worker: how the agent asks
// a running module to stop (waking it if it sleeps) and reads its memory use without a message
// round trip. Kept apart from wasi-host.ts so that the agent's thread never loads node:wasi.

export const CONTROL = {
  /** Non-zero: stop at the next system call (and wake a sleeping one). */
  stop: 0,
  /** Linear memory of the running instance, in pages; 0 between instances. */
  memoryPages: 1,
  /** Highest memoryPages seen. */
  peakPages: 2,
  length: 4,
} as const;
