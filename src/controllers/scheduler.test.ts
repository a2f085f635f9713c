/** The scheduler in a real hub: selectors, Unschedulable with upstream's message, retry on node changes. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { EventRecorder } from './events.js';
import { createNode, mutate, startTestHub, type TestHub, waitFor } from './test-support.js';

let h: TestHub;

before(async () => {
  h = await startTestHub();
  await createNode(h, 'cordoned', { unschedulable: true, labels: { zone: 'north' } });
  await createNode(h, 'plain-a');
  await createNode(h, 'plain-b', { allocatable: { cpu: '1', memory: '1Gi', pods: '10' } });
});

after(async () => {
  await h?.stop();
});

const podType = () => h.type('', 'pods');

function pod(name: string, spec: Record<string, unknown> = {}, cpu = '100m'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory: '32Mi' } } }],
      ...spec,
    },
  };
}

const condition = (p: KubeObject | undefined) =>
  (p?.status?.conditions ?? []).find((c: { type: string }) => c.type === 'PodScheduled');
const eventsFor = (name: string, reason: string) =>
  h.objects
    .list(h.type('', 'events'), 'default')
    .items.filter((e) => e.involvedObject.name === name && e.reason === reason);

test('a pod whose nodeSelector matches no node is Unschedulable, then scheduled when a node matches', async () => {
  await h.objects.create(podType(), 'default', pod('picky', { nodeSelector: { zone: 'south' } }));
  const cond = await waitFor('Unschedulable', () => {
    const c = condition(h.objects.find(podType(), 'default', 'picky'));
    return c?.reason === 'Unschedulable' ? c : undefined;
  });
  assert.equal(cond.status, 'False');
  assert.equal(
    cond.message,
    "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector.",
  );
  const failed = await waitFor('FailedScheduling event', () => eventsFor('picky', 'FailedScheduling')[0]);
  assert.equal(failed.type, 'Warning');
  assert.equal(failed.message, cond.message);
  assert.equal(failed.source.component, 'default-scheduler');
  assert.equal(failed.involvedObject.kind, 'Pod');

  await mutate(h, h.type('', 'nodes'), undefined, 'plain-b', (n) => {
    n.metadata.labels = { ...n.metadata.labels, zone: 'south' };
  });
  const bound = await waitFor('bound', () => {
    const p = h.objects.find(podType(), 'default', 'picky');
    return p?.spec.nodeName ? p : undefined;
  });
  assert.equal(bound.spec.nodeName, 'plain-b');
  assert.equal(condition(bound).status, 'True');
  const scheduled = await waitFor('Scheduled event', () => eventsFor('picky', 'Scheduled')[0]);
  assert.equal(scheduled.message, 'Successfully assigned default/picky to plain-b');
});

test('required node affinity and tolerations are honoured; a cordoned node is skipped', async () => {
  await h.objects.create(
    podType(),
    'default',
    pod('affine', {
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['plain-a'] }] },
            ],
          },
        },
      },
    }),
  );
  await waitFor(
    'affine on plain-a',
    () => h.objects.find(podType(), 'default', 'affine')?.spec.nodeName === 'plain-a',
  );
  await h.objects.create(podType(), 'default', pod('north', { nodeSelector: { zone: 'north' } }));
  await waitFor(
    'north unschedulable',
    () => condition(h.objects.find(podType(), 'default', 'north'))?.reason === 'Unschedulable',
  );
  // Tolerating the unschedulable taint lets a pod onto a cordoned node, as upstream.
  await h.objects.create(
    podType(),
    'default',
    pod('north-tolerant', {
      nodeSelector: { zone: 'north' },
      tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }],
    }),
  );
  await waitFor(
    'tolerant pod on the cordoned node',
    () => h.objects.find(podType(), 'default', 'north-tolerant')?.spec.nodeName === 'cordoned',
  );
});

test('requests are counted against allocatable', async () => {
  // plain-b has 1 cpu; picky already asks for 100m.
  await h.objects.create(podType(), 'default', pod('big-1', { nodeSelector: { zone: 'south' } }, '800m'));
  await waitFor(
    'big-1 bound',
    () => h.objects.find(podType(), 'default', 'big-1')?.spec.nodeName === 'plain-b',
  );
  await h.objects.create(podType(), 'default', pod('big-2', { nodeSelector: { zone: 'south' } }, '800m'));
  const cond = await waitFor('big-2 unschedulable', () => {
    const c = condition(h.objects.find(podType(), 'default', 'big-2'));
    return c?.reason === 'Unschedulable' ? c : undefined;
  });
  assert.equal(
    cond.message,
    "0/3 nodes are available: 1 Insufficient cpu, 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) were unschedulable.",
  );
  // Room frees up when a pod goes.
  await h.objects.delete(podType(), 'default', 'big-1', { gracePeriodSeconds: 0 });
  await waitFor(
    'big-2 bound',
    () => h.objects.find(podType(), 'default', 'big-2')?.spec.nodeName === 'plain-b',
  );
});

test('pods for another scheduler, and pods on a node that is not ready, are left alone', async () => {
  await h.objects.create(podType(), 'default', pod('other', { schedulerName: 'my-scheduler' }));
  await createNode(h, 'sick', { ready: 'False', labels: { zone: 'west' } });
  await h.objects.create(podType(), 'default', pod('west', { nodeSelector: { zone: 'west' } }));
  const cond = await waitFor('west unschedulable', () => {
    const c = condition(h.objects.find(podType(), 'default', 'west'));
    return c?.reason === 'Unschedulable' ? c : undefined;
  });
  assert.match(cond.message, /1 node\(s\) had untolerated taint \{node\.kubernetes\.io\/not-ready: \}/);
  assert.equal(h.objects.find(podType(), 'default', 'other')?.spec.nodeName, undefined);
  assert.equal(condition(h.objects.find(podType(), 'default', 'other')), undefined);
  await mutate(
    h,
    h.type('', 'nodes'),
    undefined,
    'sick',
    (n) => {
      n.status.conditions = [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }];
    },
    'status',
  );
  await waitFor(
    'west bound once the node is ready',
    () => h.objects.find(podType(), 'default', 'west')?.spec.nodeName === 'sick',
  );
});

test('events are deduplicated by counting up', async () => {
  const recorder = new EventRecorder(h.objects, 'test-component');
  const subject = (await h.objects.create(podType(), 'default', pod('eventful', { schedulerName: 'nobody' })))
    .object;
  recorder.event(subject, 'Warning', 'Flapping', 'it happened');
  recorder.event(subject, 'Warning', 'Flapping', 'it happened');
  recorder.event(subject, 'Warning', 'Flapping', 'something else');
  await recorder.flush();
  const events = eventsFor('eventful', 'Flapping');
  assert.equal(events.length, 2);
  const repeated = events.find((e) => e.message === 'it happened')!;
  assert.equal(repeated.count, 2);
  assert.equal(repeated.type, 'Warning');
  assert.equal(repeated.source.component, 'test-component');
  assert.equal(repeated.involvedObject.uid, subject.metadata.uid);
  assert.ok(repeated.firstTimestamp && repeated.lastTimestamp);
  recorder.close();
});

test('one object gets a burst of 25 events, the rest are dropped (client-go spam filter)', async () => {
  const recorder = new EventRecorder(h.objects, 'test-component');
  const subject = (await h.objects.create(podType(), 'default', pod('chatty', { schedulerName: 'nobody' })))
    .object;
  const other = (await h.objects.create(podType(), 'default', pod('quiet', { schedulerName: 'nobody' })))
    .object;
  for (let i = 0; i < 40; i++) recorder.event(subject, 'Normal', 'Created', `pod ${i}`);
  recorder.event(other, 'Normal', 'Created', 'pod 0');
  await recorder.flush();
  assert.equal(eventsFor('chatty', 'Created').length, 25);
  assert.equal(eventsFor('quiet', 'Created').length, 1, 'another object has its own budget');
  assert.equal(recorder.droppedCount, 15);
  recorder.close();
});

test('listing pods by spec.nodeName answers from the index exactly as a scan would', async () => {
  const type = podType();
  await h.objects.create(type, 'default', pod('bound-a', { schedulerName: 'nobody', nodeName: 'idx-1' }));
  await h.objects.create(type, 'default', pod('bound-b', { schedulerName: 'nobody', nodeName: 'idx-2' }));
  await h.objects.create(type, 'default', pod('unbound', { schedulerName: 'nobody' }));
  const names = (fieldSelector: string, namespace?: string) =>
    h.objects.list(type, namespace, { fieldSelector }).items.map((p) => p.metadata.name);
  assert.deepEqual(names('spec.nodeName=idx-1'), ['bound-a']);
  assert.deepEqual(names('spec.nodeName=idx-1', 'default'), ['bound-a']);
  assert.deepEqual(names('spec.nodeName=idx-1', 'other'), []);
  assert.deepEqual(names('spec.nodeName=idx-1,metadata.name=bound-b'), [], 'every requirement still applies');
  assert.ok(names('spec.nodeName=').includes('unbound'), 'unscheduled pods are found by a scan');
  assert.ok(!names('spec.nodeName!=idx-1').includes('bound-a'));
});
