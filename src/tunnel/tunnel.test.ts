import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { KubeClient } from '../client/index.js';
import { type RunningHub, startHub } from '../hub/hub.js';
import { issueClientCertificate, loadCertificateAuthority } from '../pki/index.js';
import { TunnelClient } from './tunnel-client.js';

const run = promisify(execFile);
let hub: RunningHub;
let dir: string;
let client: TunnelClient;
const requests: string[] = [];

async function nodeCredentials(name: string) {
  const pki = join(dir, 'pki');
  const caPem = readFileSync(join(pki, 'ca.crt'), 'utf8');
  const ca = await loadCertificateAuthority(caPem, readFileSync(join(pki, 'ca.key'), 'utf8'));
  const cert = await issueClientCertificate(ca, {
    commonName: `system:node:${name}`,
    organizations: ['system:nodes'],
  });
  return { ca: caPem, cert: cert.certPem, key: cert.keyPem };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'minato-tunnel-'));
  hub = await startHub({ dataDir: dir, port: 0, host: '127.0.0.1' });
  const t = (plural: string) => hub.objects.registry.lookup('', 'v1', plural)!;
  await hub.objects.create(t('nodes'), undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'car-7' },
  });
  await hub.objects.create(t('pods'), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sensor' },
    spec: { nodeName: 'car-7', containers: [{ name: 'main', image: 'sensor.wasm' }] },
  });
  const creds = await nodeCredentials('car-7');
  const connected = new Promise<void>((resolve) => {
    client = new TunnelClient({
      server: hub.url,
      ...creds,
      onState: (s) => s === 'connected' && resolve(),
      handler: (head, _body, reply) => {
        requests.push(head.path);
        reply.head({ status: 200, headers: { 'content-type': 'text/plain' } });
        reply.write(Buffer.from('reading 1\nreading 2\n'));
        reply.end();
      },
    });
  });
  client.start();
  await connected;
});

after(async () => {
  client.stop();
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('kubectl logs reaches the device through its own tunnel', async () => {
  const env = { ...process.env, KUBECONFIG: hub.kubeconfigPath, KUBECACHEDIR: join(dir, 'kubecache') };
  const { stdout } = await run('kubectl', ['logs', 'sensor', '--tail=5'], { env });
  assert.equal(stdout, 'reading 1\nreading 2\n');
  assert.match(requests.at(-1)!, /^\/logs\/default\/sensor\/main\?tailLines=5$/);
});

test('a device that is not connected gives a clear 503, not a hang', async () => {
  const t = (plural: string) => hub.objects.registry.lookup('', 'v1', plural)!;
  await hub.objects.create(t('pods'), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'away' },
    spec: { nodeName: 'drone-9', containers: [{ name: 'main', image: 'x.wasm' }] },
  });
  const env = { ...process.env, KUBECONFIG: hub.kubeconfigPath, KUBECACHEDIR: join(dir, 'kubecache') };
  const result = await run('kubectl', ['logs', 'away'], { env }).catch(
    (e: { stderr: string; code: number }) => e,
  );
  assert.notEqual((result as { code?: number }).code ?? 0, 0);
  assert.match((result as { stderr: string }).stderr, /drone-9.*not connected/);
});

test('only devices may open a tunnel', async () => {
  const admin = readFileSync(hub.kubeconfigPath, 'utf8');
  assert.ok(admin.includes('client-certificate-data'));
  const states: string[] = [];
  const pki = join(dir, 'pki');
  const intruder = new TunnelClient({
    server: hub.url,
    ca: readFileSync(join(pki, 'ca.crt')),
    cert: readFileSync(join(pki, 'admin.crt')),
    key: readFileSync(join(pki, 'admin.key')),
    handler: () => {},
    onState: (s, detail) => states.push(`${s}:${detail ?? ''}`),
  });
  intruder.start();
  const deadline = Date.now() + 5000;
  while (states.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  intruder.stop();
  assert.match(states[0] ?? '', /disconnected:.*403/);
});

test("the device's API calls ride its tunnel, as the device: own Node allowed, another device's refused", async () => {
  const creds = await nodeCredentials('car-7');
  const api = new KubeClient({ server: hub.url, caPem: creds.ca, certPem: creds.cert, keyPem: creds.key });
  api.useChannel(client);
  try {
    assert.ok(client.carriesConnections, 'the hub offers connections through the tunnel');
    const node = await api.get('/api/v1/nodes/car-7');
    assert.equal(node.metadata.name, 'car-7');
    const pods = await api.list('/api/v1/pods', { query: { fieldSelector: 'spec.nodeName=car-7' } });
    assert.deepEqual(
      pods.items.map((p) => p.metadata.name),
      ['sensor'],
    );
    // Node restriction applies inside the tunnel too.
    await assert.rejects(
      api.patch('/api/v1/nodes/drone-9', { metadata: { labels: { x: 'y' } } }),
      /forbidden/i,
    );
    // Nothing went over a direct connection: every byte was on tunnel streams.
    const traffic = api.traffic();
    assert.ok(traffic.requests >= 3 && traffic.bytesReceived > 0);
  } finally {
    api.close();
  }
});

test('a heartbeat renews the Lease (one write, committed before the answer, which says the time spent in the hub); a missing Lease is reported', async () => {
  const leases = hub.objects.registry.lookup('coordination.k8s.io', 'v1', 'leases')!;
  assert.deepEqual(await client.heartbeat('2026-11-29T10:00:00.000000Z', 5000), {
    problem: 'no-lease',
    inHubMs: 0,
  });
  await hub.objects.create(leases, 'kube-node-lease', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'car-7' },
    spec: { holderIdentity: 'car-7', leaseDurationSeconds: 8, renewTime: '2026-11-29T09:00:00.000000Z' },
  });
  const before = hub.objects.get(leases, 'kube-node-lease', 'car-7');
  const stored = await client.heartbeat('2026-11-29T10:00:00.123456Z', 5000);
  assert.equal(stored.problem, '');
  // The hub says how long the renewal spent inside it (a commit at least), so the agent can tell
  // the hub's delay from the link's.
  assert.ok(stored.inHubMs >= 0 && stored.inHubMs < 5000, `in the hub for ${stored.inHubMs} ms`);
  const after = hub.objects.get(leases, 'kube-node-lease', 'car-7');
  assert.equal((after.spec as { renewTime: string }).renewTime, '2026-11-29T10:00:00.123456Z');
  assert.ok(Number(after.metadata.resourceVersion) > Number(before.metadata.resourceVersion));
  // A malformed time is refused with the validation message, not stored.
  assert.match((await client.heartbeat('yesterday', 5000)).problem, /renewTime/);
  assert.equal(
    (hub.objects.get(leases, 'kube-node-lease', 'car-7').spec as { renewTime: string }).renewTime,
    '2026-11-29T10:00:00.123456Z',
  );
});
