/**
 * The registry's storage, all files under one root (the hub's `<data-dir>/registry`):
 *
 *   blobs/sha256/<hex>                           every blob and manifest, content-addressed, immutable
 *   uploads/<uuid>/{repository,data}             upload sessions (swept when idle for a day)
 *   repositories/<name>/_blobs/sha256/<hex>      links: the blobs pushed to this repository
 *   repositories/<name>/_manifests/sha256/<hex>  links: its manifests (content: the media type)
 *   repositories/<name>/_tags/<tag>              the manifest digest a tag points at
 *
 * Every file is written to a temporary name, fsynced and renamed, so a crash leaves the old state or
 * the new. A blob becomes visible only after its content was hashed and matched the digest the
 * client named. Repository components never start with "_", so the link folders cannot collide with
 * nested repository names.
 */

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PUBLIC_MODE, writeFileAtomic } from '../common/atomic-file.js';
import { type Descriptor, type ImageManifest, OCI_MANIFEST_MEDIA_TYPE, parseManifest } from './artifact.js';
import { registryError } from './errors.js';
import { checkDigest, checkName, checkTag, isSha256Digest } from './reference.js';

export interface RegistryStoreOptions {
  /** Largest blob accepted (default 512 MiB, the agent's module limit). */
  maxBlobBytes?: number;
  /** Largest manifest accepted (default 4 MiB, what the OCI spec asks registries to take). */
  maxManifestBytes?: number;
  /** Upload sessions untouched for this long are removed (default 24 h). */
  uploadTtlMs?: number;
}

export interface StoredManifest {
  digest: string;
  mediaType: string;
  bytes: Buffer;
}

const UPLOAD_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SWEEP_EVERY_MS = 10 * 60_000;

export class RegistryStore {
  readonly maxBlobBytes: number;
  readonly maxManifestBytes: number;
  private readonly uploadTtlMs: number;
  /** Per upload session: appends and the final PUT run one at a time. */
  private readonly sessionLocks = new Map<string, Promise<unknown>>();
  private lastSweep = 0;

  constructor(
    readonly root: string,
    options: RegistryStoreOptions = {},
  ) {
    this.maxBlobBytes = options.maxBlobBytes ?? 512 * 1024 * 1024;
    this.maxManifestBytes = options.maxManifestBytes ?? 4 * 1024 * 1024;
    this.uploadTtlMs = options.uploadTtlMs ?? 24 * 3600_000;
  }

  // --- blobs ------------------------------------------------------------------------------------

  /** Size and file of a blob pushed to this repository, or undefined. */
  async statBlob(name: string, digest: string): Promise<{ size: number; path: string } | undefined> {
    checkName(name);
    const hex = hexOf(checkDigest(digest));
    if (!(await exists(this.repoLink(name, '_blobs', hex)))) return undefined;
    const path = this.blobPath(hex);
    const info = await stat(path).catch(() => undefined);
    return info ? { size: info.size, path } : undefined;
  }

  openBlob(path: string, range?: { start: number; end: number }): NodeJS.ReadableStream {
    return createReadStream(path, range);
  }

  // --- uploads ----------------------------------------------------------------------------------

  async startUpload(name: string): Promise<string> {
    checkName(name);
    void this.sweepUploads().catch(() => undefined);
    const id = randomUUID();
    const dir = this.uploadDir(id);
    await mkdir(dir, { recursive: true });
    await writeFileAtomic(join(dir, 'repository'), name, PUBLIC_MODE);
    await writeFileAtomic(join(dir, 'data'), Buffer.alloc(0), PUBLIC_MODE);
    return id;
  }

  /** Bytes received so far in a session of this repository (BLOB_UPLOAD_UNKNOWN otherwise). */
  async uploadSize(name: string, id: string): Promise<number> {
    await this.session(name, id);
    return (await stat(join(this.uploadDir(id), 'data'))).size;
  }

  /**
   * Appends a chunk. `start` (from Content-Range) must equal the bytes already received, else 416.
   * Returns the new size.
   */
  appendUpload(name: string, id: string, body: AsyncIterable<Buffer>, start?: number): Promise<number> {
    return this.locked(id, async () => {
      const size = await this.uploadSize(name, id);
      if (start !== undefined && start !== size) {
        throw registryError(
          'BLOB_UPLOAD_INVALID',
          `this chunk starts at byte ${start}, but the upload has ${size} bytes; send the chunk starting at ${size}`,
          416,
        );
      }
      return this.appendData(id, body, size);
    });
  }

  /** Completes a session: appends the last chunk (if any), verifies the digest, moves the blob in. */
  finishUpload(name: string, id: string, digest: string, body?: AsyncIterable<Buffer>): Promise<Descriptor> {
    return this.locked(id, async () => {
      checkDigest(digest);
      const size = await this.uploadSize(name, id);
      if (body) await this.appendData(id, body, size);
      const data = join(this.uploadDir(id), 'data');
      const hash = createHash('sha256');
      await pipeline(createReadStream(data), hash);
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== digest) {
        await this.cancelUpload(name, id);
        throw registryError(
          'DIGEST_INVALID',
          `the uploaded content has digest ${actual}, not ${digest}; the upload was discarded`,
        );
      }
      const final = (await stat(data)).size;
      const handle = await open(data, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
      const hex = hexOf(digest);
      const path = this.blobPath(hex);
      await mkdir(dirname(path), { recursive: true });
      if (await exists(path)) await unlink(data);
      else await rename(data, path);
      await this.link(name, '_blobs', hex, '');
      await rm(this.uploadDir(id), { recursive: true, force: true });
      return { mediaType: 'application/octet-stream', digest, size: final };
    });
  }

  async cancelUpload(name: string, id: string): Promise<void> {
    await this.session(name, id);
    await rm(this.uploadDir(id), { recursive: true, force: true });
  }

  /** Removes upload sessions idle for longer than the TTL (at most every ten minutes). */
  async sweepUploads(now = Date.now(), force = false): Promise<number> {
    if (!force && now - this.lastSweep < SWEEP_EVERY_MS) return 0;
    this.lastSweep = now;
    const dir = join(this.root, 'uploads');
    let removed = 0;
    for (const id of await readdir(dir).catch(() => [] as string[])) {
      if (!UPLOAD_ID.test(id)) continue;
      const info = await stat(join(dir, id, 'data')).catch(() => undefined);
      if (!info || now - info.mtimeMs > this.uploadTtlMs) {
        await rm(join(dir, id), { recursive: true, force: true });
        removed++;
      }
    }
    return removed;
  }

  // --- manifests and tags -----------------------------------------------------------------------

  /**
   * Stores a manifest under a tag or its digest. Every blob it references must have been pushed to
   * this repository, with the size the manifest states. Returns the manifest's digest.
   */
  async putManifest(
    name: string,
    reference: string,
    bytes: Buffer,
    contentType: string | undefined,
  ): Promise<{ digest: string; manifest: ImageManifest }> {
    checkName(name);
    if (bytes.length > this.maxManifestBytes) {
      throw registryError(
        'SIZE_INVALID',
        `manifest is ${bytes.length} bytes; the limit is ${this.maxManifestBytes}`,
        413,
      );
    }
    const mediaType = contentType ?? OCI_MANIFEST_MEDIA_TYPE;
    if (mediaType !== OCI_MANIFEST_MEDIA_TYPE) {
      throw registryError(
        'MANIFEST_INVALID',
        `manifests of type "${mediaType}" are not stored here; send ${OCI_MANIFEST_MEDIA_TYPE}`,
      );
    }
    const manifest = parseManifest(bytes, mediaType);
    const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    const byDigest = reference.includes(':');
    if (byDigest && checkDigest(reference) !== digest) {
      throw registryError('DIGEST_INVALID', `the manifest's digest is ${digest}, not ${reference}`);
    }
    if (!byDigest) checkTag(reference);
    for (const d of [manifest.config, ...manifest.layers]) {
      const blob = await this.statBlob(name, d.digest);
      if (!blob) {
        throw registryError(
          'MANIFEST_BLOB_UNKNOWN',
          `blob ${d.digest} (${d.mediaType}) has not been pushed to ${name}; push it before the manifest`,
        );
      }
      if (blob.size !== d.size) {
        throw registryError(
          'MANIFEST_INVALID',
          `the manifest says blob ${d.digest} has ${d.size} bytes; it has ${blob.size}`,
        );
      }
    }
    const hex = hexOf(digest);
    const path = this.blobPath(hex);
    if (!(await exists(path))) await writeFileAtomic(path, bytes, PUBLIC_MODE);
    await this.link(name, '_manifests', hex, mediaType);
    if (!byDigest) await writeFileAtomic(this.tagPath(name, reference), digest, PUBLIC_MODE);
    return { digest, manifest };
  }

  /** A manifest by tag or digest (MANIFEST_UNKNOWN when this repository does not have it). */
  async getManifest(name: string, reference: string): Promise<StoredManifest> {
    checkName(name);
    let digest: string;
    if (reference.includes(':')) digest = checkDigest(reference);
    else {
      checkTag(reference);
      const tagged = (await readFile(this.tagPath(name, reference), 'utf8').catch(() => undefined))?.trim();
      if (!tagged || !isSha256Digest(tagged))
        throw registryError('MANIFEST_UNKNOWN', `manifest ${name}:${reference} is not known`);
      digest = tagged;
    }
    const hex = hexOf(digest);
    const mediaType = await readFile(this.repoLink(name, '_manifests', hex), 'utf8').catch(() => undefined);
    const bytes =
      mediaType === undefined ? undefined : await readFile(this.blobPath(hex)).catch(() => undefined);
    if (mediaType === undefined || !bytes)
      throw registryError('MANIFEST_UNKNOWN', `manifest ${name}@${digest} is not known`);
    return { digest, mediaType: mediaType || OCI_MANIFEST_MEDIA_TYPE, bytes };
  }

  /** The repository's tags, sorted (NAME_UNKNOWN when nothing was ever pushed to it). */
  async listTags(name: string): Promise<string[]> {
    checkName(name);
    const dir = this.repoDir(name);
    if (!(await exists(join(dir, '_blobs'))) && !(await exists(join(dir, '_manifests'))))
      throw registryError('NAME_UNKNOWN', `repository ${name} is not known`);
    const tags = await readdir(join(dir, '_tags')).catch(() => [] as string[]);
    return tags.filter((t) => !t.startsWith('.')).sort();
  }

  // --- internals --------------------------------------------------------------------------------

  private blobPath(hex: string): string {
    return join(this.root, 'blobs', 'sha256', hex);
  }

  private repoDir(name: string): string {
    return join(this.root, 'repositories', ...name.split('/'));
  }

  private repoLink(name: string, kind: '_blobs' | '_manifests', hex: string): string {
    return join(this.repoDir(name), kind, 'sha256', hex);
  }

  private tagPath(name: string, tag: string): string {
    return join(this.repoDir(name), '_tags', tag);
  }

  private async link(name: string, kind: '_blobs' | '_manifests', hex: string, content: string) {
    const path = this.repoLink(name, kind, hex);
    if (!(await exists(path))) await writeFileAtomic(path, content, PUBLIC_MODE);
  }

  private uploadDir(id: string): string {
    return join(this.root, 'uploads', id);
  }

  private async session(name: string, id: string): Promise<void> {
    const owner = UPLOAD_ID.test(id)
      ? await readFile(join(this.uploadDir(id), 'repository'), 'utf8').catch(() => undefined)
      : undefined;
    if (owner !== name) throw registryError('BLOB_UPLOAD_UNKNOWN', `upload ${id} is not known for ${name}`);
  }

  private async appendData(id: string, body: AsyncIterable<Buffer>, size: number): Promise<number> {
    const limit = this.maxBlobBytes;
    let total = size;
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        total += chunk.length;
        if (total > limit)
          done(registryError('SIZE_INVALID', `blob is larger than the limit of ${limit} bytes`, 413));
        else done(null, chunk);
      },
    });
    await pipeline(body, counter, createWriteStream(join(this.uploadDir(id), 'data'), { flags: 'a' }));
    return total;
  }

  private async locked<T>(id: string, work: () => Promise<T>): Promise<T> {
    const previous = this.sessionLocks.get(id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(work);
    this.sessionLocks.set(id, next);
    try {
      return await next;
    } finally {
      if (this.sessionLocks.get(id) === next) this.sessionLocks.delete(id);
    }
  }
}

function hexOf(digest: string): string {
  return digest.slice('sha256:'.length);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
