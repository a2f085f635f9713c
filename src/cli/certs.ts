/** `minato certs renew`: reissue the hub's serving and admin certificates from the cluster CA. */
import { existsSync } from 'node:fs';
import { unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ensureCertificates } from '../hub/control-plane.js';
import { readHubConfig } from '../init/hub-config.js';
import { serverUrl } from '../init/phases.js';
import { PKI_FILES, writeAdminKubeconfig } from '../pki/index.js';
import { parseFlags, UsageError } from './args.js';

export async function certsCommand(argv: string[]): Promise<void> {
  const [sub, ...rest] = argv;
  if (sub !== 'renew') throw new UsageError('usage: minato certs renew [--data-dir DIR]');
  const flags = parseFlags(rest, {
    'data-dir': { type: 'string', default: './.minato', help: 'the hub data dir' },
  });
  const dataDir = resolve(String(flags['data-dir']));
  const pki = join(dataDir, 'pki');
  if (!existsSync(join(pki, PKI_FILES.caCert)))
    throw new UsageError(`no cluster CA in ${pki}: run "minato init" or "minato up" first`);
  for (const file of [PKI_FILES.serverCert, PKI_FILES.serverKey, PKI_FILES.adminCert, PKI_FILES.adminKey]) {
    await unlink(join(pki, file)).catch(() => undefined);
  }
  const config = readHubConfig(dataDir);
  await ensureCertificates(dataDir, config?.advertise ?? [], (line) => console.log(line));
  if (config) await writeAdminKubeconfig(dataDir, serverUrl(config));
  console.log('serving and admin certificates renewed from the cluster CA.');
  console.log(
    'a running hub picks them up on SIGHUP (kill -HUP <hub pid>) or restart; devices keep working (same CA).',
  );
  if (!config)
    console.log(
      `admin.kubeconfig: re-run "minato up --data-dir ${dataDir}" to rewrite it with the new client certificate.`,
    );
}
