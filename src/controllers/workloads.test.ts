/**
 * Deployments and ReplicaSets end to end in a real hub: scheduling across nodes, rolling updates
 * within maxSurge/maxUnavailable, Recreate, kubectl rollout status/restart/undo, garbage collection.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { REVISION } from './rollout.js';
import {
  FakeAgent,
  isReady,
  kubectl,
  mutate,
  podsWith,
  startTestHub,
  type TestHub,
  waitFor,
} from './test-support.js';

let h: TestHub;
let agent: FakeAgent;

before(async () => {
  h = await startTestHub();
  agent = new FakeAgent(h, { readyDelayMs: 40 }).start();
  for (const name of ['n1', 'n2', 'n3']) {
    await h.objects.create(h.type('', 'nodes'), undefined, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name },
      status: {
        allocatable: { cpu: '2', memory: '4Gi', pods: '110' },
        conditions: [{ type: 'Ready', status: 'True' }],
      },
    });
  }
});

after(async () => {
  agent?.stop();
  await h?.stop();
});

function deployment(name: string, spec: Record<string, unknown> = {}, image = 'nginx:1.25'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'main', image, resources: { requests: { cpu: '100m', memory: '64Mi' } } }],
        },
      },
      ...spec,
    },
  };
}

const deployType = () => h.type('apps', 'deployments');
const rsType = () => h.type('apps', 'replicasets');
const getDeploy = (name: string) => h.objects.find(deployType(), 'default', name);
const replicaSetsOf = (d: KubeObject) =>
  h.objects
    .list(rsType(), 'default')
    .items.filter((rs) => rs.metadata.ownerReferences?.some((r) => r.uid === d.metadata.uid));

function rolledOut(name: string): KubeObject | undefined {
  const d = getDeploy(name);
  const s = d?.status ?? {};
  const want = d?.spec.replicas;
  const done =
    d &&
    s.observedGeneration >= (d.metadata.generation ?? 0) &&
    (s.updatedReplicas ?? 0) === want &&
    (s.replicas ?? 0) === want &&
    (s.availableReplicas ?? 0) === want;
  return done ? d : undefined;
}

test('a Deployment of 3 gets a ReplicaSet and 3 pods bound across the nodes', async () => {
  const created = (await h.objects.create(deployType(), 'default', deployment('web'))).object;
  const d = await waitFor('web rolled out', () => rolledOut('web'));
  const pods = podsWith(h, 'default', { app: 'web' });
  assert.equal(pods.length, 3);
  assert.deepEqual(new Set(pods.map((p) => p.spec.nodeName)), new Set(['n1', 'n2', 'n3']));
  for (const p of pods) {
    assert.ok(isReady(p));
    assert.equal(p.metadata.generateName?.startsWith('web-'), true);
    const ref = p.metadata.ownerReferences?.[0];
    assert.equal(ref?.kind, 'ReplicaSet');
    assert.equal(ref?.controller, true);
    assert.equal(ref?.blockOwnerDeletion, true);
    const scheduled = p.status.conditions.find((c: { type: string }) => c.type === 'PodScheduled');
    assert.equal(scheduled?.status, 'True');
  }
  const [rs] = replicaSetsOf(created);
  assert.ok(rs);
  const hash = rs.metadata.labels?.['pod-template-hash'];
  assert.ok(hash);
  assert.equal(rs.metadata.name, `web-${hash}`);
  assert.equal(rs.spec.selector.matchLabels['pod-template-hash'], hash);
  assert.equal(rs.metadata.annotations?.[REVISION], '1');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '3');
  assert.equal(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '4');
  assert.equal(rs.status.readyReplicas, 3);
  assert.equal(rs.status.availableReplicas, 3);
  assert.equal(d.metadata.annotations?.[REVISION], '1');
  const cond = (type: string) => d.status.conditions.find((c: { type: string }) => c.type === type);
  assert.equal(cond('Available').status, 'True');
  assert.equal(cond('Available').reason, 'MinimumReplicasAvailable');
  assert.equal(cond('Progressing').reason, 'NewReplicaSetAvailable');
  assert.equal(d.status.unavailableReplicas, undefined);
  const events = h.objects
    .list(h.type('', 'events'), 'default')
    .items.filter((e) => e.involvedObject.name === 'web' && e.reason === 'ScalingReplicaSet');
  assert.ok(events.length >= 1);
});

/** Follows a rollout, recording the most pods asked for and the fewest ready pods seen. */
function watchRollout(app: string, d: KubeObject): { stop(): void; maxDesired: number; minReady: number } {
  const record = { maxDesired: 0, minReady: Number.POSITIVE_INFINITY, stop: () => {} };
  const check = () => {
    const desired = replicaSetsOf(d).reduce((n, rs) => n + (rs.spec.replicas ?? 0), 0);
    record.maxDesired = Math.max(record.maxDesired, desired);
    const ready = podsWith(h, 'default', { app }).filter((p) => isReady(p) && !p.metadata.deletionTimestamp);
    record.minReady = Math.min(record.minReady, ready.length);
  };
  const stops = [
    h.objects.watch(h.type('', 'pods'), 'default', {}, check),
    h.objects.watch(rsType(), 'default', {}, check),
  ];
  record.stop = () => {
    for (const s of stops) s();
  };
  return record;
}

test('a template change rolls out within maxSurge=1, maxUnavailable=0 and kubectl rollout status succeeds', async () => {
  const name = 'surge';
  await h.objects.create(
    deployType(),
    'default',
    deployment(name, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    }),
  );
  const d = await waitFor('surge rolled out', () => rolledOut(name));
  const record = watchRollout(name, d);
  await mutate(h, deployType(), 'default', name, (obj) => {
    obj.spec.template.spec.containers[0].image = 'nginx:1.26';
  });
  const status = await kubectl(h, ['rollout', 'status', `deployment/${name}`, '--timeout=30s']);
  record.stop();
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /deployment "surge" successfully rolled out/);
  const after = rolledOut(name);
  assert.ok(after, 'rolled out once kubectl says so');
  assert.ok(record.maxDesired <= 4, `at most replicas + maxSurge pods desired (saw ${record.maxDesired})`);
  assert.ok(
    record.minReady >= 3,
    `never fewer than replicas - maxUnavailable ready (saw ${record.minReady})`,
  );
  const pods = podsWith(h, 'default', { app: name }).filter((p) => !p.metadata.deletionTimestamp);
  assert.equal(pods.length, 3);
  for (const p of pods) assert.equal(p.spec.containers[0].image, 'nginx:1.26');
  const sets = replicaSetsOf(d);
  assert.equal(sets.length, 2);
  const revisions = sets.map((rs) => [
    rs.spec.template.spec.containers[0].image,
    rs.metadata.annotations?.[REVISION],
    rs.spec.replicas,
  ]);
  assert.deepEqual(
    revisions.sort((a, b) => String(a[1]).localeCompare(String(b[1]))),
    [
      ['nginx:1.25', '1', 0],
      ['nginx:1.26', '2', 3],
    ],
  );
});

test('maxSurge=0, maxUnavailable=1 replaces pods one at a time', async () => {
  const name = 'nosurge';
  await h.objects.create(
    deployType(),
    'default',
    deployment(name, {
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 0, maxUnavailable: 1 } },
    }),
  );
  const d = await waitFor('nosurge rolled out', () => rolledOut(name));
  const record = watchRollout(name, d);
  await mutate(h, deployType(), 'default', name, (obj) => {
    obj.spec.template.spec.containers[0].image = 'nginx:1.26';
  });
  await waitFor('nosurge rolled out again', () => {
    const now = rolledOut(name);
    return now && now.metadata.generation === 2 ? now : undefined;
  });
  record.stop();
  assert.ok(record.maxDesired <= 3, `no surge (saw ${record.maxDesired})`);
  assert.ok(record.minReady >= 2, `at most one unavailable (saw ${record.minReady})`);
});

test('kubectl rollout restart and undo go through ReplicaSet revisions', async () => {
  const name = 'surge';
  const restart = await kubectl(h, ['rollout', 'restart', `deployment/${name}`]);
  assert.equal(restart.code, 0, restart.stderr);
  await waitFor('restart rolled out', () => {
    const d = rolledOut(name);
    return d && d.metadata.annotations?.[REVISION] === '3' ? d : undefined;
  });
  const d = getDeploy(name)!;
  assert.ok(d.spec.template.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']);
  assert.equal(replicaSetsOf(d).length, 3);
  // Back to revision 1 (nginx:1.25, no restart annotation): the old ReplicaSet comes back as revision 4.
  const undo = await kubectl(h, ['rollout', 'undo', `deployment/${name}`, '--to-revision=1']);
  assert.equal(undo.code, 0, undo.stderr);
  await waitFor('undo rolled out', () => {
    const now = rolledOut(name);
    return now && now.metadata.annotations?.[REVISION] === '4' ? now : undefined;
  });
  const sets = replicaSetsOf(d);
  assert.equal(sets.length, 3, 'the old ReplicaSet is reused, not copied');
  const active = sets.filter((rs) => rs.spec.replicas > 0);
  assert.equal(active.length, 1);
  assert.equal(active[0]!.spec.template.spec.containers[0].image, 'nginx:1.25');
  assert.equal(active[0]!.metadata.annotations?.[REVISION], '4');
  const history = await kubectl(h, ['rollout', 'history', `deployment/${name}`]);
  assert.equal(history.code, 0, history.stderr);
  assert.match(history.stdout, /\n2 .*\n3 .*\n4 /s);
});

test('Recreate scales the old ReplicaSet to zero before the new one starts', async () => {
  const name = 'recreate';
  await h.objects.create(
    deployType(),
    'default',
    deployment(name, { replicas: 2, strategy: { type: 'Recreate' } }),
  );
  const d = await waitFor('recreate rolled out', () => rolledOut(name));
  let overlap = false;
  const stop = h.objects.watch(h.type('', 'pods'), 'default', {}, () => {
    const images = new Set(podsWith(h, 'default', { app: name }).map((p) => p.spec.containers[0].image));
    if (images.size > 1) overlap = true;
  });
  await mutate(h, deployType(), 'default', name, (obj) => {
    obj.spec.template.spec.containers[0].image = 'nginx:1.26';
  });
  await waitFor('recreate rolled out again', () => {
    const now = rolledOut(name);
    return now && now.metadata.generation === 2 ? now : undefined;
  });
  stop();
  assert.equal(overlap, false, 'old and new pods never exist together');
  assert.equal(replicaSetsOf(d).length, 2);
});

test('scaling a Deployment scales its ReplicaSet; kubectl get deploy shows it', async () => {
  const scale = await kubectl(h, ['scale', 'deployment/web', '--replicas=5']);
  assert.equal(scale.code, 0, scale.stderr);
  await waitFor('web at 5', () => {
    const d = rolledOut('web');
    return d && d.spec.replicas === 5 ? d : undefined;
  });
  const [rs] = replicaSetsOf(getDeploy('web')!);
  assert.equal(rs!.spec.replicas, 5);
  assert.equal(rs!.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '5');
  const get = await kubectl(h, ['get', 'deploy', 'web', '--no-headers']);
  assert.match(get.stdout, /^web\s+5\/5\s+5\s+5\s/);
});

test('a ReplicaSet adopts matching orphans and deletes the surplus, unscheduled first', async () => {
  const podType = h.type('', 'pods');
  // One orphan already running on a node, one not scheduled anywhere.
  for (const [podName, nodeName] of [
    ['orphan-bound', 'n1'],
    ['orphan-pending', undefined],
  ] as const) {
    await h.objects.create(podType, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: podName, labels: { app: 'adopt' } },
      spec: {
        ...(nodeName ? { nodeName } : { schedulerName: 'someone-else' }),
        containers: [{ name: 'c', image: 'busybox' }],
      },
    });
  }
  await waitFor('bound orphan ready', () => isReady(h.objects.find(podType, 'default', 'orphan-bound')!));
  const rs = (
    await h.objects.create(rsType(), 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'adopt' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'adopt' } },
        template: {
          metadata: { labels: { app: 'adopt' } },
          spec: { containers: [{ name: 'c', image: 'busybox' }] },
        },
      },
    })
  ).object;
  await waitFor('one pod left', () => {
    const pods = podsWith(h, 'default', { app: 'adopt' }).filter((p) => !p.metadata.deletionTimestamp);
    return pods.length === 1 ? pods : undefined;
  });
  const kept = h.objects.find(podType, 'default', 'orphan-bound');
  assert.ok(kept, 'the running orphan is kept');
  assert.equal(kept.metadata.ownerReferences?.[0]?.uid, rs.metadata.uid);
  const status = await waitFor('status', () => {
    const now = h.objects.find(rsType(), 'default', 'adopt');
    return now?.status?.readyReplicas === 1 ? now.status : undefined;
  });
  assert.equal(status.replicas, 1);
  assert.equal(status.fullyLabeledReplicas, 1);
  assert.equal(status.availableReplicas, 1);
  assert.equal(status.observedGeneration, 1);
});

test('a rollout that cannot progress exceeds its deadline and kubectl rollout status says so', async () => {
  const name = 'stuck';
  const d = deployment(name, { replicas: 1, progressDeadlineSeconds: 1 });
  d.spec.template.spec.nodeSelector = { zone: 'nowhere' };
  await h.objects.create(deployType(), 'default', d);
  const cond = await waitFor('ProgressDeadlineExceeded', () => {
    const now = getDeploy(name);
    const c = now?.status?.conditions?.find((x: { type: string }) => x.type === 'Progressing');
    return c?.reason === 'ProgressDeadlineExceeded' ? c : undefined;
  });
  assert.equal(cond.status, 'False');
  assert.match(cond.message, /^ReplicaSet "stuck-\w+" has timed out progressing\.$/);
  const status = await kubectl(h, ['rollout', 'status', `deployment/${name}`, '--timeout=10s']);
  assert.notEqual(status.code, 0);
  assert.match(status.stderr, /deployment "stuck" exceeded its progress deadline/);
});

test('deleting a Deployment garbage-collects its ReplicaSets and pods', async () => {
  const d = getDeploy('web')!;
  await h.objects.delete(deployType(), 'default', 'web', { propagationPolicy: 'Background' });
  await waitFor('ReplicaSets gone', () => replicaSetsOf(d).length === 0);
  await waitFor('pods gone', () => podsWith(h, 'default', { app: 'web' }).length === 0);
});
