/**
 * A pod's volumes as directories on the device, under DATA/pods/<uid>/volumes/<name>: emptyDir is
 * an empty directory that lives as long as the pod; configMap, secret, projected and downwardAPI
 * volumes are directories of generated files, rewritten when their source changes; hostPath is the
 * device directory itself. Runtimes mount directories only (WASI preopens).
 */
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import type { VolumeMount } from '../runtimes/runtime.js';
import { ConfigError, type ConfigLookup, type PodFacts, volumeFiles } from './config-refs.js';

// biome-ignore lint/suspicious/noExplicitAny: volume specs are read field by field
type Spec = Record<string, any>;

export function podDirectory(dataDir: string, uid: string): string {
  return join(dataDir, 'pods', uid);
}

/** Creates or refreshes every volume of the pod; returns volume name → host directory. */
export async function prepareVolumes(
  podDir: string,
  pod: KubeObject,
  lookup: ConfigLookup,
  facts: PodFacts,
): Promise<Map<string, string>> {
  const dirs = new Map<string, string>();
  for (const volume of (pod.spec?.volumes ?? []) as Spec[]) {
    if (!volume.name) continue;
    if (volume.hostPath?.path) {
      const path = String(volume.hostPath.path);
      if (volume.hostPath.type === 'DirectoryOrCreate') await mkdir(path, { recursive: true });
      dirs.set(volume.name, path);
      continue;
    }
    const dir = join(podDir, 'volumes', volume.name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files = volumeFiles(pod, volume, lookup, facts);
    if (files) await syncFiles(dir, files);
    else if (!volume.emptyDir && !volume.hostPath) {
      // Unsupported sources (persistentVolumeClaim, csi, ...) still get a directory so the container starts.
    }
    dirs.set(volume.name, dir);
  }
  return dirs;
}

async function syncFiles(
  dir: string,
  files: { path: string; content: Buffer; mode: number }[],
): Promise<void> {
  const wanted = new Set(files.map((f) => f.path));
  for (const file of files) {
    const target = join(dir, file.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, file.content, { mode: file.mode & 0o777 });
  }
  for (const existing of await walk(dir)) {
    if (!wanted.has(relative(dir, existing))) await rm(existing, { force: true });
  }
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** The container's mounts as runtime VolumeMounts; a mount of an unknown volume is a ConfigError. */
export function containerMounts(container: Spec, volumeDirs: Map<string, string>): VolumeMount[] {
  const mounts: VolumeMount[] = [];
  for (const m of (container.volumeMounts ?? []) as Spec[]) {
    const base = volumeDirs.get(m.name);
    if (!base)
      throw new ConfigError(`volume "${m.name}" mounted at ${m.mountPath} is not defined in the pod`);
    const hostPath = m.subPath ? join(base, String(m.subPath)) : base;
    if (m.subPath && relative(base, hostPath).startsWith('..')) {
      throw new ConfigError(`subPath "${m.subPath}" leaves volume "${m.name}"`);
    }
    mounts.push({ hostPath, mountPath: String(m.mountPath), readOnly: Boolean(m.readOnly) });
  }
  return mounts;
}

export async function removePodDirectory(podDir: string): Promise<void> {
  await rm(podDir, { recursive: true, force: true });
}
