/** `minato token create|list|delete`: bootstrap tokens for joining devices. */
import type { KubeObject } from '../api/types.js';
import {
  bootstrapTokenSecret,
  formatToken,
  generateBootstrapToken,
  tokenExpiry,
} from '../hub/auth/bootstrap-tokens.js';
import { type FlagSpec, parseFlags, UsageError } from './args.js';
import { adminConnection, hubRequest } from './hub-api.js';

export const TOKEN_FLAGS: FlagSpec = {
  'data-dir': { type: 'string', default: './.minato', help: 'the hub data dir (for its admin kubeconfig)' },
  ttl: { type: 'string', default: '24h', help: 'how long the token is valid: 30m, 24h, 7d, or 0 for never' },
  description: { type: 'string', default: '', help: 'a note shown by "minato token list"' },
  usages: {
    type: 'string',
    default: 'authentication,signing',
    help: 'what the token may do: authentication (join devices), signing (sign cluster-info), comma-separated',
  },
};

const SECRETS = '/api/v1/namespaces/kube-system/secrets';

export function parseDuration(text: string): number {
  const match = /^(\d+)(s|m|h|d)?$/.exec(text.trim());
  if (!match) throw new UsageError(`invalid duration "${text}": use a number with s, m, h or d, e.g. 24h`);
  const unit = { s: 1, m: 60, h: 3600, d: 86400 }[(match[2] ?? 's') as 's' | 'm' | 'h' | 'd'];
  return Number(match[1]) * unit;
}

const USAGES = ['authentication', 'signing'];

export function parseUsages(text: string): string[] {
  const usages = text
    .split(',')
    .map((u) => u.trim())
    .filter(Boolean);
  const unknown = usages.filter((u) => !USAGES.includes(u));
  if (unknown.length > 0 || usages.length === 0) {
    throw new UsageError(`invalid --usages "${text}": use one or more of ${USAGES.join(', ')}`);
  }
  return usages;
}

export async function createToken(
  dataDir: string,
  ttlSeconds: number,
  description = '',
  usages = USAGES,
): Promise<string> {
  const hub = await adminConnection(dataDir);
  const token = generateBootstrapToken();
  await hubRequest(hub, 'POST', SECRETS, bootstrapTokenSecret(token, { ttlSeconds, description, usages }));
  return formatToken(token);
}

export async function tokenCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub === 'create') {
    const flags = parseFlags(rest, TOKEN_FLAGS);
    console.log(
      await createToken(
        String(flags['data-dir']),
        parseDuration(String(flags.ttl)),
        String(flags.description),
        parseUsages(String(flags.usages)),
      ),
    );
    return;
  }
  if (sub === 'list') {
    const flags = parseFlags(rest, { 'data-dir': TOKEN_FLAGS['data-dir']! });
    const hub = await adminConnection(String(flags['data-dir']));
    const list = await hubRequest<{ items: KubeObject[] }>(
      hub,
      'GET',
      `${SECRETS}?fieldSelector=type%3Dbootstrap.kubernetes.io%2Ftoken`,
    );
    console.log(`${'TOKEN ID'.padEnd(10)}${'EXPIRES'.padEnd(24)}DESCRIPTION`);
    for (const s of list.items) {
      const id = Buffer.from(s.data?.['token-id'] ?? '', 'base64').toString();
      const expiry = tokenExpiry(s);
      const description = Buffer.from(s.data?.description ?? '', 'base64').toString();
      console.log(`${id.padEnd(10)}${(expiry ? expiry.toISOString() : 'never').padEnd(26)}${description}`);
    }
    return;
  }
  if (sub === 'delete') {
    const [id, ...flagArgs] = rest;
    if (!id) throw new UsageError('usage: minato token delete TOKEN_ID [--data-dir DIR]');
    const flags = parseFlags(flagArgs, { 'data-dir': TOKEN_FLAGS['data-dir']! });
    const hub = await adminConnection(String(flags['data-dir']));
    await hubRequest(hub, 'DELETE', `${SECRETS}/bootstrap-token-${id.split('.')[0]}`);
    console.log(`token ${id.split('.')[0]} deleted`);
    return;
  }
  throw new UsageError('usage: minato token create|list|delete [flags]');
}
