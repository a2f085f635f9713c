/**
 * Crash-safe small files: write a temp file beside the target, fsync, rename over it. A reader (or
 * the agent after a power cut) sees the old content or the new, never half of either.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export const PRIVATE_MODE = 0o600;
export const PUBLIC_MODE = 0o644;

export async function writeFileAtomic(
  path: string,
  content: string | Buffer,
  mode = PRIVATE_MODE,
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  // The folder nearly always exists: create it only when the open says it does not.
  const handle = await open(temp, 'wx', mode).catch(async (err: NodeJS.ErrnoException) => {
    if (err.code !== 'ENOENT') throw err;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return open(temp, 'wx', mode);
  });
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(temp, path);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
}

export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** JSON or undefined when missing; a corrupt file is reported and treated as missing. */
export async function readJsonIfExists<T>(
  path: string,
  onCorrupt?: (why: string) => void,
): Promise<T | undefined> {
  const text = await readTextIfExists(path);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch (err) {
    onCorrupt?.(`${path} is not valid JSON (${(err as Error).message}); ignoring it`);
    return undefined;
  }
}
