/**
 * `minato push FILE NAME[:TAG]`: uploads a Wasm module to the hub's registry as an OCI artifact (the
 * module blob, a config blob, the manifest) and prints the pinned reference and the pod image.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { loadKubeconfig } from '../client/kubeconfig.js';
import {
  isWasmBinary,
  WASM_CONFIG_MEDIA_TYPE,
  WASM_LAYER_MEDIA_TYPE,
  wasmConfig,
  wasmManifest,
} from '../registry/artifact.js';
import { type Progress, RegistryClient, type RegistryCredentials } from '../registry/client.js';
import { HUB_IMAGE_PREFIX, parseReference } from '../registry/reference.js';
import { type FlagSpec, parseFlags, UsageError } from './args.js';

export const PUSH_FLAGS: FlagSpec = {
  'data-dir': {
    type: 'string',
    help: 'the hub data dir, for its admin kubeconfig (default ./.minato)',
  },
  kubeconfig: { type: 'string', help: 'push as the user of this kubeconfig instead' },
};

const USAGE = 'usage: minato push FILE NAME[:TAG] [--data-dir DIR | --kubeconfig FILE]';
/** Below this, no progress lines. */
const PROGRESS_FROM_BYTES = 1024 * 1024;

export async function pushCommand(argv: string[]): Promise<void> {
  const [file, target, ...rest] = argv;
  if (!file || !target || file.startsWith('--') || target.startsWith('--')) throw new UsageError(USAGE);
  const flags = parseFlags(rest, PUSH_FLAGS);
  if (flags['data-dir'] !== undefined && flags.kubeconfig !== undefined)
    throw new UsageError('give --data-dir or --kubeconfig, not both');

  const text = target.startsWith(HUB_IMAGE_PREFIX) ? target.slice(HUB_IMAGE_PREFIX.length) : target;
  let ref: ReturnType<typeof parseReference>;
  try {
    ref = parseReference(text);
  } catch (err) {
    throw new UsageError(`${(err as Error).message} (${USAGE})`);
  }
  if (!ref.tag || ref.digest) throw new UsageError(`push to a tag, NAME:TAG, not a digest (${USAGE})`);
  const tag = ref.tag;

  const module = await readModule(file);
  const credentials = loadCredentials(flags);
  const client = new RegistryClient(credentials, 60_000);
  try {
    const progress = module.size >= PROGRESS_FROM_BYTES ? progressPrinter(module.size) : undefined;
    const layerResult = await client.pushBlob(
      ref.name,
      module.digest,
      module.size,
      () => createReadStream(file),
      progress?.update,
    );
    progress?.done(layerResult);
    const config = wasmConfig(module.digest);
    const configDigest = sha256(config);
    await client.pushBlob(ref.name, configDigest, config.length, () => Readable.from([config]));
    const manifest = wasmManifest(
      { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: configDigest, size: config.length },
      { mediaType: WASM_LAYER_MEDIA_TYPE, digest: module.digest, size: module.size },
      basename(file),
    );
    const expected = sha256(manifest);
    const digest = await client.putManifest(ref.name, tag, manifest);
    if (digest && digest !== expected)
      throw new Error(`the hub stored the manifest as ${digest}, but it hashes to ${expected}`);
    console.log(
      `pushed ${ref.name}:${tag}: module ${module.digest} (${module.size} bytes${layerResult === 'exists' ? ', already on the hub' : ''}), manifest ${expected}`,
    );
    console.log(`reference: ${ref.name}@${expected}`);
    console.log(`image:     ${HUB_IMAGE_PREFIX}${ref.name}@${expected}`);
    console.log(`           (or ${HUB_IMAGE_PREFIX}${ref.name}:${tag} to follow the tag)`);
  } finally {
    client.close();
  }
}

async function readModule(file: string): Promise<{ size: number; digest: string }> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new UsageError(`${file} is not a file`);
  const handle = await open(file, 'r');
  const head = Buffer.alloc(8);
  try {
    await handle.read(head, 0, 8, 0);
  } finally {
    await handle.close();
  }
  if (!isWasmBinary(head))
    throw new UsageError(`${file} is not a WebAssembly module (no \\0asm header); push compiled .wasm files`);
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return { size: info.size, digest: `sha256:${hash.digest('hex')}` };
}

function loadCredentials(flags: Record<string, string | number | boolean>): RegistryCredentials {
  const explicit = flags.kubeconfig !== undefined;
  const dataDir = String(flags['data-dir'] ?? './.minato');
  const path = explicit ? String(flags.kubeconfig) : join(dataDir, 'admin.kubeconfig');
  if (!existsSync(path)) {
    throw new UsageError(
      explicit
        ? `no kubeconfig at ${path}`
        : `no admin kubeconfig at ${path}: start the hub first with "minato up --data-dir ${dataDir}", or pass --kubeconfig`,
    );
  }
  const c = loadKubeconfig(path);
  return { server: c.server, caPem: c.caPem, certPem: c.certPem, keyPem: c.keyPem, token: c.token };
}

function sha256(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Bytes sent on stderr: one updating line on a terminal, else a line every 10 %. */
function progressPrinter(total: number): {
  update: (p: Progress) => void;
  done: (result: 'uploaded' | 'exists') => void;
} {
  const tty = process.stderr.isTTY;
  let lastStep = -1;
  let lastDraw = 0;
  const line = (sent: number) =>
    `uploading module: ${mib(sent)} / ${mib(total)} MiB (${Math.floor((sent / total) * 100)}%)`;
  return {
    update({ sent }) {
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && sent < total) return;
        lastDraw = now;
        process.stderr.write(`\r${line(sent)}`);
        return;
      }
      const step = Math.floor((sent / total) * 10);
      if (step === lastStep) return;
      lastStep = step;
      process.stderr.write(`${line(sent)}\n`);
    },
    done(result) {
      if (result === 'exists')
        process.stderr.write(`module already on the hub (${mib(total)} MiB), not sent\n`);
      else if (tty) process.stderr.write('\n');
    },
  };
}

function mib(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
