import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { type RunningHub, startHub } from '../hub/hub.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import { UNREACHABLE_TAINT } from './node-lifecycle-controller.js';

let hub: RunningHub;
let dir: string;
let objects: ObjectService;
const t = (group: string, plural: string) => objects.registry.lookup(group, 'v1', plural)!;
const iso = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function addDevice(name: string): Promise<void> {
  await objects.create(t('', 'nodes'), undefined, {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    status: {
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: new Date().toISOString(),
        },
      ],
    },
  });
  await renew(name);
}

async function renew(name: string): Promise<void> {
  const leases = t('coordination.k8s.io', 'leases');
  const existing = objects.find(leases, 'kube-node-lease', name);
  const lease = {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name, namespace: 'kube-node-lease' },
    spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime: iso(Date.now()) },
  };
  if (existing)
    await objects.update(leases, 'kube-node-lease', name, { ...lease, metadata: { ...lease.metadata } });
  else await objects.create(leases, 'kube-node-lease', lease);
}

async function addPod(name: string, node: string, fleet: boolean): Promise<KubeObject> {
  const pod = await objects.create(t('', 'pods'), 'default', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: { 'minato.dev/placement': fleet ? 'fleet' : 'relocatable' } },
    spec: { nodeName: node, containers: [{ name: 'c', image: 'example.wasm' }] },
  });
  return pod.object;
}

const ready = (name: string) =>
  (objects.find(t('', 'nodes'), undefined, name)?.status?.conditions ?? []).find(
    (c: { type: string }) => c.type === 'Ready',
  )?.status;
const taints = (name: string): string[] =>
  (objects.find(t('', 'nodes'), undefined, name)?.spec?.taints ?? []).map(
    (x: { key: string; effect: string }) => `${x.key}:${x.effect}`,
  );

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'minato-lifecycle-'));
  hub = await startHub({
    dataDir: dir,
    port: 0,
    host: '127.0.0.1',
    nodeLifecycle: { relocateAfterSeconds: 1, tickMs: 100 },
  });
  objects = hub.objects;
});

after(async () => {
  await hub.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('a silent device goes out of range: fleet pods stay, relocatable pods are evicted after their toleration', async () => {
  await addDevice('car-1');
  const fleet = await addPod('telemetry', 'car-1', true);
  const mover = await addPod('router', 'car-1', false);
  await until('out of range', () => ready('car-1') === 'Unknown');
  assert.deepEqual(taints('car-1').sort(), [
    `${UNREACHABLE_TAINT}:NoExecute`,
    `${UNREACHABLE_TAINT}:NoSchedule`,
  ]);
  await until(
    'relocatable pod evicted',
    () =>
      objects.find(t('', 'pods'), 'default', 'router')?.metadata.deletionTimestamp ||
      !objects.find(t('', 'pods'), 'default', 'router'),
  );
  const kept = objects.find(t('', 'pods'), 'default', 'telemetry')!;
  assert.equal(kept.metadata.uid, fleet.metadata.uid);
  assert.equal(kept.metadata.deletionTimestamp, undefined, 'the fleet pod keeps running on the device');
  assert.ok(mover.metadata.uid);

  await renew('car-1');
  await until('back in range', () => ready('car-1') === 'True');
  await until('taints removed', () => taints('car-1').length === 0 || undefined);
});

test('a flap shorter than the lease changes nothing', async () => {
  await addDevice('drone-1');
  const pod = await addPod('camera', 'drone-1', false);
  const nodeBefore = objects.find(t('', 'nodes'), undefined, 'drone-1')!.metadata.resourceVersion;
  for (let i = 0; i < 6; i++) {
    await sleep(300); // renewals 300 ms apart, inside the 1 s lease
    await renew('drone-1');
  }
  assert.equal(ready('drone-1'), 'True');
  assert.equal(objects.find(t('', 'nodes'), undefined, 'drone-1')!.metadata.resourceVersion, nodeBefore);
  const still = objects.find(t('', 'pods'), 'default', 'camera')!;
  assert.equal(still.metadata.resourceVersion, pod.metadata.resourceVersion, 'the pod was not touched');
});

test('a departing device is cordoned and drained, and uncordoned when it returns', async () => {
  await addDevice('robot-1');
  await addPod('picker', 'robot-1', false);
  await addPod('beacon', 'robot-1', true);
  const nodes = t('', 'nodes');
  const entry = objects.getEntry(nodes, undefined, 'robot-1');
  const departing = structuredClone(entry.object);
  departing.metadata.annotations = { 'minato.dev/departing': new Date(Date.now() + 30_000).toISOString() };
  await objects.commitUpdate(nodes, entry, departing, { fieldManager: 'test' });
  await until('cordoned', () => objects.find(nodes, undefined, 'robot-1')?.spec?.unschedulable === true);
  await until(
    'drained',
    () =>
      objects.find(t('', 'pods'), 'default', 'picker')?.metadata.deletionTimestamp ||
      !objects.find(t('', 'pods'), 'default', 'picker'),
  );
  assert.equal(objects.find(t('', 'pods'), 'default', 'beacon')?.metadata.deletionTimestamp, undefined);

  const back = objects.getEntry(nodes, undefined, 'robot-1');
  const returned = structuredClone(back.object);
  delete returned.metadata.annotations!['minato.dev/departing'];
  await objects.commitUpdate(nodes, back, returned, { fieldManager: 'test' });
  await until(
    'uncordoned',
    () => !objects.find(nodes, undefined, 'robot-1')?.spec?.unschedulable || undefined,
  );
});

test('a degraded link stops new pods (predictive cordon) and recovers with hysteresis', async () => {
  await addDevice('van-1');
  const nodes = t('', 'nodes');
  const setQuality = async (q: number) => {
    const e = objects.getEntry(nodes, undefined, 'van-1');
    const n = structuredClone(e.object);
    n.metadata.annotations = { ...n.metadata.annotations, 'minato.dev/link-quality': String(q) };
    await objects.commitUpdate(nodes, e, n, { fieldManager: 'test' });
  };
  await setQuality(20);
  await until(
    'degraded taint',
    () => taints('van-1').includes('minato.dev/link-degraded:NoSchedule') || undefined,
  );
  await setQuality(35);
  await sleep(300);
  assert.ok(
    taints('van-1').includes('minato.dev/link-degraded:NoSchedule'),
    'stays until well above the threshold',
  );
  await setQuality(60);
  await until(
    'recovered',
    () => !taints('van-1').includes('minato.dev/link-degraded:NoSchedule') || undefined,
  );
});

test("a hub stall is not the devices' fault: after it, each device gets a full lease before it is out of range", async () => {
  await addDevice('bus-1');
  await sleep(300);
  // The hub's event loop blocks for 2 s (a long GC, a slow disk): the 1 s lease expires meanwhile,
  // and the device's renewals, were it renewing, would not have been read.
  const until2s = Date.now() + 2000;
  while (Date.now() < until2s) {
    /* busy: the hub hears nothing */
  }
  await sleep(500);
  assert.equal(ready('bus-1'), 'True', 'not marked out of range right after the stall');
  await renew('bus-1');
  await sleep(600);
  assert.equal(ready('bus-1'), 'True', 'its renewal after the stall keeps it in range');
  // Silent from here on, it does go out of range after its lease, as any device.
  await until('out of range after a full lease of real silence', () => ready('bus-1') === 'Unknown');
  // Another stall does not bring an out-of-range device back: only a renewal does.
  const until15 = Date.now() + 1500;
  while (Date.now() < until15) {
    /* busy */
  }
  await sleep(600);
  assert.equal(ready('bus-1'), 'Unknown', 'still out of range after a stall without a renewal');
});
