/**
 * `minato join`: on the hub, `--print` prints a ready-to-run join command with a fresh token
 * (like `kubeadm token create --print-join-command`); on a device, it is `minato agent` and joins.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { caCertHash } from '../pki/index.js';
import { type FlagSpec, parseFlags } from './args.js';
import { adminConnection } from './hub-api.js';
import { createToken, parseDuration } from './token.js';

const PRINT_FLAGS: FlagSpec = {
  print: { type: 'boolean', default: false, help: 'print the join command (run on the hub)' },
  'data-dir': { type: 'string', default: './.minato', help: 'the hub data dir' },
  ttl: { type: 'string', default: '24h', help: 'how long the printed token is valid' },
};

export async function joinCommand(argv: string[]): Promise<void> {
  if (!argv.includes('--print')) {
    const { agentCommand } = await import('../agent/cli.js');
    return agentCommand(argv);
  }
  const flags = parseFlags(argv, PRINT_FLAGS);
  const dataDir = String(flags['data-dir']);
  const hub = await adminConnection(dataDir);
  const token = await createToken(
    dataDir,
    parseDuration(String(flags.ttl)),
    'printed by minato join --print',
  );
  const hash = caCertHash(await readFile(join(dataDir, 'pki', 'ca.crt'), 'utf8'));
  console.log(`minato join --server ${hub.server} --token ${token} --ca-cert-hash ${hash}`);
}

export const JOIN_FLAGS = PRINT_FLAGS;
