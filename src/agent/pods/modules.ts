/**
 * Turns a container's `image` into a file on the device:
 *   - a path (absolute, or relative to the data dir) or a file:// URL (file://rel/x.wasm is relative
 *     to the data dir, file:///abs/x.wasm is absolute);
 *   - https://host/x.wasm#sha256=<hex>: fetched once, verified, and kept content-addressed in
 *     DATA/modules/sha256/<hex>, so a device that restarts offline finds it there.
 * A hub-hosted OCI registry comes later; other image references are refused with the reason.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, rename, stat, unlink } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';

export interface ResolvedModule {
  path: string;
  /** sha256:<hex> of the content (wasm modules), or a path:// identity for native executables. */
  imageID: string;
}

/** Why a module could not be had; `reason` is the container's waiting reason. */
export class ModuleError extends Error {
  override readonly name = 'ModuleError';
  constructor(
    readonly reason: 'InvalidImageName' | 'ErrImagePull',
    message: string,
  ) {
    super(message);
  }
}

const DIGEST_FRAGMENT = /#sha256=([0-9a-f]{64})$/i;
const MAX_MODULE_BYTES = 512 * 1024 * 1024;

export class ModuleResolver {
  private readonly digests = new Map<string, { key: string; digest: string }>();
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(
    private readonly dataDir: string,
    private readonly options: {
      fetchTimeoutMs?: number;
      log?: (line: string) => void;
      fetch?: typeof fetch;
    } = {},
  ) {}

  get cacheDir(): string {
    return join(this.dataDir, 'modules', 'sha256');
  }

  /** Whether resolving this image needs the network (an uncached https module). */
  async needsDownload(image: string): Promise<boolean> {
    const m = DIGEST_FRAGMENT.exec(image);
    if (!image.startsWith('https://') || !m) return false;
    return !(await exists(join(this.cacheDir, m[1]!.toLowerCase())));
  }

  async resolveModule(image: string): Promise<ResolvedModule> {
    if (!image) throw new ModuleError('InvalidImageName', 'the container has no image');
    if (/^https?:\/\//.test(image)) return this.fetchPinned(image);
    const path = this.localPath(image);
    if (!(await exists(path))) {
      throw new ModuleError('ErrImagePull', `module ${path} does not exist (image "${image}")`);
    }
    return { path, imageID: `sha256:${await this.digestOf(path)}` };
  }

  /** A native executable for the process runtime: a path, or a bare name looked up on PATH. */
  async resolveExecutable(command: string): Promise<ResolvedModule> {
    if (command.includes('/') || command.startsWith('file:')) {
      const path = this.localPath(command);
      if (!(await exists(path, constants.X_OK)))
        throw new ModuleError('ErrImagePull', `${path} is not an executable file`);
      return { path, imageID: `path://${path}` };
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      if (!dir) continue;
      const candidate = join(dir, command);
      if (await exists(candidate, constants.X_OK)) return { path: candidate, imageID: `path://${candidate}` };
    }
    throw new ModuleError('ErrImagePull', `executable "${command}" was not found on PATH`);
  }

  localPath(image: string): string {
    if (image.startsWith('file://')) {
      const rest = image.slice('file://'.length);
      return rest.startsWith('/')
        ? fileURLToPath(`file://${rest}`)
        : resolve(this.dataDir, decodeURIComponent(rest));
    }
    if (image.startsWith('file:'))
      return resolve(this.dataDir, decodeURIComponent(image.slice('file:'.length)));
    if (isAbsolute(image)) return image;
    if (
      image.startsWith('./') ||
      image.startsWith('../') ||
      /\.(wasm|wat)$/.test(image) ||
      image.includes('/')
    ) {
      return resolve(this.dataDir, image);
    }
    throw new ModuleError(
      'InvalidImageName',
      `image "${image}" is not a module this agent can run yet: use a file path, file:// URL, or https://…#sha256=<hex> (OCI registries come later)`,
    );
  }

  private async fetchPinned(image: string): Promise<ResolvedModule> {
    const m = DIGEST_FRAGMENT.exec(image);
    if (!image.startsWith('https://') || !m) {
      throw new ModuleError(
        'InvalidImageName',
        `image "${image}" must be an https:// URL pinned by digest, like https://example.com/app.wasm#sha256=<64 hex digits>`,
      );
    }
    const digest = m[1]!.toLowerCase();
    const path = join(this.cacheDir, digest);
    if (await exists(path)) return { path, imageID: `sha256:${digest}` };
    let download = this.downloads.get(digest);
    if (!download) {
      download = this.download(image.slice(0, m.index), digest, path).finally(() =>
        this.downloads.delete(digest),
      );
      this.downloads.set(digest, download);
    }
    await download;
    return { path, imageID: `sha256:${digest}` };
  }

  private async download(url: string, digest: string, path: string): Promise<string> {
    await mkdir(this.cacheDir, { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
    const timeoutMs = this.options.fetchTimeoutMs ?? 120_000;
    try {
      const response = await (this.options.fetch ?? fetch)(url, {
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'follow',
      });
      if (!response.ok || !response.body) {
        throw new ModuleError('ErrImagePull', `fetching ${url} failed: HTTP ${response.status}`);
      }
      const declared = Number(response.headers.get('content-length') ?? 0);
      if (declared > MAX_MODULE_BYTES)
        throw new ModuleError('ErrImagePull', `${url} is larger than ${MAX_MODULE_BYTES} bytes`);
      const hash = createHash('sha256');
      let size = 0;
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      body.on('data', (chunk: Buffer) => {
        size += chunk.length;
        hash.update(chunk);
        if (size > MAX_MODULE_BYTES) body.destroy(new Error(`more than ${MAX_MODULE_BYTES} bytes`));
      });
      await pipeline(body, createWriteStream(temp, { mode: 0o644 }));
      const actual = hash.digest('hex');
      if (actual !== digest) {
        throw new ModuleError(
          'ErrImagePull',
          `${url} has sha256 ${actual}, but the image pins ${digest}; refusing it`,
        );
      }
      await rename(temp, path);
      this.options.log?.(`modules: fetched ${url} (${size} bytes, sha256:${digest})`);
      return path;
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      if (err instanceof ModuleError) throw err;
      throw new ModuleError('ErrImagePull', `fetching ${url} failed: ${(err as Error).message}`);
    }
  }

  private async digestOf(path: string): Promise<string> {
    const info = await stat(path);
    const key = `${info.dev}:${info.ino}:${info.size}:${info.mtimeMs}`;
    const cached = this.digests.get(path);
    if (cached?.key === key) return cached.digest;
    const hash = createHash('sha256');
    await pipeline(createReadStream(path), hash);
    const digest = hash.digest('hex');
    this.digests.set(path, { key, digest });
    return digest;
  }
}

async function exists(path: string, mode = constants.R_OK): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}
