import assert from 'node:assert/strict';
import { webcrypto, X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { isApiError } from '../api/errors.js';
import { createCertificateAuthority, loadCertificateAuthority } from './ca.js';
import { identityFromPeerCertificate } from './identity.js';
import { issueClientCertificate, issueServingCertificate } from './issue.js';
import { x509 } from './x509.js';

interface SeenByServer {
  authorized: boolean;
  identity?: { user: string; groups: string[] };
  error?: string;
}

test('TLS round trip: the hub verifies the client certificate and the client verifies the hub', async (t) => {
  const pair = await createCertificateAuthority({ commonName: 'tls-test-ca' });
  const ca = await loadCertificateAuthority(pair.certPem, pair.keyPem);
  const serving = await issueServingCertificate(ca, {
    commonName: 'minato-hub',
    dnsNames: ['localhost'],
    ipAddresses: ['127.0.0.1', '::1'],
  });
  const client = await issueClientCertificate(ca, {
    commonName: 'alice',
    organizations: ['system:masters', 'team-a'],
  });

  const server = createServer(
    {
      cert: serving.certPem,
      key: serving.keyPem,
      ca: ca.certPem,
      requestCert: true,
      rejectUnauthorized: false,
    },
    (req, res) => {
      const socket = req.socket as TLSSocket;
      const seen: SeenByServer = { authorized: socket.authorized };
      try {
        if (socket.authorized) seen.identity = identityFromPeerCertificate(socket.getPeerCertificate());
      } catch (err) {
        seen.error = (err as Error).message;
      }
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(seen));
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const call = async (options: { cert?: string; key?: string; ca?: string; servername?: string }) => {
    const req = request({ host: '127.0.0.1', port, path: '/', ...options });
    req.end();
    const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
    const serverCert = (res.socket as TLSSocket).getPeerCertificate();
    let body = '';
    for await (const chunk of res) body += chunk;
    return { seen: JSON.parse(body) as SeenByServer, serverCert };
  };

  // The client trusts only our CA; a successful request proves the serving cert verified for 127.0.0.1.
  const withCert = await call({ cert: client.certPem, key: client.keyPem, ca: ca.certPem });
  assert.deepEqual(withCert.seen, {
    authorized: true,
    identity: { user: 'alice', groups: ['system:masters', 'team-a'] },
  });
  assert.equal(withCert.serverCert.subject.CN, 'minato-hub');

  // The same identity can be read from either certificate class.
  assert.deepEqual(identityFromPeerCertificate(new X509Certificate(client.certPem)), {
    user: 'alice',
    groups: ['system:masters', 'team-a'],
  });
  assert.deepEqual(identityFromPeerCertificate(new x509.X509Certificate(client.certPem)).user, 'alice');

  // Without a client certificate the connection still works, but nobody is authenticated.
  const anonymous = await call({ ca: ca.certPem });
  assert.equal(anonymous.seen.authorized, false);

  // A client certificate from a different CA is not accepted as an identity.
  const strangerPair = await createCertificateAuthority({ commonName: 'stranger-ca' });
  const stranger = await issueClientCertificate(
    await loadCertificateAuthority(strangerPair.certPem, strangerPair.keyPem),
    {
      commonName: 'mallory',
    },
  );
  const foreign = await call({ cert: stranger.certPem, key: stranger.keyPem, ca: ca.certPem });
  assert.equal(foreign.seen.authorized, false);

  // The client refuses a hub whose certificate does not chain to the CA it trusts.
  await assert.rejects(call({ ca: strangerPair.certPem }), /certificate/);
  // ...and a host name the serving certificate does not cover.
  await assert.rejects(call({ ca: ca.certPem, servername: 'elsewhere.example' }), /altnames|Hostname/i);
});

test('identityFromPeerCertificate refuses when there is no certificate or no common name', async () => {
  const isUnauthorized = (err: unknown) => isApiError(err) && err.code === 401;
  const empty = {} as import('node:tls').PeerCertificate;
  assert.throws(() => identityFromPeerCertificate(empty), isUnauthorized);

  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const groupOnly = await x509.X509CertificateGenerator.createSelfSigned({
    name: [{ O: ['system:masters'] }],
    keys,
    signingAlgorithm: algorithm,
  });
  assert.throws(() => identityFromPeerCertificate(groupOnly), isUnauthorized);
});
