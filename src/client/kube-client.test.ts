import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { isApiError } from '../api/errors.js';
import {
  createCertificateAuthority,
  issueServingCertificate,
  loadCertificateAuthority,
} from '../pki/index.js';
import { isTransportError } from './errors.js';
import { KubeClient } from './kube-client.js';
import { ListWatcher } from './list-watch.js';

let server: Server;
let url: string;
let caPem: string;
const seen: { method: string; url: string; contentType?: string; body: string; auth?: string }[] = [];
let handler: (req: IncomingMessage, res: ServerResponse, body: string) => void = () => {};

before(async () => {
  const caPair = await createCertificateAuthority({ commonName: 'test-ca' });
  const ca = await loadCertificateAuthority(caPair.certPem, caPair.keyPem);
  const serving = await issueServingCertificate(ca, { commonName: 'hub', ipAddresses: ['127.0.0.1'] });
  caPem = caPair.certPem;
  server = createServer({ key: serving.keyPem, cert: serving.certPem }, (req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      seen.push({
        method: req.method!,
        url: req.url!,
        contentType: req.headers['content-type'],
        body,
        auth: req.headers.authorization,
      });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

const json = (res: ServerResponse, code: number, body: unknown) => {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

test('verbs send the right method, content type, body and token; replies are parsed', async () => {
  handler = (_req, res) => json(res, 200, { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p' } });
  const client = new KubeClient({ server: url, caPem, token: 'abcdef.0123456789abcdef' });
  seen.length = 0;
  await client.get('/api/v1/namespaces/default/pods/p');
  await client.create('/api/v1/namespaces/default/pods', { metadata: { name: 'p' } });
  await client.update('/api/v1/namespaces/default/pods/p', { metadata: { name: 'p' } });
  await client.patch('/api/v1/namespaces/default/pods/p', { spec: {} }, 'strategic');
  await client.patch('/api/v1/namespaces/default/pods/p', [{ op: 'test', path: '/a', value: 1 }], 'json');
  await client.delete('/api/v1/namespaces/default/pods/p', {
    gracePeriodSeconds: 0,
    preconditions: { uid: 'u1' },
  });
  assert.deepEqual(
    seen.map((s) => [s.method, s.contentType]),
    [
      ['GET', undefined],
      ['POST', 'application/json'],
      ['PUT', 'application/json'],
      ['PATCH', 'application/strategic-merge-patch+json'],
      ['PATCH', 'application/json-patch+json'],
      ['DELETE', 'application/json'],
    ],
  );
  assert.ok(seen.every((s) => s.auth === 'Bearer abcdef.0123456789abcdef'));
  assert.deepEqual(JSON.parse(seen[5]!.body), {
    apiVersion: 'v1',
    kind: 'DeleteOptions',
    gracePeriodSeconds: 0,
    preconditions: { uid: 'u1' },
  });
  const traffic = client.traffic();
  assert.equal(traffic.requests, 6);
  assert.ok(traffic.bytesSent > 0 && traffic.bytesReceived > 0);
  client.close();
});

test('HTTP errors become ApiErrors from their Status', async () => {
  handler = (_req, res) =>
    json(res, 409, {
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'AlreadyExists',
      code: 409,
      message: 'x exists',
    });
  const client = new KubeClient({ server: url, caPem });
  await assert.rejects(client.get('/api/v1/nodes/x'), (err: unknown) => {
    assert.ok(isApiError(err));
    assert.equal(err.code, 409);
    assert.equal(err.reason, 'AlreadyExists');
    assert.equal(isTransportError(err), false);
    return true;
  });
  client.close();
});

test('a hub that does not answer in time is a TransportError (ETIMEDOUT)', async () => {
  handler = () => {}; // never answers
  const client = new KubeClient({ server: url, caPem, timeoutMs: 150 });
  const started = Date.now();
  await assert.rejects(client.get('/api/v1/nodes'), (err: unknown) => {
    assert.ok(isTransportError(err));
    assert.equal(err.errno, 'ETIMEDOUT');
    return true;
  });
  assert.ok(Date.now() - started < 2000);
  client.close();
});

test('a refused connection is a TransportError naming the hub', async () => {
  const client = new KubeClient({ server: 'https://127.0.0.1:1', caPem, timeoutMs: 2000 });
  await assert.rejects(client.get('/api/v1/nodes'), (err: unknown) => {
    assert.ok(isTransportError(err));
    assert.match(err.message, /cannot reach the hub at https:\/\/127\.0\.0\.1:1: connection refused/);
    return true;
  });
  client.close();
});

test('a hub whose certificate is not from the pinned CA is refused', async () => {
  const other = await createCertificateAuthority({ commonName: 'other' });
  const client = new KubeClient({ server: url, caPem: other.certPem, timeoutMs: 2000 });
  handler = (_req, res) => json(res, 200, {});
  await assert.rejects(client.get('/version'), (err: unknown) => isTransportError(err));
  client.close();
});

test('ListWatcher lists, watches from the list version, and relists after 410', async () => {
  let watches = 0;
  handler = (req, res) => {
    const q = new URL(req.url!, 'https://x').searchParams;
    if (!q.get('watch'))
      return json(res, 200, {
        kind: 'PodList',
        apiVersion: 'v1',
        metadata: { resourceVersion: '10' },
        items: [],
      });
    watches++;
    res.writeHead(200, { 'content-type': 'application/json' });
    if (watches === 1) {
      assert.equal(q.get('resourceVersion'), '10');
      assert.equal(q.get('fieldSelector'), 'spec.nodeName=n1');
      res.write(
        `${JSON.stringify({ type: 'ADDED', object: { kind: 'Pod', metadata: { name: 'a', resourceVersion: '11' } } })}\n`,
      );
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } })}\n`,
      );
      return;
    }
    // the second watch comes after a relist
    res.end();
  };
  const client = new KubeClient({ server: url, caPem });
  const events: string[] = [];
  const syncs: string[] = [];
  const watcher = new ListWatcher({
    client,
    path: '/api/v1/pods',
    fieldSelector: 'spec.nodeName=n1',
    onSync: (_items, rv) => {
      syncs.push(rv);
    },
    onEvent: (e) => events.push(`${e.type} ${e.object.metadata.name}`),
  });
  watcher.start();
  for (let i = 0; i < 100 && syncs.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
  await watcher.stop();
  client.close();
  assert.deepEqual(events, ['ADDED a']);
  assert.deepEqual(syncs.slice(0, 2), ['10', '10']);
});
