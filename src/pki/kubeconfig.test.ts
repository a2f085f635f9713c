import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { isApiError } from '../api/errors.js';
import { identityFromPeerCertificate } from './identity.js';
import { renderKubeconfig, writeAdminKubeconfig } from './kubeconfig.js';
import { ensureClusterPki } from './store.js';

const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const b64 = (s: string) => Buffer.from(s).toString('base64');

test('renderKubeconfig embeds certificate credentials as base64', () => {
  const config = parse(
    renderKubeconfig({
      clusterName: 'minato',
      server: 'https://127.0.0.1:6443',
      caPem: CA,
      user: 'alice',
      clientCertPem: 'CERT',
      clientKeyPem: 'KEY',
    }),
  );
  assert.equal(config.kind, 'Config');
  assert.equal(config['current-context'], 'alice@minato');
  assert.deepEqual(config.clusters, [
    { name: 'minato', cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority-data': b64(CA) } },
  ]);
  assert.deepEqual(config.users, [
    { name: 'alice', user: { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') } },
  ]);
  assert.deepEqual(config.contexts, [
    { name: 'alice@minato', context: { cluster: 'minato', user: 'alice' } },
  ]);
});

test('renderKubeconfig supports bearer tokens and refuses plain http', () => {
  const config = parse(
    renderKubeconfig({
      clusterName: 'minato',
      server: 'https://hub:6443',
      caPem: CA,
      user: 'drone',
      token: 'abc.def',
      namespace: 'fleet',
    }),
  );
  assert.deepEqual(config.users[0].user, { token: 'abc.def' });
  assert.equal(config.contexts[0].context.namespace, 'fleet');
  assert.throws(
    () => renderKubeconfig({ clusterName: 'm', server: 'http://hub', caPem: CA, user: 'u', token: 't' }),
    (err) => isApiError(err) && err.code === 400,
  );
});

test('writeAdminKubeconfig writes DIR/admin.kubeconfig with mode 0600', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'minato-kubeconfig-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  await assert.rejects(
    writeAdminKubeconfig(dataDir, 'https://127.0.0.1:6443'),
    /create the cluster PKI first/,
  );
  const pki = await ensureClusterPki(dataDir);
  const path = await writeAdminKubeconfig(dataDir, 'https://127.0.0.1:6443');
  assert.equal(path, join(dataDir, 'admin.kubeconfig'));
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  const config = parse(await readFile(path, 'utf8'));
  assert.equal(config.users[0].user['client-key-data'], b64(pki.admin.keyPem));
  assert.equal(config.clusters[0].cluster['certificate-authority-data'], b64(pki.ca.certPem));
});

async function findOnPath(command: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

const kubectl = await findOnPath('kubectl');

test('kubectl accepts the written kubeconfig and the ECDSA certificates', {
  skip: !kubectl && 'kubectl not on PATH',
}, async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'minato-kubectl-'));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const pki = await ensureClusterPki(dataDir);
  const users = new Set<string>();
  const server = createServer(
    {
      cert: pki.server.certPem,
      key: pki.server.keyPem,
      ca: pki.ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      if (!socket.authorized) {
        res.writeHead(401).end();
        return;
      }
      users.add(identityFromPeerCertificate(socket.getPeerCertificate()).user);
      if (req.url?.split('?')[0] !== '/version') {
        res.writeHead(404).end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ major: '1', minor: '32', gitVersion: 'v1.32.0' }));
    },
  );
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const kubeconfig = await writeAdminKubeconfig(dataDir, `https://127.0.0.1:${port}`);

  // Async on purpose: the server answering kubectl runs in this same process.
  const { stdout } = await promisify(execFile)(
    kubectl!,
    ['--kubeconfig', kubeconfig, 'version', '--client=false', '-o', 'json'],
    { timeout: 60_000, env: { ...process.env, HOME: dataDir, KUBECONFIG: '' } },
  );
  assert.equal(JSON.parse(stdout).serverVersion.gitVersion, 'v1.32.0');
  assert.deepEqual([...users], ['minato-admin']);
});
