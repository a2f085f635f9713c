/**
 * The key pair that will sign service-account tokens (sa.key, sa.pub). sa.pub is derivable from
 * sa.key and is rebuilt when missing or wrong; sa.key is never regenerated over a surviving
 * sa.pub, because that would quietly invalidate every token already handed out.
 */
import { createPublicKey } from 'node:crypto';
import { basename } from 'node:path';
import { internalError } from '../api/errors.js';
import { PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readIfExists, writeFilesAtomically } from './files.js';
import { generateKeyPair, privateKeyToPem, publicKeyPemOf, publicKeyToPem } from './keys.js';

export interface ServiceAccountKeys {
  privateKeyPem: string;
  publicKeyPem: string;
}

/** Returns the keys and, when something was written, why (one reason per file name). */
export async function ensureServiceAccountKeys(
  keyPath: string,
  publicPath: string,
): Promise<{ keys: ServiceAccountKeys; written: { file: string; reason: string }[] }> {
  const [keyFile, publicFile] = [basename(keyPath), basename(publicPath)];
  const privateKeyPem = await readIfExists(keyPath);
  const storedPublicKeyPem = await readIfExists(publicPath);
  if (privateKeyPem === null) {
    if (storedPublicKeyPem !== null) {
      throw internalError(
        `${publicPath} exists but ${keyFile} does not; restore it, or remove ${publicFile} ` +
          'to start over (existing service-account tokens then stop working)',
      );
    }
    const pair = await generateKeyPair();
    const keys = {
      privateKeyPem: await privateKeyToPem(pair.privateKey),
      publicKeyPem: await publicKeyToPem(pair.publicKey),
    };
    await writeFilesAtomically([
      { path: keyPath, content: keys.privateKeyPem, mode: PRIVATE_FILE_MODE },
      { path: publicPath, content: keys.publicKeyPem, mode: PUBLIC_FILE_MODE },
    ]);
    const written = [
      { file: keyFile, reason: 'created' },
      { file: publicFile, reason: 'created' },
    ];
    return { keys, written };
  }
  const publicKeyPem = publicKeyPemOf(privateKeyPem, 'the service-account key');
  if (storedPublicKeyPem !== null && samePublicKey(storedPublicKeyPem, publicKeyPem)) {
    return { keys: { privateKeyPem, publicKeyPem: storedPublicKeyPem }, written: [] };
  }
  await writeFilesAtomically([{ path: publicPath, content: publicKeyPem, mode: PUBLIC_FILE_MODE }]);
  const reason = storedPublicKeyPem === null ? 'missing' : `does not match ${keyFile}`;
  return { keys: { privateKeyPem, publicKeyPem }, written: [{ file: publicFile, reason }] };
}

/** Compares keys, not text: another tool may have written the same key with different line breaks. */
function samePublicKey(aPem: string, bPem: string): boolean {
  try {
    const der = (pem: string) => createPublicKey(pem).export({ type: 'spki', format: 'der' });
    return der(aPem).equals(der(bPem));
  } catch {
    return false;
  }
}
