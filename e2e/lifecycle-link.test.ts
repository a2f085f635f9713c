/**
 * Devices out of range, for real: three agents in their own network namespaces, a lease every
 * second, a hub started with `--node-grace 6 --relocate-after 2`. A link is cut by taking the hub
 * side of the device's veth down (packets vanish, no RST).
 * - A flap (2.5 s) shorter than the grace period changes nothing: same pods (uids), no restart, same
 *   container start times, nothing rescheduled, the Node never leaves Ready.
 * - A lost link: the Node is out of range (Ready=Unknown, unreachable taints) within a few lease
 *   intervals; the fleet pod (DaemonSet) stays bound and keeps running on the device (its local API
 *   and its growing log say so); a relocatable pod that tolerates the outage for 600 s stays; the
 *   relocatable handler (2 s toleration) is evicted and Running on another device, answering there.
 *   When the link returns the device confirms the eviction, stops its old copy, and nothing else
 *   changes.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import {
  devicePod,
  eventually,
  Fleet,
  HTTP_PORT,
  hasTaint,
  helloDeployment,
  isRunningReady,
  readyOf,
  sleep,
  telemetryDaemonSet,
  UNREACHABLE,
  whyNoNetns,
} from './lifecycle-harness.test.js';

const NS = 'default';
const DEVICES = ['drone-1', 'drone-2', 'drone-3'];
const GRACE_S = 6;
const TOLERATION_S = 2;
const FLAP_MS = 2_500;
const skip = whyNoNetns();

let fleet: Fleet;

/** A relocatable telemetry Deployment that tolerates an outage for 600 s (so it must stay). */
function anchorDeployment(): KubeObject {
  const ds = telemetryDaemonSet(NS);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'anchor', namespace: NS },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: 'anchor' } },
      template: {
        metadata: { labels: { app: 'anchor' } },
        spec: {
          ...ds.spec.template.spec,
          tolerations: [
            { key: UNREACHABLE, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 600 },
          ],
        },
      },
    },
  };
}

before(async () => {
  if (skip) return;
  fleet = await Fleet.start('lifecycle-link', {
    devices: DEVICES,
    nodeGraceSeconds: GRACE_S,
    relocateAfterSeconds: TOLERATION_S,
    leaseInterval: '1s',
  });
  // The handler and the anchor start on drone-1 (the others cordoned meanwhile), so that device's
  // link is the one that matters.
  await fleet.kubectl.ok(['cordon', 'drone-2', 'drone-3']);
  await fleet.apply(
    telemetryDaemonSet(NS),
    helloDeployment(NS, { tolerationSeconds: TOLERATION_S }),
    anchorDeployment(),
  );
  await fleet.kubectl.ok(['rollout', 'status', 'deployment/hello', '--timeout=30s'], { timeoutMs: 35_000 });
  await fleet.kubectl.ok(['rollout', 'status', 'deployment/anchor', '--timeout=30s'], { timeoutMs: 35_000 });
  await fleet.kubectl.ok(['rollout', 'status', 'daemonset/telemetry', '--timeout=30s'], {
    timeoutMs: 35_000,
  });
  await fleet.kubectl.ok(['uncordon', 'drone-2', 'drone-3']);
});

after(async () => {
  await fleet?.stop();
});

interface Snapshot {
  uid: string;
  name: string;
  node: string;
  restartCount: number;
  startedAt: string;
  containerID: string;
}

async function snapshot(): Promise<Map<string, Snapshot>> {
  const list = await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods`);
  return new Map(
    list.items.map((p) => {
      const cs = p.status.containerStatuses[0];
      return [
        p.metadata.uid!,
        {
          uid: p.metadata.uid!,
          name: p.metadata.name!,
          node: p.spec.nodeName,
          restartCount: cs.restartCount,
          startedAt: cs.state.running?.startedAt,
          containerID: cs.containerID,
        },
      ];
    }),
  );
}

const podOn = async (app: string, node: string) =>
  (await fleet.pods(NS, `app=${app}`)).find((p) => p.spec.nodeName === node);

test('a flap shorter than the grace period: nothing restarts, nothing is rescheduled, the Node stays Ready', {
  skip,
}, async () => {
  const device = fleet.device('drone-1');
  const before_ = await snapshot();
  assert.equal(before_.size, 5, 'hello, anchor and three telemetry pods');
  assert.ok(
    [...before_.values()].every((s) => s.startedAt),
    'every container running',
  );
  const nodeBefore = await fleet.api.get<KubeObject>('/api/v1/nodes/drone-1');
  const recorder = fleet.record(NS);
  // The lease renewals the hub saw: the longest silence is what the grace period is compared with.
  const renewals: number[] = [];
  const leases = fleet.api.watch('/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', {
    fieldSelector: 'metadata.name=drone-1',
    onEvent: (e) => {
      if (e.object.spec?.renewTime) renewals.push(Date.parse(e.object.spec.renewTime));
    },
  });
  const mark = device.output().length;
  const cutAt = Date.now();
  device.cut();
  await sleep(FLAP_MS);
  device.restore();
  // Long enough for an outage to have been noticed and acted on: grace + toleration + slack.
  await sleep(Math.max(0, cutAt + (GRACE_S + TOLERATION_S + 2) * 1000 - Date.now()));
  recorder.stop();
  leases.stop();
  const silenceMs = Math.max(...renewals.slice(1).map((t, i) => t - renewals[i]!));

  const after_ = await snapshot();
  assert.deepEqual(after_, before_, 'same pods, same containers, same start times, same restart counts');
  const added = recorder.pods().filter((e) => e.type === 'ADDED' && !before_.has(e.object.metadata.uid!));
  assert.deepEqual(
    added.map((e) => e.object.metadata.name),
    [],
    'no pod was created',
  );
  const deleting = recorder.pods().filter((e) => e.object.metadata.deletionTimestamp);
  assert.deepEqual(
    deleting.map((e) => e.object.metadata.name),
    [],
    'no pod was evicted',
  );
  const readiness = recorder.nodes('drone-1').map((e) => readyOf(e.object)?.status);
  assert.ok(
    readiness.every((s) => s === 'True'),
    `Ready stayed True through the flap (longest lease silence ${silenceMs} ms, grace ${GRACE_S} s): ${readiness}`,
  );
  const nodeAfter = await fleet.api.get<KubeObject>('/api/v1/nodes/drone-1');
  assert.equal(readyOf(nodeAfter)!.lastTransitionTime, readyOf(nodeBefore)!.lastTransitionTime);
  assert.ok(!hasTaint(nodeAfter, UNREACHABLE, 'NoExecute'));
  const answer = JSON.parse((await device.fetch(`http://127.0.0.1:${HTTP_PORT}/`)).body);
  assert.equal(answer.device, 'drone-1');
  const status = await device.status();
  assert.equal(status.connected, true);
  console.log(
    `# flap of ${FLAP_MS} ms on drone-1: longest lease silence ${silenceMs} ms (grace ${GRACE_S} s); agent log since the cut: ${JSON.stringify(
      device
        .output()
        .slice(mark)
        .split('\n')
        .filter((l) => l.startsWith('link:')),
    )}`,
  );
});

test('a lost link: out of range within a few leases, fleet pods stay and run, the handler moves', {
  skip,
}, async () => {
  const device = fleet.device('drone-1');
  const hello = (await podOn('hello', 'drone-1'))!;
  const anchor = (await podOn('anchor', 'drone-1'))!;
  const fleetPod = (await podOn('telemetry', 'drone-1'))!;
  assert.ok(hello && anchor && fleetPod, 'hello, anchor and a telemetry pod on drone-1');
  const recorder = fleet.record(NS);
  const cutAt = Date.now();
  device.cut();
  try {
    // 1. Out of range: Ready=Unknown and the unreachable taints, within a few lease intervals.
    const node = await fleet.nodeReady('drone-1', 'Unknown', (GRACE_S + 6) * 1000);
    const detectedMs = Date.now() - cutAt;
    assert.equal(readyOf(node)!.reason, 'DeviceOutOfRange');
    assert.ok(hasTaint(node, UNREACHABLE, 'NoExecute') && hasTaint(node, UNREACHABLE, 'NoSchedule'));
    assert.ok(
      detectedMs >= (GRACE_S - 1) * 1000,
      `detected after ${detectedMs} ms, before the grace ran out`,
    );
    assert.ok(detectedMs <= (GRACE_S + 3) * 1000, `detected after ${detectedMs} ms`);

    // 2. The handler is evicted after its toleration and runs on another device, answering there.
    const replacement = await eventually(
      'a hello replacement Running on another device',
      async () =>
        (await fleet.pods(NS, 'app=hello')).find((p) => isRunningReady(p) && p.spec.nodeName !== 'drone-1'),
      (TOLERATION_S + 15) * 1000,
    );
    const movedMs = Date.now() - cutAt;
    const evicted = recorder
      .pods()
      .find((e) => e.object.metadata.uid === hello.metadata.uid && e.object.metadata.deletionTimestamp);
    assert.ok(evicted, 'the old hello pod was deleted (evicted)');
    const taintAdded = Date.parse(
      node.spec.taints.find(
        (t: { key: string; effect: string }) => t.key === UNREACHABLE && t.effect === 'NoExecute',
      ).timeAdded,
    );
    // timeAdded has whole seconds: allow one second of rounding.
    assert.ok(
      evicted.at - taintAdded >= (TOLERATION_S - 1) * 1000,
      `evicted ${evicted.at - taintAdded} ms after the taint, before its ${TOLERATION_S} s toleration`,
    );
    const answer = JSON.parse(
      (await fleet.device(replacement.spec.nodeName).fetch(`http://127.0.0.1:${HTTP_PORT}/`)).body,
    );
    assert.equal(answer.device, replacement.spec.nodeName);

    // 3. The fleet pod and the long-tolerating pod stay bound to the away device...
    for (const p of [fleetPod, anchor]) {
      const now = await fleet.api.get<KubeObject>(`/api/v1/namespaces/${NS}/pods/${p.metadata.name}`);
      assert.equal(now.metadata.uid, p.metadata.uid);
      assert.equal(now.spec.nodeName, 'drone-1');
      assert.equal(now.metadata.deletionTimestamp, undefined, `${p.metadata.name} is not being deleted`);
    }
    assert.equal(
      (await fleet.pods(NS, 'app=anchor')).length,
      1,
      'no replacement for the pod that tolerates the outage',
    );
    // ...and keep running there: the device says so, and the telemetry log keeps growing.
    const status = await device.status();
    assert.equal(status.connected, false, 'the device knows it is offline');
    for (const p of [fleetPod, anchor, hello]) {
      const local = devicePod(status, p.metadata.name!);
      assert.ok(local, `drone-1 knows ${p.metadata.name}: ${JSON.stringify(status.pods)}`);
      assert.equal(local.uid, p.metadata.uid);
      assert.equal(local.containers[0].state, 'running', `${p.metadata.name} runs on the device`);
      assert.equal(local.containers[0].restartCount, 0);
    }
    const seq = async () => {
      const r = await device.fetch(
        `${device.localApi}/logs/${NS}/${fleetPod.metadata.name}/telemetry?tailLines=3`,
      );
      const last = r.body
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .pop();
      return (JSON.parse(last ?? '{}') as { seq: number }).seq;
    };
    const seq1 = await seq();
    await sleep(1_200);
    assert.ok((await seq()) > seq1, 'the fleet pod keeps publishing while the device is away');
    console.log(
      `# link cut: Ready=Unknown after ${detectedMs} ms (grace ${GRACE_S} s, lease 1 s); handler evicted ${evicted.at - cutAt} ms after the cut and Running on ${replacement.spec.nodeName} ${movedMs} ms after it`,
    );
  } finally {
    device.restore();
  }

  // 4. Back in range: Ready again, taints gone, the evicted copy stopped and confirmed, nothing else changed.
  await fleet.nodeReady('drone-1', 'True', 30_000);
  await eventually(
    'the evicted hello pod to be gone (confirmed by the device)',
    async () => !(await fleet.pods(NS, 'app=hello')).some((p) => p.metadata.uid === hello.metadata.uid),
    30_000,
  );
  const node = await fleet.api.get<KubeObject>('/api/v1/nodes/drone-1');
  assert.ok(!hasTaint(node, UNREACHABLE, 'NoExecute') && !hasTaint(node, UNREACHABLE, 'NoSchedule'));
  await assert.rejects(
    device.fetch(`http://127.0.0.1:${HTTP_PORT}/`),
    /ECONNREFUSED/,
    'the old handler copy stopped on drone-1',
  );
  const back = await device.status();
  for (const p of [fleetPod, anchor]) {
    const local = devicePod(back, p.metadata.name!);
    assert.ok(local, `drone-1 knows ${p.metadata.name}: ${JSON.stringify(back.pods)}`);
    assert.equal(local.uid, p.metadata.uid);
    assert.equal(local.containers[0].state, 'running');
    assert.equal(local.containers[0].restartCount, 0, `${p.metadata.name} never restarted`);
  }
  assert.equal(devicePod(back, hello.metadata.name!), undefined);
  const hellos = await fleet.pods(NS, 'app=hello');
  assert.equal(hellos.length, 1, 'exactly one handler pod');
  recorder.stop();
});
