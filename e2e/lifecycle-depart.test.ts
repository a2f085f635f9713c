/**
 * Graceful departure with three real devices: `minato node depart truck-1 --in 10s` cordons the
 * Node and its relocatable pods move before the link goes, one at a time where a
 * PodDisruptionBudget (minAvailable 1) says so: the second worker is held back until a replacement
 * is Ready. The fleet pod (DaemonSet) stays. Then the link goes (out of range, nothing to move), comes
 * back, and the device returns by itself when it is back in range after its deadline (uncordoned): new
 * pods may land there again. `POST /return` on its local API does the same by hand.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import {
  devicePod,
  eventually,
  Fleet,
  HTTP_PORT,
  helloDeployment,
  isRunningReady,
  type Recorded,
  telemetryDaemonSet,
  whyNoNetns,
} from './lifecycle-harness.test.js';
import { CLI_PATH } from './support/hub-process.js';

const NS = 'default';
const DEVICES = ['truck-1', 'truck-2', 'truck-3'];
const GRACE_S = 4;
const skip = whyNoNetns();

let fleet: Fleet;
/** What the departure test saw of the PodDisruptionBudget's workers (checked by the next test). */
let drain: ReturnType<typeof budgetReport> | undefined;

/**
 * Replays the recorded worker events: the fewest workers Ready and not being deleted at any moment
 * (after both were Ready), and for each old worker's eviction how many replacements were Ready then.
 */
function budgetReport(events: Recorded[], oldUids: Set<string | undefined>, t0: number, pdbLog: string[]) {
  const state = new Map<string, { ready: boolean; deleting: boolean; old: boolean }>();
  let synced = false;
  let minHealthy = Number.POSITIVE_INFINITY;
  const deletions: { uid: string; atMs: number; replacementsReady: number }[] = [];
  const lines: string[] = [];
  for (const e of events) {
    const p = e.object;
    if (p.metadata.labels?.app !== 'worker') continue;
    const uid = p.metadata.uid!;
    const before_ = state.get(uid);
    if (e.type === 'DELETED') state.delete(uid);
    else
      state.set(uid, {
        ready: isRunningReady(p),
        deleting: Boolean(p.metadata.deletionTimestamp),
        old: oldUids.has(uid),
      });
    const now = state.get(uid);
    if (now?.deleting && !before_?.deleting && now.old)
      deletions.push({
        uid,
        atMs: e.at - t0,
        replacementsReady: [...state.values()].filter((s) => !s.old && s.ready && !s.deleting).length,
      });
    const healthy = [...state.values()].filter((s) => s.ready && !s.deleting).length;
    synced ||= healthy >= 2;
    if (synced) minHealthy = Math.min(minHealthy, healthy);
    lines.push(
      `${e.at - t0} ms ${e.type} ${p.metadata.name}${oldUids.has(uid) ? ' (old)' : ''} node=${p.spec.nodeName ?? '-'} phase=${p.status?.phase} ready=${isRunningReady(p)} deleting=${Boolean(p.metadata.deletionTimestamp)} -> healthy ${healthy}`,
    );
  }
  return { deletions, minHealthy, timeline: [...lines, ...pdbLog].join('\n') };
}

/** Two relocatable telemetry workers (no port, so both may share a device). */
function workerDeployment(): KubeObject {
  const ds = telemetryDaemonSet(NS);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'worker', namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: { app: 'worker' } },
      template: { metadata: { labels: { app: 'worker' } }, spec: ds.spec.template.spec },
    },
  };
}

function minato(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI_PATH, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    p.stderr.setEncoding('utf8').on('data', (c: string) => {
      out += c;
    });
    p.once('close', (code) => resolve({ code, out }));
  });
}

before(async () => {
  if (skip) return;
  fleet = await Fleet.start('lifecycle-depart', { devices: DEVICES, nodeGraceSeconds: GRACE_S });
  // Everything relocatable starts on truck-1.
  await fleet.kubectl.ok(['cordon', 'truck-2', 'truck-3']);
  await fleet.apply(telemetryDaemonSet(NS), workerDeployment(), helloDeployment(NS), {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: { name: 'worker', namespace: NS },
    spec: { minAvailable: 1, selector: { matchLabels: { app: 'worker' } } },
  });
  for (const what of ['deployment/worker', 'deployment/hello', 'daemonset/telemetry'])
    await fleet.kubectl.ok(['rollout', 'status', what, '--timeout=30s'], { timeoutMs: 35_000 });
  await fleet.kubectl.ok(['uncordon', 'truck-2', 'truck-3']);
  await eventually('the budget to allow one disruption', async () => {
    const pdb = await fleet.api.get<KubeObject>(
      `/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets/worker`,
    );
    return pdb.status?.disruptionsAllowed === 1 && pdb.status.currentHealthy === 2;
  });
});

after(async () => {
  await fleet?.stop();
});

test('depart: cordoned, relocatable pods move before the link goes, fleet pods stay; return uncordons', {
  skip,
}, async () => {
  const device = fleet.device('truck-1');
  const onTruck1 = (
    await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods?fieldSelector=spec.nodeName%3Dtruck-1`)
  ).items;
  const workers = onTruck1.filter((p) => p.metadata.labels?.app === 'worker');
  const fleetPod = onTruck1.find((p) => p.metadata.labels?.app === 'telemetry')!;
  assert.equal(workers.length, 2, 'both workers start on truck-1');
  assert.ok(onTruck1.some((p) => p.metadata.labels?.app === 'hello'));
  const oldUids = new Set(onTruck1.filter((p) => p !== fleetPod).map((p) => p.metadata.uid));

  const recorder = fleet.record(NS);
  const pdbLog: string[] = [];
  const pdbWatch = fleet.api.watch(`/apis/policy/v1/namespaces/${NS}/poddisruptionbudgets`, {
    onEvent: (e) => {
      const st = e.object.status ?? {};
      pdbLog.push(
        `${Date.now() - departAt} ms PDB ${e.type} rv=${e.object.metadata.resourceVersion} disruptionsAllowed=${st.disruptionsAllowed} currentHealthy=${st.currentHealthy}`,
      );
    },
  });
  const departAt = Date.now();
  const r = await minato(['node', 'depart', 'truck-1', '--in', '10s', '--data-dir', fleet.hub.dataDir]);
  assert.equal(r.code, 0, r.out);
  assert.match(r.out, /node\/truck-1 departing by/);
  const deadline = departAt + 10_000;

  try {
    const node = await eventually('truck-1 cordoned', async () => {
      const n = await fleet.api.get<KubeObject>('/api/v1/nodes/truck-1');
      return n.spec.unschedulable === true ? n : undefined;
    });
    assert.ok(node.metadata.annotations?.['minato.dev/departing']);

    // Before the deadline: every relocatable pod runs elsewhere, and its old copy is gone.
    const moved = await eventually(
      'the relocatable pods to run on other devices',
      async () => {
        const pods = (await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods`)).items;
        const relocatable = pods.filter((p) => p.metadata.labels?.app !== 'telemetry');
        const done =
          relocatable.length === 3 &&
          relocatable.every(
            (p) => isRunningReady(p) && p.spec.nodeName !== 'truck-1' && !oldUids.has(p.metadata.uid),
          );
        return done ? relocatable : undefined;
      },
      Math.max(1_000, deadline - Date.now()),
    );
    const drainedMs = Date.now() - departAt;
    const hello = moved.find((p) => p.metadata.labels?.app === 'hello')!;
    const answer = JSON.parse(
      (await fleet.device(hello.spec.nodeName).fetch(`http://127.0.0.1:${HTTP_PORT}/`)).body,
    );
    assert.equal(answer.device, hello.spec.nodeName, 'the handler answers on its new device');

    drain = budgetReport(recorder.pods(), oldUids, departAt, pdbLog);

    // The fleet pod stays, running on the device.
    const stillThere = await fleet.api.get<KubeObject>(
      `/api/v1/namespaces/${NS}/pods/${fleetPod.metadata.name}`,
    );
    assert.equal(stillThere.metadata.uid, fleetPod.metadata.uid);
    assert.equal(stillThere.metadata.deletionTimestamp, undefined);
    const local = devicePod(await device.status(), fleetPod.metadata.name!);
    assert.equal(local?.containers[0].state, 'running');
    console.log(
      `# departure: relocatable pods drained and Running elsewhere ${drainedMs} ms after minato node depart`,
    );

    // The link goes at the deadline: out of range, but there is nothing left to move.
    await new Promise((res) => setTimeout(res, Math.max(0, deadline - Date.now())));
    device.cut();
    await fleet.nodeReady('truck-1', 'Unknown', (GRACE_S + 6) * 1000);
    const away = (
      await fleet.api.list<KubeObject>(`/api/v1/namespaces/${NS}/pods?fieldSelector=spec.nodeName%3Dtruck-1`)
    ).items;
    assert.deepEqual(
      away.map((p) => p.metadata.uid),
      [fleetPod.metadata.uid],
      'only the fleet pod is bound to the departed device',
    );
  } finally {
    device.restore();
    recorder.stop();
    pdbWatch.stop();
  }

  // Back in range after its deadline: the device returns by itself (no call needed), uncordoned.
  await fleet.nodeReady('truck-1', 'True', 30_000);
  const node = await eventually('truck-1 uncordoned', async () => {
    const n = await fleet.api.get<KubeObject>('/api/v1/nodes/truck-1');
    return !n.spec.unschedulable ? n : undefined;
  });
  assert.equal(node.metadata.annotations?.['minato.dev/departing'], undefined);
  assert.equal(node.metadata.annotations?.['minato.dev/cordoned-by'], undefined);
  // Returning again by hand is harmless: nothing left to undo. The hub can see the device back (its
  // registration went through) a moment before the agent has finished reconnecting; it takes the
  // call once it is online.
  await eventually('the agent online again', async () => (await device.status()).connected === true, 40_000);
  const back = await device.fetch(`${device.localApi}/return`, 'POST');
  assert.equal(back.status, 200, back.body);
  // It takes new pods again.
  await fleet.api.create(`/api/v1/namespaces/${NS}/pods`, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'welcome-back' },
    spec: {
      nodeSelector: { 'kubernetes.io/hostname': 'truck-1' },
      containers: [
        {
          name: 'telemetry',
          image: telemetryDaemonSet(NS).spec.template.spec.containers[0].image,
          env: [{ name: 'ITERATIONS', value: '0' }],
        },
      ],
    },
  });
  await eventually('welcome-back Running on truck-1', async () => {
    const p = await fleet.api.get<KubeObject>(`/api/v1/namespaces/${NS}/pods/welcome-back`);
    return p.spec.nodeName === 'truck-1' && isRunningReady(p);
  });
  const fleetAfter = await fleet.api.get<KubeObject>(
    `/api/v1/namespaces/${NS}/pods/${fleetPod.metadata.name}`,
  );
  assert.equal(fleetAfter.metadata.uid, fleetPod.metadata.uid);
  assert.equal(fleetAfter.status.containerStatuses[0].restartCount, 0, 'the fleet pod never restarted');
});

test('the departure drain respects the PodDisruptionBudget: the second worker waits for a Ready replacement', {
  skip,
}, () => {
  assert.ok(drain, 'the departure test recorded no drain');
  const { deletions, minHealthy, timeline } = drain;
  assert.equal(deletions.length, 2, `both old workers were evicted:\n${timeline}`);
  assert.ok(minHealthy >= 1, `Ready workers dropped to ${minHealthy} (minAvailable 1):\n${timeline}`);
  assert.ok(
    deletions[1]!.replacementsReady >= 1,
    `the second worker was evicted before a replacement was Ready:\n${timeline}`,
  );
});
