/**
 * Bootstrap tokens in kubeadm's format: `<id>.<secret>` (6 + 16 characters of [a-z0-9]), stored as
 * Secrets `kube-system/bootstrap-token-<id>` of type `bootstrap.kubernetes.io/token`. A device
 * presents one once, to ask for its client certificate.
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import { unauthorized } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';

export const BOOTSTRAP_TOKEN_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
export const MINATO_BOOTSTRAPPERS_GROUP = 'system:bootstrappers:minato';
const TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

export interface BootstrapToken {
  id: string;
  secret: string;
}

export function generateBootstrapToken(): BootstrapToken {
  const pick = (n: number) => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return { id: pick(6), secret: pick(16) };
}

export function formatToken(token: BootstrapToken): string {
  return `${token.id}.${token.secret}`;
}

export function parseToken(text: string): BootstrapToken | undefined {
  const match = TOKEN_PATTERN.exec(text.trim());
  return match ? { id: match[1]!, secret: match[2]! } : undefined;
}

export function bootstrapTokenSecret(
  token: BootstrapToken,
  options: {
    ttlSeconds: number;
    description?: string;
    usages?: string[];
    extraGroups?: string[];
    now?: Date;
  },
): KubeObject {
  const now = options.now ?? new Date();
  const stringData: Record<string, string> = {
    'token-id': token.id,
    'token-secret': token.secret,
    'auth-extra-groups': (options.extraGroups ?? [MINATO_BOOTSTRAPPERS_GROUP]).join(','),
  };
  if (options.ttlSeconds > 0)
    stringData.expiration = new Date(now.getTime() + options.ttlSeconds * 1000)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  if (options.description) stringData.description = options.description;
  for (const usage of options.usages ?? ['authentication', 'signing'])
    stringData[`usage-bootstrap-${usage}`] = 'true';
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: `bootstrap-token-${token.id}`, namespace: 'kube-system' },
    type: BOOTSTRAP_TOKEN_TYPE,
    stringData,
  };
}

function field(secret: KubeObject, key: string): string | undefined {
  const value = secret.data?.[key];
  return typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : undefined;
}

export function tokenExpiry(secret: KubeObject): Date | undefined {
  const text = field(secret, 'expiration');
  return text ? new Date(text) : undefined;
}

/**
 * Checks a presented token against its Secret. Every failure is the same 401 to the caller (no oracle
 * for which part was wrong); the reason is in the message only where it helps an honest user.
 */
export function authenticateBootstrapToken(
  presented: string,
  lookup: (secretName: string) => KubeObject | undefined,
  now = new Date(),
): { name: string; groups: string[] } {
  const token = parseToken(presented);
  if (!token)
    throw unauthorized(
      'invalid bearer token: expected a bootstrap token of the form abcdef.0123456789abcdef',
    );
  const secret = lookup(`bootstrap-token-${token.id}`);
  const stored = secret && secret.type === BOOTSTRAP_TOKEN_TYPE ? field(secret, 'token-secret') : undefined;
  if (
    !stored ||
    stored.length !== token.secret.length ||
    !timingSafeEqual(Buffer.from(stored), Buffer.from(token.secret))
  ) {
    throw unauthorized(
      'invalid bootstrap token: it does not exist on this hub; create one with "minato token create"',
    );
  }
  const expiry = tokenExpiry(secret!);
  if (expiry && expiry.getTime() <= now.getTime()) {
    throw unauthorized(
      `bootstrap token ${token.id} expired at ${expiry.toISOString()}; create a new one with "minato token create"`,
    );
  }
  if (field(secret!, 'usage-bootstrap-authentication') !== 'true') {
    throw unauthorized(`bootstrap token ${token.id} may not be used for authentication`);
  }
  const extra = (field(secret!, 'auth-extra-groups') ?? '')
    .split(',')
    .map((g) => g.trim())
    .filter(Boolean);
  return { name: `system:bootstrap:${token.id}`, groups: [BOOTSTRAPPERS_GROUP, ...extra] };
}
