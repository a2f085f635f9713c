/**
 * OCI image manifests and the Wasm artifact layout (CNCF TAG Runtime): a manifest of media type
 * application/vnd.oci.image.manifest.v1+json whose config is application/vnd.wasm.config.v0+json and
 * whose one layer is the module, application/wasm. Building (push), validating (the registry) and
 * reading (the agent) live here so the three agree.
 */
import { registryError } from './errors.js';
import { isSha256Digest } from './reference.js';

export const OCI_MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const WASM_CONFIG_MEDIA_TYPE = 'application/vnd.wasm.config.v0+json';
export const WASM_LAYER_MEDIA_TYPE = 'application/wasm';

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

const MEDIA_TYPE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;
export const MAX_LAYERS = 256;

/** The first bytes of every WebAssembly binary (magic and version 1). */
export function isWasmBinary(head: Uint8Array): boolean {
  return head.length >= 8 && head[0] === 0 && head[1] === 0x61 && head[2] === 0x73 && head[3] === 0x6d;
}

/**
 * The config blob: architecture "wasm", os "wasip1" (a WASI preview1 module) and the layer digests.
 * No creation time, so pushing the same module twice gives the same manifest digest.
 */
export function wasmConfig(layerDigest: string): Buffer {
  return Buffer.from(JSON.stringify({ architecture: 'wasm', os: 'wasip1', layerDigests: [layerDigest] }));
}

export function wasmManifest(config: Descriptor, layer: Descriptor, title?: string): Buffer {
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: OCI_MANIFEST_MEDIA_TYPE,
    config: { mediaType: WASM_CONFIG_MEDIA_TYPE, digest: config.digest, size: config.size },
    layers: [
      {
        mediaType: WASM_LAYER_MEDIA_TYPE,
        digest: layer.digest,
        size: layer.size,
        ...(title ? { annotations: { 'org.opencontainers.image.title': title } } : {}),
      },
    ],
  };
  return Buffer.from(JSON.stringify(manifest));
}

/** Parses and validates an OCI image manifest; MANIFEST_INVALID names what is wrong. */
export function parseManifest(bytes: Buffer, contentType?: string): ImageManifest {
  const invalid = (why: string) => registryError('MANIFEST_INVALID', `invalid manifest: ${why}`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw invalid(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) throw invalid('not a JSON object');
  if (value.schemaVersion !== 2) throw invalid('schemaVersion must be 2');
  if (value.mediaType !== undefined && value.mediaType !== OCI_MANIFEST_MEDIA_TYPE) {
    throw invalid(
      `mediaType is "${String(value.mediaType)}"; only ${OCI_MANIFEST_MEDIA_TYPE} is stored here`,
    );
  }
  if (contentType !== undefined && value.mediaType !== undefined && contentType !== value.mediaType) {
    throw invalid(`Content-Type ${contentType} does not match the manifest's mediaType ${value.mediaType}`);
  }
  if (value.artifactType !== undefined && !isMediaType(value.artifactType))
    throw invalid('artifactType is not a media type');
  const config = descriptor(value.config, 'config', invalid);
  if (!Array.isArray(value.layers)) throw invalid('layers must be an array');
  if (value.layers.length > MAX_LAYERS) throw invalid(`more than ${MAX_LAYERS} layers`);
  const layers = value.layers.map((l, i) => descriptor(l, `layers[${i}]`, invalid));
  return { ...(value as object), schemaVersion: 2, config, layers } as ImageManifest;
}

/** The module in a Wasm artifact: its one application/wasm layer. */
export function wasmLayerOf(manifest: ImageManifest): Descriptor {
  const wasm = manifest.layers.filter((l) => l.mediaType === WASM_LAYER_MEDIA_TYPE);
  if (wasm.length !== 1) {
    const types = manifest.layers.map((l) => l.mediaType).join(', ') || 'none';
    throw registryError(
      'MANIFEST_INVALID',
      `not a Wasm module artifact: expected one ${WASM_LAYER_MEDIA_TYPE} layer, found layers: ${types}`,
    );
  }
  return wasm[0]!;
}

function descriptor(value: unknown, where: string, invalid: (why: string) => Error): Descriptor {
  if (!isObject(value)) throw invalid(`${where} must be a descriptor object`);
  if (!isMediaType(value.mediaType)) throw invalid(`${where}.mediaType is missing or not a media type`);
  if (typeof value.digest !== 'string' || !isSha256Digest(value.digest))
    throw invalid(`${where}.digest must be sha256:<64 lowercase hex digits>`);
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0)
    throw invalid(`${where}.size must be a non-negative integer`);
  return value as unknown as Descriptor;
}

function isMediaType(value: unknown): value is string {
  return typeof value === 'string' && MEDIA_TYPE.test(value);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
