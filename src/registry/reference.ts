/**
 * Module names, tags, digests and references, as the OCI distribution spec spells them, plus the one
 * image syntax pod specs use for modules stored on the hub: `hub/NAME[:TAG][@sha256:HEX]`.
 * Shared by the hub's registry, `minato push`, the node authorizer and the agent (no hub code here).
 */
import { registryError } from './errors.js';

/** Pod images naming the hub's registry start with this; the rest is an OCI reference. */
export const HUB_IMAGE_PREFIX = 'hub/';
export const DEFAULT_TAG = 'latest';
/** The API group and resource registry requests are authorized as (RBAC, node restriction). */
export const REGISTRY_API_GROUP = 'registry.minato.dev';
export const REGISTRY_RESOURCE = 'modules';

const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const SHA256 = /^sha256:[0-9a-f]{64}$/;
/** Any digest shape (algorithm:encoded); only sha256 is supported. */
const ANY_DIGEST = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
export const MAX_NAME_LENGTH = 255;

export function isValidName(name: string): boolean {
  return name.length <= MAX_NAME_LENGTH && NAME.test(name);
}

export function isValidTag(tag: string): boolean {
  return TAG.test(tag);
}

export function isSha256Digest(value: string): boolean {
  return SHA256.test(value);
}

/** Whether a path segment is meant as a digest (contains ':'), supported or not. */
export function looksLikeDigest(value: string): boolean {
  return value.includes(':');
}

/** Throws DIGEST_INVALID (or UNSUPPORTED for another algorithm) unless `value` is sha256:<64 hex>. */
export function checkDigest(value: string): string {
  if (SHA256.test(value)) return value;
  if (ANY_DIGEST.test(value) && !value.startsWith('sha256:')) {
    throw registryError(
      'DIGEST_INVALID',
      `digest "${value}" uses an algorithm this registry does not support; use sha256:<64 lowercase hex digits>`,
    );
  }
  throw registryError(
    'DIGEST_INVALID',
    `"${value}" is not a digest; expected sha256:<64 lowercase hex digits>`,
  );
}

export function checkName(name: string): string {
  if (isValidName(name)) return name;
  throw registryError(
    'NAME_INVALID',
    name.length > MAX_NAME_LENGTH
      ? `repository name is longer than ${MAX_NAME_LENGTH} characters`
      : `invalid repository name "${name}": use lowercase letters and digits separated by ".", "_", "__" or "-", with "/" between components`,
  );
}

export function checkTag(tag: string): string {
  if (isValidTag(tag)) return tag;
  throw registryError(
    'MANIFEST_INVALID',
    `invalid tag "${tag}": up to 128 of [A-Za-z0-9_.-], not starting with "." or "-"`,
  );
}

export interface ModuleReference {
  name: string;
  /** Absent when only a digest was given. */
  tag?: string;
  /** sha256:<hex> of the manifest; wins over the tag when both are given. */
  digest?: string;
}

/** `NAME[:TAG][@sha256:HEX]`; neither tag nor digest means the tag `latest`. Throws NAME_INVALID et al. */
export function parseReference(text: string): ModuleReference {
  const at = text.indexOf('@');
  const head = at < 0 ? text : text.slice(0, at);
  const digest = at < 0 ? undefined : checkDigest(text.slice(at + 1));
  const colon = head.indexOf(':');
  const name = checkName(colon < 0 ? head : head.slice(0, colon));
  const tag = colon < 0 ? undefined : checkTag(head.slice(colon + 1));
  if (!tag && !digest) return { name, tag: DEFAULT_TAG };
  return { name, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

export function formatReference(ref: ModuleReference): string {
  return `${ref.name}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}

/** Whether a pod image names the hub's registry (`hub/…`). */
export function isHubImage(image: string): boolean {
  return image.startsWith(HUB_IMAGE_PREFIX);
}

/** The reference inside a `hub/…` image; undefined for other images; throws when it is malformed. */
export function parseHubImage(image: string): ModuleReference | undefined {
  if (!isHubImage(image)) return undefined;
  return parseReference(image.slice(HUB_IMAGE_PREFIX.length));
}

/** The repository name a `hub/…` image pulls from, or undefined (not a hub image, or malformed). */
export function hubImageName(image: string): string | undefined {
  try {
    return parseHubImage(image)?.name;
  } catch {
    return undefined;
  }
}
