// Helpers for the runtime tests: the example modules, specs and log capture. Not used at run time.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerSpec, ExitResult, LogStream, RunningContainer } from './runtime.js';

/** The repository root: the nearest folder above this file with Minato's package.json. */
export const repoRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'minato')
      return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the repository root above the runtime tests');
    dir = up;
  }
})();

/** Path of a built example module. Fails (never skips) when it has not been built. */
export function exampleModule(name: string): string {
  const path = join(repoRoot, 'examples', name, 'build', `${name}.wasm`);
  if (!existsSync(path)) {
    throw new Error(
      `example module ${join('examples', name, 'build', `${name}.wasm`)} is missing; run: npm run build:examples`,
    );
  }
  return path;
}

export interface LogCapture {
  sink: ContainerSpec['logSink'];
  text(stream: LogStream): string;
  lines(stream: LogStream): string[];
}

export function captureLogs(): LogCapture {
  const chunks: Record<LogStream, Buffer[]> = { stdout: [], stderr: [] };
  const text = (s: LogStream) => Buffer.concat(chunks[s]).toString('utf8');
  return {
    sink: (stream, chunk) => chunks[stream].push(Buffer.from(chunk)),
    text,
    lines: (s) =>
      text(s)
        .split('\n')
        .filter((l) => l !== ''),
  };
}

export function spec(overrides: Partial<ContainerSpec> & Pick<ContainerSpec, 'module'>): ContainerSpec {
  return {
    podUid: '0c4e6a52-5d0e-4d5b-9d43-3f3e1e7b2a10',
    podName: 'test-pod',
    namespace: 'default',
    containerName: 'main',
    args: [],
    env: {},
    ports: [],
    volumes: [],
    limits: {},
    kind: 'job',
    logSink: () => {},
    ...overrides,
  };
}

/** The container's exit, or a failure after `timeoutMs`. */
export function exitOf(c: RunningContainer, timeoutMs = 10_000): Promise<ExitResult> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`container did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    );
    c.onExit((r) => {
      clearTimeout(timer);
      resolve(r);
    });
  });
}

export async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'minato-runtime-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function waitFor(check: () => boolean, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
