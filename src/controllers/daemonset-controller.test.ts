import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { nodeShouldRunDaemonPod, rollingUpdateCounts } from './daemonset-controller.js';
import { TAINT_UNREACHABLE } from './node-match.js';
import {
  createNode,
  FakeAgent,
  isReady,
  kubectl,
  mutate,
  nodeObject,
  podsWith,
  sleep,
  startTestHub,
  type TestHub,
  waitFor,
} from './test-support.js';

function daemonSet(name: string, spec: Record<string, unknown> = {}): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    metadata: { name, namespace: 'default', uid: 'ds-uid' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { nodeSelector: { role: 'edge' }, containers: [{ name: 'main', image: 'collector:1' }] },
      },
      ...spec,
    },
  };
}

describe('which nodes a DaemonSet runs on', () => {
  test('nodeSelector and taints decide; the automatic tolerations keep pods through node trouble', () => {
    const ds = daemonSet('d');
    const edge = nodeObject('a', { labels: { role: 'edge' } });
    assert.deepEqual(nodeShouldRunDaemonPod(edge, ds), { shouldRun: true, shouldContinueRunning: true });
    assert.deepEqual(nodeShouldRunDaemonPod(nodeObject('b'), ds), {
      shouldRun: false,
      shouldContinueRunning: false,
    });
    const gpu = nodeObject('c', { labels: { role: 'edge' }, taints: [{ key: 'gpu', effect: 'NoSchedule' }] });
    assert.deepEqual(nodeShouldRunDaemonPod(gpu, ds), { shouldRun: false, shouldContinueRunning: true });
    const evicting = nodeObject('d', {
      labels: { role: 'edge' },
      taints: [{ key: 'gpu', effect: 'NoExecute' }],
    });
    assert.deepEqual(nodeShouldRunDaemonPod(evicting, ds), {
      shouldRun: false,
      shouldContinueRunning: false,
    });
    const away = nodeObject('e', {
      labels: { role: 'edge' },
      ready: 'Unknown',
      taints: [
        { key: TAINT_UNREACHABLE, effect: 'NoExecute' },
        { key: TAINT_UNREACHABLE, effect: 'NoSchedule' },
      ],
    });
    // As upstream: no new daemon pods on an unreachable node (NoSchedule), but the running one stays.
    assert.deepEqual(nodeShouldRunDaemonPod(away, ds), { shouldRun: false, shouldContinueRunning: true });
    const cordoned = nodeObject('f', {
      labels: { role: 'edge' },
      unschedulable: true,
      taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }],
    });
    assert.equal(nodeShouldRunDaemonPod(cordoned, ds).shouldRun, true);
  });

  test('rolling update bounds round up and never both zero', () => {
    const ds = (rollingUpdate: Record<string, unknown>) =>
      daemonSet('d', { updateStrategy: { type: 'RollingUpdate', rollingUpdate } });
    assert.deepEqual(rollingUpdateCounts(ds({ maxUnavailable: '10%' }), 15), { surge: 0, unavailable: 2 });
    assert.deepEqual(rollingUpdateCounts(ds({ maxUnavailable: 0, maxSurge: '25%' }), 5), {
      surge: 2,
      unavailable: 0,
    });
    assert.deepEqual(rollingUpdateCounts(ds({ maxUnavailable: 0, maxSurge: 0 }), 5), {
      surge: 0,
      unavailable: 1,
    });
    assert.deepEqual(rollingUpdateCounts(daemonSet('d', { updateStrategy: { type: 'OnDelete' } }), 5), {
      surge: 0,
      unavailable: 0,
    });
  });
});

describe('DaemonSet controller in a hub', () => {
  let h: TestHub;
  let agent: FakeAgent;
  const dsType = () => h.type('apps', 'daemonsets');
  const live = (app: string) => podsWith(h, 'default', { app }).filter((p) => !p.metadata.deletionTimestamp);
  const nodesOf = (pods: KubeObject[]) => pods.map((p) => p.spec.nodeName).sort();

  before(async () => {
    // Devices renew leases; one that stops is out of range after 2 s.
    h = await startTestHub({ nodeLifecycle: { graceSeconds: 2, tickMs: 200 } });
    agent = new FakeAgent(h, { readyDelayMs: 30, renewLeases: true }).start();
    await createNode(h, 'n1', { labels: { role: 'edge' } });
    await createNode(h, 'n2', { labels: { role: 'edge' } });
    await createNode(h, 'n3', {
      labels: { role: 'edge' },
      taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }],
    });
    await createNode(h, 'n4');
  });

  after(async () => {
    agent?.stop();
    await h?.stop();
  });

  test('one pod per matching node, bound at creation, none on a tainted node', async () => {
    const { metadata, ...rest } = daemonSet('collector', {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1 } },
    });
    await h.objects.create(dsType(), 'default', { ...rest, metadata: { name: metadata.name } });
    const status = await waitFor('collector ready on 2 nodes', () => {
      const s = h.objects.find(dsType(), 'default', 'collector')?.status;
      return s?.numberAvailable === 2 ? s : undefined;
    });
    assert.deepEqual(nodesOf(live('collector')), ['n1', 'n2']);
    assert.equal(status.desiredNumberScheduled, 2);
    assert.equal(status.currentNumberScheduled, 2);
    assert.equal(status.numberReady, 2);
    assert.equal(status.updatedNumberScheduled, 2);
    assert.equal(status.numberMisscheduled, 0);
    assert.equal(status.observedGeneration, 1);
    const pod = live('collector')[0]!;
    assert.ok(pod.metadata.labels?.['controller-revision-hash']);
    assert.equal(pod.metadata.ownerReferences?.[0]?.kind, 'DaemonSet');
    const keys = (pod.spec.tolerations as { key: string; effect: string }[]).map(
      (t) => `${t.key}:${t.effect}`,
    );
    assert.ok(keys.includes('node.kubernetes.io/unreachable:NoExecute'));
    assert.ok(keys.includes('node.kubernetes.io/not-ready:NoExecute'));
    assert.ok(keys.includes('node.kubernetes.io/unschedulable:NoSchedule'));
  });

  test('a new matching node gets a pod', async () => {
    await createNode(h, 'n5', { labels: { role: 'edge' } });
    await waitFor('pod on n5', () => live('collector').some((p) => p.spec.nodeName === 'n5' && isReady(p)));
    await waitFor(
      'status counts n5',
      () => h.objects.find(dsType(), 'default', 'collector')?.status?.numberAvailable === 3,
    );
    assert.deepEqual(nodesOf(live('collector')), ['n1', 'n2', 'n5']);
  });

  test('an out-of-range node keeps its pod; a rolling update leaves it until it is back', async () => {
    const before = live('collector').find((p) => p.spec.nodeName === 'n1')!;
    agent.offline.add('n1');
    await waitFor('n1 out of range', () => {
      const n1 = h.objects.find(h.type('', 'nodes'), undefined, 'n1');
      return n1?.spec?.taints?.some((t: { key: string }) => t.key === TAINT_UNREACHABLE);
    });
    await sleep(300);
    const still = live('collector').find((p) => p.spec.nodeName === 'n1');
    assert.equal(still?.metadata.uid, before.metadata.uid, 'the daemon pod stays on the unreachable node');

    await mutate(h, dsType(), 'default', 'collector', (ds) => {
      ds.spec.template.spec.containers[0].image = 'collector:2';
    });
    await waitFor('n2 and n5 updated', () => {
      const pods = live('collector').filter(
        (p) => p.spec.containers[0].image === 'collector:2' && isReady(p),
      );
      return nodesOf(pods).join() === 'n2,n5';
    });
    // As upstream, an unreachable node is not counted as desired while it is away.
    const s = h.objects.find(dsType(), 'default', 'collector')!.status;
    assert.equal(s.desiredNumberScheduled, 2);
    assert.equal(s.updatedNumberScheduled, 2);
    await sleep(300);
    const stillOld = h.objects.find(h.type('', 'pods'), 'default', before.metadata.name!);
    assert.ok(stillOld && !stillOld.metadata.deletionTimestamp, 'the away node keeps its old pod');

    agent.online('n1');
    await waitFor('n1 back in range', () => {
      const s = h.objects.find(dsType(), 'default', 'collector')?.status;
      return s?.desiredNumberScheduled === 3;
    });
    const result = await kubectl(h, ['rollout', 'status', 'daemonset/collector', '--timeout=30s']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /daemon set "collector" successfully rolled out/);
    const pods = live('collector');
    assert.deepEqual(nodesOf(pods), ['n1', 'n2', 'n5']);
    for (const p of pods) assert.equal(p.spec.containers[0].image, 'collector:2');
  });

  test('maxSurge starts the new pod on a node before the old one goes', async () => {
    const { metadata, ...rest } = daemonSet('surging', {
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
    });
    await h.objects.create(dsType(), 'default', { ...rest, metadata: { name: metadata.name } });
    await waitFor('surging ready on 3 nodes', () => live('surging').filter(isReady).length === 3);
    let minReady = Number.POSITIVE_INFINITY;
    let maxPods = 0;
    const stop = h.objects.watch(h.type('', 'pods'), 'default', {}, () => {
      minReady = Math.min(minReady, live('surging').filter(isReady).length);
      maxPods = Math.max(maxPods, live('surging').length);
    });
    await mutate(h, dsType(), 'default', 'surging', (ds) => {
      ds.spec.template.spec.containers[0].image = 'collector:2';
    });
    await waitFor('surging updated', () => {
      const pods = live('surging');
      return (
        pods.length === 3 && pods.every((p) => p.spec.containers[0].image === 'collector:2' && isReady(p))
      );
    });
    stop();
    assert.equal(minReady, 3, 'no node was without a ready daemon');
    assert.equal(maxPods, 4, 'one node at a time had two');
  });

  test('a node that stops matching loses its pod; OnDelete waits for pods to be deleted', async () => {
    await mutate(h, h.type('', 'nodes'), undefined, 'n5', (n) => {
      delete n.metadata.labels?.role;
    });
    await waitFor('n5 pod gone', () => !live('collector').some((p) => p.spec.nodeName === 'n5'));

    const { metadata, ...rest } = daemonSet('ondelete', { updateStrategy: { type: 'OnDelete' } });
    await h.objects.create(dsType(), 'default', { ...rest, metadata: { name: metadata.name } });
    await waitFor('ondelete on 2 nodes', () => live('ondelete').filter(isReady).length === 2);
    await mutate(h, dsType(), 'default', 'ondelete', (ds) => {
      ds.spec.template.spec.containers[0].image = 'collector:2';
    });
    await sleep(300);
    assert.ok(live('ondelete').every((p) => p.spec.containers[0].image === 'collector:1'));
    const victim = live('ondelete')[0]!;
    await h.objects.delete(h.type('', 'pods'), 'default', victim.metadata.name!);
    await waitFor('replacement with the new template', () =>
      live('ondelete').some(
        (p) => p.spec.nodeName === victim.spec.nodeName && p.spec.containers[0].image === 'collector:2',
      ),
    );
    const status = await waitFor('status', () => {
      const s = h.objects.find(dsType(), 'default', 'ondelete')?.status;
      return s?.updatedNumberScheduled === 1 && s.numberAvailable === 2 ? s : undefined;
    });
    assert.equal(status.desiredNumberScheduled, 2);
  });
});
