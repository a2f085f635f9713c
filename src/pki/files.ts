/**
 * Crash-safe file writes for keys and certificates: content goes to a temporary file beside the
 * target, is flushed to disk, then renamed over it, so a reader sees the old file or the new one,
 * never half a key.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface FileToWrite {
  path: string;
  content: string;
  mode: number;
}

export const PRIVATE_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

export async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Writes a set of files that belong together (a key and its certificate). All are staged and
 * synced before the first rename, so the window in which only some are replaced is as short as
 * the renames themselves; list the key first, since a new key with an old certificate is detected
 * as a mismatch on the next start and repaired.
 */
export async function writeFilesAtomically(files: readonly FileToWrite[]): Promise<void> {
  const staged: { temp: string; path: string }[] = [];
  try {
    for (const file of files) {
      const temp = join(dirname(file.path), `.${basename(file.path)}.${randomBytes(6).toString('hex')}.tmp`);
      staged.push({ temp, path: file.path });
      await writeSynced(temp, file.content, file.mode);
    }
    for (const { temp, path } of staged) await rename(temp, path);
  } catch (err) {
    await Promise.all(staged.map(({ temp }) => unlink(temp).catch(() => undefined)));
    throw err;
  }
  for (const directory of new Set(files.map((file) => dirname(file.path)))) await syncDirectory(directory);
}

async function writeSynced(path: string, content: string, mode: number): Promise<void> {
  // 'wx': never follow or reuse something already at the temporary name.
  const handle = await open(path, 'wx', mode);
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Makes the renames themselves durable; not every platform can open a directory, hence best effort. */
async function syncDirectory(directory: string): Promise<void> {
  try {
    const handle = await open(directory, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Durability of the directory entry is a bonus; the files themselves are already complete.
  }
}
