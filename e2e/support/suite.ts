/**
 * One hub per test file: `setupHub` in `before`, `teardownHub` in `after`. Also small helpers every
 * file uses (polling, temp files).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from './api.js';
import { type HubProcess, makeTempDir, removeDir, startHubProcess } from './hub-process.js';
import { Kubectl, kubectlOnPath } from './kubectl.js';

export interface HubContext {
  /** Temp root holding the data dir, kubectl caches and scratch files. */
  root: string;
  hub: HubProcess;
  kubectl: Kubectl;
  api: ApiClient;
  /** Writes `content` to a scratch file and returns its path. */
  file(name: string, content: string): string;
  /** A fresh, empty directory under the root (e.g. a new kubectl cache). */
  freshDir(name: string): string;
}

export async function setupHub(label: string): Promise<HubContext> {
  // Fail every test of the file (loudly, with the install command) when kubectl is missing.
  const binary = kubectlOnPath();
  const root = makeTempDir(label);
  try {
    const hub = await startHubProcess({ dataDir: join(root, 'data') });
    const cacheDir = join(root, 'kube-cache');
    mkdirSync(cacheDir);
    mkdirSync(join(root, 'files'));
    let dirs = 0;
    return {
      root,
      hub,
      kubectl: new Kubectl(hub.kubeconfig, cacheDir, binary),
      api: ApiClient.fromKubeconfig(hub.kubeconfig),
      file(name, content) {
        const path = join(root, 'files', name);
        writeFileSync(path, content);
        return path;
      },
      freshDir(name) {
        const dir = join(root, `${name}-${++dirs}`);
        mkdirSync(dir);
        return dir;
      },
    };
  } catch (err) {
    removeDir(root);
    throw err;
  }
}

export async function teardownHub(ctx: HubContext | undefined): Promise<void> {
  if (!ctx) return;
  ctx.api.close();
  try {
    await ctx.hub.stop();
  } finally {
    removeDir(ctx.root);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs` with
 * `what` and the last value or error seen.
 */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const detail = last instanceof Error ? last.message : JSON.stringify(last);
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}\nlast: ${detail}`);
    }
    await sleep(everyMs);
  }
}

/** Splits a kubectl table into rows of whitespace-separated cells (header first). */
export function tableRows(output: string): string[][] {
  return output
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.trim().split(/\s{2,}|\t/));
}

/** Header cells of a kubectl table. */
export function tableHeader(output: string): string[] {
  return tableRows(output)[0] ?? [];
}
