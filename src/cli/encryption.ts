/** `minato encryption rotate-key`: a new key for Secrets at rest; the hub re-encrypts on its next start. */
import { join } from 'node:path';
import { ENCRYPTION_KEY_RING_FILE, newKeyRing, readKeyRing, writeKeyRing } from '../store/encryption.js';
import { parseFlags, UsageError } from './args.js';

export async function encryptionCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'rotate-key') throw new UsageError('usage: minato encryption rotate-key [--data-dir DIR]');
  const flags = parseFlags(rest, {
    'data-dir': { type: 'string', default: './.minato', help: 'the hub data dir' },
  });
  const path = join(String(flags['data-dir']), 'pki', ENCRYPTION_KEY_RING_FILE);
  const previous = readKeyRing(path);
  if (!previous) throw new UsageError(`no key ring at ${path}: start the hub once with "minato up" first`);
  const ring = newKeyRing(previous);
  await writeKeyRing(path, ring);
  console.log(
    `new encryption key ${ring.current} is current (${Object.keys(ring.keys).length} keys in the ring).`,
  );
  console.log(
    'restart the hub: on start it re-encrypts every stored Secret with the new key; older keys stay to read backups.',
  );
}
