/**
 * A @kubernetes/client-node informer (list + watch) against the hub: it sees adds, updates and
 * deletes; survives a hub restart on the same port by resuming its watch; and, when the hub's history
 * has been compacted past its resourceVersion, gets a 410 and relists.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import * as k8s from '@kubernetes/client-node';
import { ApiClient } from './support/api.js';
import { type HubProcess, makeTempDir, removeDir, startHubProcess } from './support/hub-process.js';
import { eventually, sleep } from './support/suite.js';

const NS = 'informer';
const root = makeTempDir('informer');
const dataDir = join(root, 'data');

let hub: HubProcess;
let port: number;
let raw: ApiClient;
let informer: k8s.Informer<k8s.V1ConfigMap> & k8s.ObjectCache<k8s.V1ConfigMap>;
let stopping = false;
/** While false, the error handler holds the reconnect until `reconnect()` is called. */
let autoReconnect = true;
let reconnectPending = false;
let listCalls = 0;

interface Seen {
  verb: 'add' | 'update' | 'delete';
  name: string;
  data: Record<string, string> | undefined;
  rv: string | undefined;
}
const seen: Seen[] = [];
const errors: unknown[] = [];

function restartInformerSoon(): void {
  if (stopping) return;
  if (!autoReconnect) {
    reconnectPending = true;
    return;
  }
  // client-node stops on an error; the owner must start it again, after a pause.
  setTimeout(() => {
    if (!stopping) void informer.start().catch(() => {});
  }, 300);
}

function reconnect(): void {
  autoReconnect = true;
  if (reconnectPending) {
    reconnectPending = false;
    restartInformerSoon();
  }
}

before(async () => {
  hub = await startHubProcess({ dataDir });
  port = hub.port;
  raw = ApiClient.fromKubeconfig(hub.kubeconfig);
  const created = await raw.json('/api/v1/namespaces', 'POST', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: NS },
  });
  assert.equal(created.status, 201, created.text);

  const kc = new k8s.KubeConfig();
  kc.loadFromFile(hub.kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  informer = k8s.makeInformer(kc, `/api/v1/namespaces/${NS}/configmaps`, () => {
    listCalls++;
    return core.listNamespacedConfigMap({ namespace: NS });
  });
  const record = (verb: Seen['verb']) => (obj: k8s.V1ConfigMap) =>
    seen.push({ verb, name: obj.metadata?.name ?? '', data: obj.data, rv: obj.metadata?.resourceVersion });
  informer.on('add', record('add'));
  informer.on('update', record('update'));
  informer.on('delete', record('delete'));
  informer.on('error', (err) => {
    errors.push(err);
    restartInformerSoon();
  });
  await informer.start();
});

after(async () => {
  stopping = true;
  await informer?.stop();
  raw?.close();
  await hub?.stop();
  removeDir(root);
});

async function createCm(name: string, data: Record<string, string>): Promise<void> {
  const r = await raw.json(`/api/v1/namespaces/${NS}/configmaps`, 'POST', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name },
    data,
  });
  assert.equal(r.status, 201, r.text);
}

function saw(
  verb: Seen['verb'],
  name: string,
  test: (s: Seen) => boolean = () => true,
  timeoutMs = 15_000,
): Promise<Seen> {
  return eventually(
    `informer ${verb} of ${name} (seen: ${JSON.stringify(seen.map((s) => `${s.verb}:${s.name}`))}, errors: ${errors.length})`,
    () => seen.find((s) => s.verb === verb && s.name === name && test(s)),
    timeoutMs,
  );
}

const cachedNames = () =>
  informer
    .list(NS)
    .map((o) => o.metadata?.name)
    .sort();

async function restartHub(extraArgs: string[] = []): Promise<void> {
  hub = await startHubProcess({ dataDir, port, extraArgs });
  assert.equal(hub.port, port);
  raw.close();
  raw = ApiClient.fromKubeconfig(hub.kubeconfig);
}

test('the informer sees add, update and delete', async () => {
  await createCm('a', { v: '1' });
  await saw('add', 'a');
  const patched = await raw.request(`/api/v1/namespaces/${NS}/configmaps/a`, {
    method: 'PATCH',
    body: JSON.stringify({ data: { v: '2' } }),
    headers: { 'content-type': 'application/merge-patch+json' },
  });
  assert.equal(patched.status, 200, patched.body);
  await saw('update', 'a', (s) => s.data?.v === '2');
  const deleted = await raw.request(`/api/v1/namespaces/${NS}/configmaps/a`, { method: 'DELETE' });
  assert.equal(deleted.status, 200, deleted.body);
  await saw('delete', 'a');
  assert.deepEqual(cachedNames(), []);
  assert.equal(errors.length, 0, `unexpected informer errors: ${errors.map(String).join('; ')}`);
});

test('the informer survives a hub restart on the same port and sees objects created after it', async () => {
  await createCm('before-restart', { v: '1' });
  await saw('add', 'before-restart');
  const listsBefore = listCalls;
  const errorsBefore = errors.length;

  await hub.stop();
  await eventually('informer reports the lost connection', () => errors.length > errorsBefore);
  await restartHub();

  await createCm('after-restart', { v: '1' });
  await saw('add', 'after-restart', undefined, 30_000);
  assert.deepEqual(cachedNames(), ['after-restart', 'before-restart']);
  // The hub keeps its event history across restarts, so the informer resumed its watch from its
  // resourceVersion instead of listing again.
  assert.equal(listCalls, listsBefore, 'the informer had to relist after a plain restart');
  assert.equal(
    seen.filter((s) => s.name === 'before-restart' && s.verb === 'add').length,
    1,
    'before-restart was re-added',
  );
});

test('after history is compacted past its resourceVersion, the informer gets a 410 and relists', async (t) => {
  const listsBefore = listCalls;
  const errorsBefore = errors.length;

  // Take the informer offline: hold its reconnect while the hub goes down.
  autoReconnect = false;
  await hub.stop();
  await eventually('informer reports the lost connection', () => errors.length > errorsBefore);

  // Change the namespace while the informer is away, on a hub that keeps only 20 events of
  // history, and write more than that so the informer's resourceVersion is compacted away.
  await restartHub(['--watch-history', '20']);
  await createCm('while-away', { v: '1' });
  const gone = await raw.request(`/api/v1/namespaces/${NS}/configmaps/before-restart`, { method: 'DELETE' });
  assert.equal(gone.status, 200, gone.body);
  for (let i = 0; i < 30; i++) await createCm(`churn-${i}`, { v: String(i) });
  for (let i = 0; i < 30; i++) {
    const r = await raw.request(`/api/v1/namespaces/${NS}/configmaps/churn-${i}`, { method: 'DELETE' });
    assert.equal(r.status, 200, r.body);
  }
  // A watch from before the compaction must be answered with 410 Gone (HTTP status, or an ERROR
  // event after which the server closes the stream).
  const expired = await raw.request(`/api/v1/namespaces/${NS}/configmaps?watch=1&resourceVersion=1`, {
    timeoutMs: 5000,
  });
  assert.ok(
    expired.status === 410 || /"code":\s*410/.test(expired.body),
    `watch from a compacted resourceVersion: ${expired.status} ${expired.body.slice(0, 300)}`,
  );

  t.diagnostic(
    `watch from a compacted resourceVersion: HTTP ${expired.status} ${expired.body.slice(0, 200)}`,
  );
  reconnect();
  await saw('add', 'while-away', undefined, 30_000);
  await saw('delete', 'before-restart', undefined, 30_000);
  assert.ok(listCalls > listsBefore, 'the informer did not relist after 410');
  assert.deepEqual(cachedNames(), ['after-restart', 'while-away']);

  // And it keeps watching afterwards.
  await createCm('after-relist', { v: '1' });
  await saw('add', 'after-relist');
  await sleep(100);
});
