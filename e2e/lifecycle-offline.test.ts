/**
 * An agent restarted while the hub is out of reach (a real device in its own network namespace, its
 * link cut): the pods come back from local state within seconds (the device's local API says they
 * run, the WAGI handler answers on the device's port), and when the link returns the hub's view
 * reconciles once: the same pods (no duplicates, no replacements), one honest restart each, and no
 * flapping of pod or Node readiness afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import {
  eventually,
  Fleet,
  HTTP_PORT,
  helloDeployment,
  isRunningReady,
  readyOf,
  sleep,
  telemetryDaemonSet,
  whyNoNetns,
} from './lifecycle-harness.test.js';

const NS = 'default';
const NODE = 'buoy-1';
const skip = whyNoNetns();

let fleet: Fleet;

before(async () => {
  if (skip) return;
  fleet = await Fleet.start('lifecycle-offline', { devices: [NODE], nodeGraceSeconds: 4 });
  // The handler tolerates a long outage: it must stay on the device, not move.
  await fleet.apply(telemetryDaemonSet(NS), helloDeployment(NS, { tolerationSeconds: 300 }));
  await fleet.kubectl.ok(['rollout', 'status', 'deployment/hello', '--timeout=30s'], { timeoutMs: 35_000 });
  await fleet.kubectl.ok(['rollout', 'status', 'daemonset/telemetry', '--timeout=30s'], {
    timeoutMs: 35_000,
  });
});

after(async () => {
  await fleet?.stop();
});

const hello = () => fleet.device(NODE).fetch(`http://127.0.0.1:${HTTP_PORT}/harbour`);

test('agent restart while offline: workloads back from local state in seconds; reconciles once the link returns', {
  skip,
}, async () => {
  const device = fleet.device(NODE);
  const before_ = (await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods`)).items;
  assert.equal(before_.length, 2);
  const uids = before_.map((p) => p.metadata.uid).sort();
  assert.equal(JSON.parse((await hello()).body).device, NODE);

  // The hub goes out of reach, then the device reboots (its agent stops its containers).
  device.cut();
  await device.stop();
  await assert.rejects(hello(), /ECONNREFUSED/, 'the handler stopped with the agent');

  const startedAt = Date.now();
  await device.start();
  await device.waitFor(/pods: resuming 2 pod\(s\) from local state/, 5_000);
  const local = await eventually(
    'both pods running on the device, offline',
    async () => {
      const s = await device.status();
      return s.pods.length === 2 &&
        s.pods.every((p: { containers: { state: string }[] }) => p.containers[0]!.state === 'running')
        ? s
        : undefined;
    },
    5_000,
  );
  const answer = await eventually(
    'the handler answering offline',
    async () => JSON.parse((await hello()).body) as { device: string; path: string },
    5_000,
  );
  const backMs = Date.now() - startedAt;
  assert.equal(answer.device, NODE);
  assert.equal(answer.path, '/harbour');
  assert.equal(local.connected, false, 'the hub is still out of reach');
  assert.deepEqual(
    local.pods.map((p: { uid: string }) => p.uid).sort(),
    uids,
    'the same pods, from local state',
  );
  assert.ok(backMs < 5_000, `workloads back ${backMs} ms after the agent started`);
  console.log(
    `# offline restart: both pods running and the handler answering ${backMs} ms after the agent started`,
  );

  // Meanwhile the hub has marked the device out of range; nothing is moved (fleet pod, long toleration).
  await fleet.nodeReady(NODE, 'Unknown', 10_000);

  // The link returns.
  const recorder = fleet.record(NS);
  const restoredAt = Date.now();
  device.restore();
  try {
    await fleet.nodeReady(NODE, 'True', 30_000);
    await eventually(
      'the hub to see both pods Running with one restart',
      async () => {
        const pods = (await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods`)).items;
        return (
          pods.length === 2 &&
          pods.every((p) => isRunningReady(p) && p.status.containerStatuses[0].restartCount === 1)
        );
      },
      15_000,
    );
    const reconciledMs = Date.now() - restoredAt;
    await sleep(5_000); // watch for flapping
    console.log(
      `# link back: Node Ready and pod status reconciled ${reconciledMs} ms after the link returned`,
    );
  } finally {
    recorder.stop();
  }

  const after_ = (await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods`)).items;
  assert.deepEqual(after_.map((p) => p.metadata.uid).sort(), uids, 'no duplicate or replacement pods');
  for (const p of after_) {
    const cs = p.status.containerStatuses[0];
    assert.ok(isRunningReady(p), `${p.metadata.name} Running and ready`);
    assert.equal(cs.restartCount, 1, `${p.metadata.name}: exactly one restart (the reboot)`);
    assert.equal(
      cs.lastState.terminated?.reason,
      'Unknown',
      'the interrupted container is reported honestly',
    );
    assert.ok(
      Date.parse(cs.state.running.startedAt) >= startedAt - 1_000,
      'the running container is the new one',
    );
  }
  assert.equal(
    recorder.pods().filter((e) => e.type === 'ADDED' && !uids.includes(e.object.metadata.uid)).length,
    0,
    'no pod was created',
  );
  // No flapping: once Ready, each pod stays Ready; once back, the Node stays Ready.
  for (const uid of uids) {
    const seq = recorder
      .pods()
      .filter((e) => e.object.metadata.uid === uid)
      .map((e) => (isRunningReady(e.object) ? 'R' : '-'))
      .join('');
    assert.doesNotMatch(seq, /R-+R|R-+$/, `pod ${uid} readiness flapped: ${seq}`);
  }
  const node = recorder
    .nodes(NODE)
    .map((e) => readyOf(e.object)?.status)
    .join(',');
  assert.doesNotMatch(node, /True,(Unknown|False)/, `Node readiness flapped: ${node}`);
  const s = await device.status();
  assert.equal(s.connected, true);
  assert.ok(
    s.pods.every((p: { containers: { restartCount: number }[] }) => p.containers[0]!.restartCount === 1),
  );
});
