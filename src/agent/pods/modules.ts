/**
 * Turns a container's `image` into a file on the device:
 *   - a path (absolute, or relative to the data dir) or a file:// URL (file://rel/x.wasm is relative
 *     to the data dir, file:///abs/x.wasm is absolute);
 *   - https://host/x.wasm#sha256=<hex>: fetched once, verified, and kept content-addressed in
 *     DATA/modules/sha256/<hex>, so a device that restarts offline finds it there;
 *   - hub/NAME:TAG or hub/NAME@sha256:<hex> (NAME:TAG@sha256:<hex> too; the digest wins): a module in
 *     the hub's registry, pulled with the node's own certificate (DATA/agent.kubeconfig). The verified
 *     manifest is kept in DATA/modules/manifests/sha256/, its wasm layer in DATA/modules/sha256/, and
 *     the digest a tag last resolved to in DATA/modules/tags/. A pinned digest already cached never
 *     touches the network; a tag is re-resolved when the hub answers and falls back to its last
 *     digest when it does not.
 * Other image references are refused with the reason.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, constants, mkdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import { delimiter, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { loadKubeconfig } from '../../client/kubeconfig.js';
import { readTextIfExists, writeFileAtomic } from '../../common/atomic-file.js';
import { type Descriptor, parseManifest, wasmLayerOf } from '../../registry/artifact.js';
import { RegistryClient, RegistryUnreachable } from '../../registry/client.js';
import { isHubImage, isSha256Digest, type ModuleReference, parseHubImage } from '../../registry/reference.js';

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
/** The node's kubeconfig in the data dir (join/credentials.ts writes it). */
const KUBECONFIG_FILE = 'agent.kubeconfig';

/** What the resolver needs from the hub's registry (RegistryClient; a fake in tests). */
export interface HubRegistry {
  getManifest(
    name: string,
    reference: string,
    timeoutMs?: number,
  ): Promise<{ digest: string; bytes: Buffer }>;
  openBlob(name: string, digest: string): Promise<{ body: Readable; size: number }>;
  close(): void;
}

export class ModuleResolver {
  private readonly digests = new Map<string, { key: string; digest: string }>();
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(
    private readonly dataDir: string,
    private readonly options: {
      fetchTimeoutMs?: number;
      log?: (line: string) => void;
      fetch?: typeof fetch;
      /** The hub's registry; by default a client with the node's identity from DATA/agent.kubeconfig. */
      hub?: () => HubRegistry;
      /** How long a tag's re-resolution may take before its last resolved digest is used (10 s). */
      tagTimeoutMs?: number;
    } = {},
  ) {}

  get cacheDir(): string {
    return join(this.dataDir, 'modules', 'sha256');
  }

  /** Whether resolving this image needs the network (an uncached https or hub module). */
  async needsDownload(image: string): Promise<boolean> {
    if (isHubImage(image)) return this.hubNeedsDownload(image);
    const m = DIGEST_FRAGMENT.exec(image);
    if (!image.startsWith('https://') || !m) return false;
    return !(await exists(join(this.cacheDir, m[1]!.toLowerCase())));
  }

  async resolveModule(image: string): Promise<ResolvedModule> {
    if (!image) throw new ModuleError('InvalidImageName', 'the container has no image');
    if (isHubImage(image)) return this.pullFromHub(image);
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
      `image "${image}" is not a module this agent can run: use hub/NAME:TAG or hub/NAME@sha256:<hex> (the hub's registry, see "minato push"), a file path, a file:// URL, or https://…#sha256=<hex>`,
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
      const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>);
      const size = await this.receive(body, digest, path, url);
      this.options.log?.(`modules: fetched ${url} (${size} bytes, sha256:${digest})`);
      return path;
    } catch (err) {
      if (err instanceof ModuleError) throw err;
      throw new ModuleError('ErrImagePull', `fetching ${url} failed: ${(err as Error).message}`);
    }
  }

  /** Streams a body into the cache as `path`, only if its sha256 is `digest` (hex); returns the size. */
  private async receive(body: Readable, digest: string, path: string, source: string): Promise<number> {
    await mkdir(this.cacheDir, { recursive: true });
    const temp = `${path}.${randomBytes(6).toString('hex')}.part`;
    try {
      const hash = createHash('sha256');
      let size = 0;
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
          `${source} has sha256 ${actual}, but the image pins ${digest}; refusing it`,
        );
      }
      await rename(temp, path);
      return size;
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
  }

  // --- the hub's registry -------------------------------------------------------------------------

  private get hubDir(): string {
    return join(this.dataDir, 'modules');
  }

  private manifestPath(digest: string): string {
    return join(this.hubDir, 'manifests', 'sha256', digest.slice('sha256:'.length));
  }

  private tagPath(ref: ModuleReference): string {
    return join(this.hubDir, 'tags', encodeURIComponent(ref.name), ref.tag!);
  }

  private parseHub(image: string): ModuleReference {
    try {
      return parseHubImage(image)!;
    } catch (err) {
      throw new ModuleError(
        'InvalidImageName',
        `image "${image}": ${(err as Error).message}; use hub/NAME:TAG or hub/NAME@sha256:<64 hex digits>`,
      );
    }
  }

  private async pullFromHub(image: string): Promise<ResolvedModule> {
    const ref = this.parseHub(image);
    const digest = ref.digest ?? (await this.resolveTag(image, ref));
    const layer = await this.layerOf(image, ref.name, digest);
    const hex = layer.digest.slice('sha256:'.length);
    const path = join(this.cacheDir, hex);
    if (!(await exists(path))) {
      let download = this.downloads.get(hex);
      if (!download) {
        download = this.downloadLayer(image, ref.name, layer, path).finally(() => this.downloads.delete(hex));
        this.downloads.set(hex, download);
      }
      await download;
    }
    return { path, imageID: `hub/${ref.name}@${digest}` };
  }

  /** The digest a tag names now (the hub), or last named (the cache) when the hub is out of reach. */
  private async resolveTag(image: string, ref: ModuleReference): Promise<string> {
    const tagFile = this.tagPath(ref);
    let hub: HubRegistry | undefined;
    try {
      hub = this.hubRegistry();
      const m = await hub.getManifest(ref.name, ref.tag!, this.options.tagTimeoutMs ?? 10_000);
      await this.keepManifest(m.digest, m.bytes);
      if ((await readTextIfExists(tagFile))?.trim() !== m.digest) {
        await writeFileAtomic(tagFile, m.digest, 0o644);
        this.options.log?.(`modules: ${image} is ${m.digest}`);
      }
      return m.digest;
    } catch (err) {
      if (err instanceof ModuleError) throw err;
      if (!(err instanceof RegistryUnreachable)) {
        throw new ModuleError('ErrImagePull', `pulling ${image}: ${(err as Error).message}`);
      }
      const last = (await readTextIfExists(tagFile))?.trim();
      if (last && isSha256Digest(last)) {
        this.options.log?.(`modules: ${(err as Error).message}; using ${image} as last resolved, ${last}`);
        return last;
      }
      throw new ModuleError(
        'ErrImagePull',
        `pulling ${image}: ${(err as Error).message}, and this device never resolved the tag before`,
      );
    } finally {
      hub?.close();
    }
  }

  /** The wasm layer of a manifest: from the cache, else fetched by digest (and then cached). */
  private async layerOf(image: string, name: string, digest: string): Promise<Descriptor> {
    let bytes: Buffer | undefined = await readFile(this.manifestPath(digest)).catch(() => undefined);
    if (!bytes) {
      let hub: HubRegistry | undefined;
      try {
        hub = this.hubRegistry();
        const m = await hub.getManifest(name, digest);
        await this.keepManifest(m.digest, m.bytes);
        bytes = m.bytes;
      } catch (err) {
        if (err instanceof ModuleError) throw err;
        throw new ModuleError('ErrImagePull', `pulling ${image}: ${(err as Error).message}`);
      } finally {
        hub?.close();
      }
    }
    try {
      return wasmLayerOf(parseManifest(bytes));
    } catch (err) {
      throw new ModuleError('ErrImagePull', `pulling ${image}: ${(err as Error).message}`);
    }
  }

  /** Caches a manifest under its digest once it is known to hash to it and to hold a wasm layer. */
  private async keepManifest(digest: string, bytes: Buffer): Promise<void> {
    const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
    if (actual !== digest) throw new Error(`the manifest hashes to ${actual}, not ${digest}`);
    const layer = wasmLayerOf(parseManifest(bytes));
    if (layer.size > MAX_MODULE_BYTES) throw new Error(`the module is larger than ${MAX_MODULE_BYTES} bytes`);
    const path = this.manifestPath(digest);
    if (!(await exists(path))) await writeFileAtomic(path, bytes, 0o644);
  }

  private async downloadLayer(image: string, name: string, layer: Descriptor, path: string): Promise<string> {
    let hub: HubRegistry | undefined;
    try {
      hub = this.hubRegistry();
      const { body, size } = await hub.openBlob(name, layer.digest);
      if (size >= 0 && size !== layer.size) {
        body.destroy();
        throw new Error(`the hub sends ${size} bytes for ${layer.digest}; the manifest says ${layer.size}`);
      }
      const received = await this.receive(body, layer.digest.slice('sha256:'.length), path, image);
      this.options.log?.(`modules: pulled ${image} (${received} bytes, ${layer.digest})`);
      return path;
    } catch (err) {
      if (err instanceof ModuleError) throw err;
      throw new ModuleError('ErrImagePull', `pulling ${image}: ${(err as Error).message}`);
    } finally {
      hub?.close();
    }
  }

  /** Whether running a hub image needs the network: nothing (usable) cached for it. */
  private async hubNeedsDownload(image: string): Promise<boolean> {
    let ref: ModuleReference;
    try {
      ref = this.parseHub(image);
    } catch {
      return false;
    }
    const digest = ref.digest ?? (await readTextIfExists(this.tagPath(ref)))?.trim();
    if (!digest || !isSha256Digest(digest)) return true;
    const bytes = await readFile(this.manifestPath(digest)).catch(() => undefined);
    if (!bytes) return true;
    try {
      const layer = wasmLayerOf(parseManifest(bytes));
      return !(await exists(join(this.cacheDir, layer.digest.slice('sha256:'.length))));
    } catch {
      return true;
    }
  }

  /** A registry client with the node's current identity (re-read each time: certificates rotate). */
  private hubRegistry(): HubRegistry {
    if (this.options.hub) return this.options.hub();
    const path = join(this.dataDir, KUBECONFIG_FILE);
    let config: ReturnType<typeof loadKubeconfig>;
    try {
      config = loadKubeconfig(path);
    } catch (err) {
      throw new RegistryUnreachable(
        `this device has no hub identity (${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
      );
    }
    return new RegistryClient(config);
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
