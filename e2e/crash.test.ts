/**
 * Durability: every write the hub acknowledged (201) must survive a kill -9 in the middle of a write
 * stream, and the restarted hub must come back ready with the same CA and working credentials.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ApiClient, readCredentials } from './support/api.js';
import { type HubProcess, makeTempDir, removeDir, startHubProcess } from './support/hub-process.js';
import { Kubectl, kubectlOnPath } from './support/kubectl.js';
import { sleep } from './support/suite.js';

const root = makeTempDir('crash');
const dataDir = join(root, 'data');
const hubs: HubProcess[] = [];
const clients: ApiClient[] = [];

after(async () => {
  for (const c of clients) c.close();
  for (const h of hubs) await h.stop().catch(() => h.kill9());
  removeDir(root);
});

const NS = 'crash';
const IN_FLIGHT = 6;

interface Ack {
  name: string;
  uid: string;
  resourceVersion: number;
}

test('every acknowledged write survives kill -9; the hub restarts ready with the same CA', async (t) => {
  const kubectlBinary = kubectlOnPath();
  const first = await startHubProcess({ dataDir });
  hubs.push(first);
  const caBefore = readFileSync(join(dataDir, 'admin.kubeconfig'), 'utf8');
  const credsBefore = readCredentials(first.kubeconfig);
  const api = new ApiClient(credsBefore);
  clients.push(api);
  const ns = await api.json('/api/v1/namespaces', 'POST', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  assert.equal(ns.status, 201, ns.text);

  const acked: Ack[] = [];
  let failures = 0;
  let next = 0;
  let stopped = false;
  const worker = async () => {
    while (!stopped) {
      const name = `cm-${String(next++).padStart(5, '0')}`;
      try {
        const r = await api.json(`/api/v1/namespaces/${NS}/configmaps`, 'POST', {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name, labels: { stream: 'crash' } },
          data: { name, payload: 'p'.repeat(512) },
        });
        if (r.status === 201)
          acked.push({
            name,
            uid: r.body.metadata.uid,
            resourceVersion: Number(r.body.metadata.resourceVersion),
          });
        else failures++;
      } catch {
        failures++; // connection cut by the kill: not acknowledged, so no promise was made
        if (stopped) return;
      }
    }
  };
  const workers = Array.from({ length: IN_FLIGHT }, worker);
  // Let the stream run, then kill in the middle of it.
  const deadline = Date.now() + 10_000;
  while (acked.length < 300 && Date.now() < deadline) await sleep(20);
  assert.ok(
    acked.length > 0,
    `no write was acknowledged before the kill (failures: ${failures})\n${first.output()}`,
  );
  await first.kill9();
  stopped = true;
  await Promise.all(workers);
  const ackedAtKill = acked.length;
  t.diagnostic(`killed with ${ackedAtKill} writes acknowledged, ${failures} cut off, ${IN_FLIGHT} in flight`);

  const second = await startHubProcess({ dataDir });
  hubs.push(second);
  // The CA is the same; only the server URL (new port) may differ in the rewritten kubeconfig.
  const credsAfter = readCredentials(second.kubeconfig);
  assert.equal(credsAfter.ca, credsBefore.ca, 'the cluster CA changed across the restart');
  assert.ok(caBefore.length > 0);
  // The credentials issued before the crash still work against the restarted hub.
  const oldCreds = new ApiClient({ ...credsBefore, server: credsAfter.server });
  clients.push(oldCreds);
  const ready = await oldCreds.request('/readyz');
  assert.equal(ready.status, 200, ready.body);

  const list = await oldCreds.json(`/api/v1/namespaces/${NS}/configmaps?labelSelector=stream%3Dcrash`);
  assert.equal(list.status, 200, list.text.slice(0, 500));
  const present = new Map<string, { uid: string; data: Record<string, string> }>(
    (list.body.items as { metadata: { name: string; uid: string }; data: Record<string, string> }[]).map(
      (i) => [i.metadata.name, { uid: i.metadata.uid, data: i.data }],
    ),
  );
  const lost = acked.filter((a) => !present.has(a.name));
  assert.deepEqual(
    lost.map((a) => a.name),
    [],
    `${lost.length} of ${acked.length} acknowledged writes were lost (${present.size} objects present)`,
  );
  for (const a of acked) {
    const got = present.get(a.name)!;
    assert.equal(got.uid, a.uid, `${a.name} came back with another uid`);
    assert.equal(got.data.name, a.name);
  }
  assert.equal(acked.length, ackedAtKill);

  // Revisions keep increasing across the crash: nothing is handed out twice.
  const maxAcked = Math.max(...acked.map((a) => a.resourceVersion));
  const fresh = await oldCreds.json(`/api/v1/namespaces/${NS}/configmaps`, 'POST', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'after-restart' },
  });
  assert.equal(fresh.status, 201, fresh.text);
  assert.ok(
    Number(fresh.body.metadata.resourceVersion) > maxAcked,
    `new resourceVersion ${fresh.body.metadata.resourceVersion} <= acknowledged ${maxAcked}`,
  );

  // kubectl with the rewritten kubeconfig sees the same objects.
  const kubectl = new Kubectl(second.kubeconfig, join(root, 'kube-cache'), kubectlBinary);
  const names = (await kubectl.ok(['-n', NS, 'get', 'cm', '-l', 'stream=crash', '-o', 'name']))
    .split('\n')
    .filter(Boolean);
  assert.equal(names.length, present.size);
  const one = acked[Math.floor(acked.length / 2)]!;
  assert.equal(
    await kubectl.ok(['-n', NS, 'get', 'cm', one.name, '-o', 'jsonpath={.metadata.uid}']),
    one.uid,
  );
});

test('a second kill -9 right after a restart loses nothing either', async () => {
  const hub = hubs.at(-1)!;
  const api = ApiClient.fromKubeconfig(hub.kubeconfig);
  clients.push(api);
  const before = await api.json(`/api/v1/namespaces/${NS}/configmaps`);
  assert.equal(before.status, 200);
  const count = (before.body.items as unknown[]).length;
  const r = await api.json(`/api/v1/namespaces/${NS}/configmaps`, 'POST', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'last-one' },
  });
  assert.equal(r.status, 201, r.text);
  await hub.kill9();
  const third = await startHubProcess({ dataDir });
  hubs.push(third);
  const api3 = ApiClient.fromKubeconfig(third.kubeconfig);
  clients.push(api3);
  const after3 = await api3.json(`/api/v1/namespaces/${NS}/configmaps`);
  assert.equal((after3.body.items as unknown[]).length, count + 1);
  assert.equal((await api3.json(`/api/v1/namespaces/${NS}/configmaps/last-one`)).status, 200);
  assert.equal((await api3.request('/readyz')).status, 200);
});
