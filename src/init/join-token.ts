import type { KubeObject } from '../api/types.js';
import {
  bootstrapTokenSecret,
  formatToken,
  generateBootstrapToken,
  tokenExpiry,
} from '../hub/auth/bootstrap-tokens.js';
import type { ObjectService } from '../hub/objects/object-service.js';

const UP_TOKEN_DESCRIPTION = 'printed by minato up';
const UP_TOKEN_TTL_SECONDS = 24 * 3600;

/** The token `minato up` prints: reused while it has more than an hour left, replaced otherwise. */
export async function ensureJoinToken(objects: ObjectService): Promise<string> {
  const secrets = objects.registry.lookup('', 'v1', 'secrets')!;
  const decode = (s: KubeObject, k: string) => Buffer.from(s.data?.[k] ?? '', 'base64').toString();
  const usable = objects
    .list(secrets, 'kube-system', { fieldSelector: 'type=bootstrap.kubernetes.io/token' })
    .items.find(
      (s) =>
        decode(s, 'description') === UP_TOKEN_DESCRIPTION &&
        (tokenExpiry(s)?.getTime() ?? 0) > Date.now() + 3600_000,
    );
  if (usable) return `${decode(usable, 'token-id')}.${decode(usable, 'token-secret')}`;
  const token = generateBootstrapToken();
  await objects.create(
    secrets,
    'kube-system',
    bootstrapTokenSecret(token, { ttlSeconds: UP_TOKEN_TTL_SECONDS, description: UP_TOKEN_DESCRIPTION }),
    {
      fieldManager: 'minato',
    },
  );
  return formatToken(token);
}

/** Every bootstrap token that can still authenticate: cluster-info carries a signature for each. */
export function validJoinTokens(objects: ObjectService, now = Date.now()): { id: string; secret: string }[] {
  const secrets = objects.registry.lookup('', 'v1', 'secrets')!;
  const decode = (s: KubeObject, k: string) => Buffer.from(s.data?.[k] ?? '', 'base64').toString();
  return objects
    .list(secrets, 'kube-system', { fieldSelector: 'type=bootstrap.kubernetes.io/token' })
    .items.filter((s) => (tokenExpiry(s)?.getTime() ?? Number.POSITIVE_INFINITY) > now)
    .map((s) => ({ id: decode(s, 'token-id'), secret: decode(s, 'token-secret') }))
    .sort((a, b) => a.id.localeCompare(b.id));
}
