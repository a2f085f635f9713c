/**
 * Workloads on a fleet of three real devices (agents in their own network namespaces), driven by the
 * real kubectl:
 * - a WAGI HTTP handler (examples/hello-http) as a Deployment answers over HTTP on its device's
 *   port, and only there; a DaemonSet (examples/telemetry) runs one pod per device, seen by
 *   `kubectl get pods -o wide` and by each device itself;
 * - a rolling update to a new module version (the same handler rebuilt with a different answer):
 *   `kubectl rollout status` succeeds, the answers come from v2, the v1 pods are gone.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import {
  buildHelloV2,
  devicePod,
  eventually,
  Fleet,
  HTTP_PORT,
  helloDeployment,
  isRunningReady,
  telemetryDaemonSet,
  whyNoNetns,
} from './lifecycle-harness.test.js';
import { tableRows } from './support/suite.js';

const NS = 'default';
const DEVICES = ['rover-1', 'rover-2', 'rover-3'];
const skip = whyNoNetns();

let fleet: Fleet;
let helloV2: Promise<string>;

before(async () => {
  if (skip) return;
  fleet = await Fleet.start('lifecycle-workloads', { devices: DEVICES });
  helloV2 = buildHelloV2(fleet.root);
  helloV2.catch(() => {}); // awaited (and reported) by the rolling update test
});

after(async () => {
  await fleet?.stop();
});

/** GET / on port 8080 of a device; the parsed JSON answer, or the connection error. */
async function ask(device: string, path = '/kitchen?unit=c') {
  const r = await fleet.device(device).fetch(`http://127.0.0.1:${HTTP_PORT}${path}`);
  assert.equal(r.status, 200, r.body);
  return JSON.parse(r.body) as { version?: string; path: string; query: string; device: string };
}

test('a WAGI handler Deployment answers on its device; a DaemonSet runs one pod per device', {
  skip,
}, async () => {
  const out = await fleet.apply(telemetryDaemonSet(NS), helloDeployment(NS, { replicas: 2 }));
  assert.match(out, /daemonset\.apps\/telemetry created/);
  assert.match(out, /deployment\.apps\/hello created/);
  await fleet.kubectl.ok(['rollout', 'status', 'daemonset/telemetry', '--timeout=40s'], {
    timeoutMs: 45_000,
  });
  await fleet.kubectl.ok(['rollout', 'status', 'deployment/hello', '--timeout=40s'], { timeoutMs: 45_000 });

  // kubectl get pods -o wide: one Running telemetry pod on each device.
  const wide = tableRows(await fleet.kubectl.ok(['get', 'pods', '-o', 'wide', '-l', 'app=telemetry']));
  const header = wide[0]!;
  const rows = wide.slice(1).map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]])));
  assert.equal(rows.length, DEVICES.length, JSON.stringify(rows));
  assert.deepEqual(rows.map((r) => r.NODE).sort(), DEVICES);
  for (const r of rows) {
    assert.equal(r.STATUS, 'Running', JSON.stringify(r));
    assert.equal(r.READY, '1/1', JSON.stringify(r));
    assert.equal(r.IP, fleet.device(r.NODE!).ip, 'podIP is the device address (host networking)');
  }
  // ...and each device runs exactly that pod, by its own account.
  for (const name of DEVICES) {
    const status = await fleet.device(name).status();
    const row = rows.find((r) => r.NODE === name)!;
    const local = devicePod(status, row.NAME!);
    assert.ok(local, `${name} does not know ${row.NAME}: ${JSON.stringify(status.pods)}`);
    assert.equal(local.containers[0].state, 'running');
  }

  // The handler: two replicas on two devices, each answering on its own device's port 8080.
  const hello = (await fleet.pods(NS, 'app=hello')).filter(isRunningReady);
  assert.equal(hello.length, 2);
  const nodes = hello.map((p) => p.spec.nodeName as string);
  assert.equal(new Set(nodes).size, 2, `one per device (hostPort 8080): ${nodes}`);
  for (const node of nodes) {
    const answer = await ask(node);
    assert.deepEqual(answer, {
      path: '/kitchen',
      method: 'GET',
      query: 'unit=c',
      bodyLength: 0,
      device: node,
    });
  }
  const idle = DEVICES.find((d) => !nodes.includes(d))!;
  await assert.rejects(ask(idle), /ECONNREFUSED/, `nothing listens on ${idle}, which runs no replica`);
});

test('a rolling update to a new module version: rollout status succeeds, v2 answers, v1 pods are gone', {
  skip,
}, async () => {
  const v2 = await helloV2;
  const before_ = await fleet.pods(NS, 'app=hello');
  const oldUids = new Set(before_.map((p) => p.metadata.uid));
  assert.equal(oldUids.size, 2);
  const recorder = fleet.record(NS);
  try {
    await fleet.kubectl.ok(['set', 'image', 'deployment/hello', `web=file://${v2}`]);
    const status = await fleet.kubectl.ok(['rollout', 'status', 'deployment/hello', '--timeout=60s'], {
      timeoutMs: 65_000,
    });
    assert.match(status, /successfully rolled out/);
  } finally {
    recorder.stop();
  }
  // The old pods go (the devices confirm their deletion); two new ones run the v2 module.
  const current = await eventually(
    'only v2 pods left',
    async () => {
      const pods = await fleet.pods(NS, 'app=hello');
      return pods.length === 2 && pods.every((p) => !oldUids.has(p.metadata.uid)) ? pods : undefined;
    },
    20_000,
  );
  for (const p of current) {
    assert.ok(isRunningReady(p), `${p.metadata.name} is not Running and ready`);
    assert.equal(p.spec.containers[0].image, `file://${v2}`);
  }
  for (const node of current.map((p) => p.spec.nodeName as string)) {
    const answer = await ask(node);
    assert.equal(answer.version, 'v2', `the answer on ${node} comes from v2: ${JSON.stringify(answer)}`);
    assert.equal(answer.device, node);
  }
  // No v1 process is left anywhere: every device knows only v2 pods (or none).
  for (const name of DEVICES) {
    const local = (await fleet.device(name).status()).pods.filter((p: { name: string }) =>
      p.name.startsWith('hello-'),
    );
    for (const p of local) assert.ok(!oldUids.has(p.uid), `${name} still runs v1 pod ${p.name}`);
  }
  // The rollout never had fewer than the desired ready replicas (maxUnavailable 25% of 2 → 0).
  const ready = new Map<string, boolean>();
  let minReady = Number.POSITIVE_INFINITY;
  let synced = false; // the watch starts with one ADDED per existing pod
  for (const e of recorder.pods()) {
    const uid = e.object.metadata.uid!;
    if (e.type === 'DELETED') ready.delete(uid);
    else ready.set(uid, isRunningReady(e.object as KubeObject));
    const count = [...ready.values()].filter(Boolean).length;
    synced ||= count >= 2;
    if (synced) minReady = Math.min(minReady, count);
  }
  assert.ok(minReady >= 2, `ready replicas dropped to ${minReady} during the rollout`);
  const rs = await fleet.api.list<KubeObject>(
    `/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app%3Dhello`,
  );
  const replicas = rs.items.map((r) => r.spec.replicas as number).sort();
  assert.deepEqual(replicas, [0, 2], 'the old ReplicaSet is scaled to 0, the new one to 2');
});
