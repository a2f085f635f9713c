/**
 * Encryption at rest for sensitive keys (Secrets): AES-256-GCM with a key ring kept in the data dir.
 * Values are stored as `k8s:enc:aesgcm:v1:<key id>:<base64 of iv | ciphertext | tag>`, so old values
 * stay readable after a rotation until they are rewritten with the current key.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { PRIVATE_MODE, writeFileAtomic } from '../common/atomic-file.js';

const PREFIX = 'k8s:enc:aesgcm:v1:';
export const ENCRYPTION_KEY_RING_FILE = 'encryption-keys.json';

export interface KeyRing {
  current: string;
  keys: Record<string, string>;
}

export interface ValueTransformer {
  /** Whether values under this key are sensitive. */
  applies(key: string): boolean;
  encode(plaintext: string): string;
  decode(stored: string): string;
}

export function newKeyRing(previous?: KeyRing): KeyRing {
  const id = `key${Object.keys(previous?.keys ?? {}).length + 1}-${randomBytes(3).toString('hex')}`;
  return { current: id, keys: { ...(previous?.keys ?? {}), [id]: randomBytes(32).toString('base64') } };
}

export function readKeyRing(path: string): KeyRing | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as KeyRing;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read the encryption key ring ${path}: ${(err as Error).message}`);
  }
}

export async function writeKeyRing(path: string, ring: KeyRing): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(ring, null, 2)}\n`, PRIVATE_MODE);
}

export class AesGcmTransformer implements ValueTransformer {
  private readonly keys: Map<string, Buffer>;

  constructor(
    private readonly ring: KeyRing,
    private readonly sensitivePrefixes: string[] = ['/core/secrets/'],
  ) {
    this.keys = new Map(Object.entries(ring.keys).map(([id, b64]) => [id, Buffer.from(b64, 'base64')]));
    if (!this.keys.has(ring.current)) throw new Error(`the encryption key ring has no key "${ring.current}"`);
  }

  get currentKeyId(): string {
    return this.ring.current;
  }

  applies(key: string): boolean {
    return this.sensitivePrefixes.some((p) => key.startsWith(p));
  }

  encode(plaintext: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.ring.current)!, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return `${PREFIX}${this.ring.current}:${Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64')}`;
  }

  /** Plaintext rows (written before encryption was on) pass through, so enabling it needs no migration. */
  decode(stored: string): string {
    if (!stored.startsWith(PREFIX)) return stored;
    const rest = stored.slice(PREFIX.length);
    const colon = rest.indexOf(':');
    const id = rest.slice(0, colon);
    const key = this.keys.get(id);
    if (!key) throw new Error(`a stored value is encrypted with key "${id}", which is not in the key ring`);
    const raw = Buffer.from(rest.slice(colon + 1), 'base64');
    const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    return Buffer.concat([decipher.update(raw.subarray(12, raw.length - 16)), decipher.final()]).toString(
      'utf8',
    );
  }

  /** Whether a stored value needs rewriting to be under the current key. */
  isStale(stored: string): boolean {
    return !stored.startsWith(`${PREFIX}${this.ring.current}:`);
  }
}
