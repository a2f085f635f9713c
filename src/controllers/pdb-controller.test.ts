import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import { budgetNumbers } from './pdb-controller.js';
import {
  apiRequest,
  createNode,
  FakeAgent,
  isReady,
  mutate,
  podsWith,
  startTestHub,
  type TestHub,
  waitFor,
} from './test-support.js';

const readyPod = (name: string, ready = true, deleting = false): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

describe('budget arithmetic', () => {
  const pods = [readyPod('a'), readyPod('b'), readyPod('c', false), readyPod('d', true, true)];

  test('minAvailable as an integer counts the selected pods', () => {
    assert.deepEqual(
      budgetNumbers({ minAvailable: 1 }, pods, () => 9),
      { expectedPods: 4, desiredHealthy: 1, currentHealthy: 2, disruptionsAllowed: 1 },
    );
    assert.equal(budgetNumbers({ minAvailable: 2 }, pods, () => 9).disruptionsAllowed, 0);
  });

  test('percentages and maxUnavailable use the controllers’ scale, rounding up', () => {
    assert.deepEqual(
      budgetNumbers({ minAvailable: '50%' }, pods, () => 3),
      {
        expectedPods: 3,
        desiredHealthy: 2,
        currentHealthy: 2,
        disruptionsAllowed: 0,
      },
    );
    assert.deepEqual(
      budgetNumbers({ maxUnavailable: 1 }, pods, () => 3),
      {
        expectedPods: 3,
        desiredHealthy: 2,
        currentHealthy: 2,
        disruptionsAllowed: 0,
      },
    );
    assert.deepEqual(
      budgetNumbers({ maxUnavailable: '34%' }, pods, () => 3),
      {
        expectedPods: 3,
        desiredHealthy: 1,
        currentHealthy: 2,
        disruptionsAllowed: 1,
      },
    );
  });

  test('no expected pods means no disruptions', () => {
    assert.equal(budgetNumbers({ maxUnavailable: 5 }, [], () => 0).disruptionsAllowed, 0);
  });
});

describe('PodDisruptionBudgets in a hub', () => {
  let h: TestHub;
  let agent: FakeAgent;
  const pdbType = () => h.type('policy', 'poddisruptionbudgets');

  before(async () => {
    h = await startTestHub();
    agent = new FakeAgent(h, { readyDelayMs: 20 }).start();
    await createNode(h, 'n1');
    await createNode(h, 'n2');
    await h.objects.create(h.type('apps', 'deployments'), 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'db' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'db' } },
        template: {
          metadata: { labels: { app: 'db' } },
          spec: { containers: [{ name: 'db', image: 'db:1' }] },
        },
      },
    });
    await waitFor('db pods ready', () => podsWith(h, 'default', { app: 'db' }).filter(isReady).length === 2);
  });

  after(async () => {
    agent?.stop();
    await h?.stop();
  });

  const evict = (pod: string) =>
    apiRequest(h, 'POST', `/api/v1/namespaces/default/pods/${pod}/eviction`, {
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: { name: pod, namespace: 'default' },
    });

  test('a budget that allows no disruption blocks an eviction with 429', async () => {
    await h.objects.create(pdbType(), 'default', {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'db' },
      spec: { minAvailable: 2, selector: { matchLabels: { app: 'db' } } },
    });
    const status = await waitFor('pdb status', () => {
      const s = h.objects.find(pdbType(), 'default', 'db')?.status;
      return s?.observedGeneration === 1 && s.currentHealthy === 2 ? s : undefined;
    });
    assert.equal(status.desiredHealthy, 2);
    assert.equal(status.expectedPods, 2);
    assert.equal(status.disruptionsAllowed, 0);
    const cond = status.conditions.find((c: { type: string }) => c.type === 'DisruptionAllowed');
    assert.equal(cond.status, 'False');
    assert.equal(cond.reason, 'InsufficientPods');

    const victim = podsWith(h, 'default', { app: 'db' })[0]!.metadata.name!;
    const res = await evict(victim);
    assert.equal(res.status, 429, res.body);
    assert.match(JSON.parse(res.body).message, /disruption budget/);
    assert.ok(!h.objects.find(h.type('', 'pods'), 'default', victim)?.metadata.deletionTimestamp);
  });

  test('maxUnavailable 1 lets one pod go, then holds until the replacement is ready', async () => {
    await mutate(h, pdbType(), 'default', 'db', (pdb) => {
      pdb.spec = { maxUnavailable: 1, selector: { matchLabels: { app: 'db' } } };
    });
    const status = await waitFor('one disruption allowed', () => {
      const s = h.objects.find(pdbType(), 'default', 'db')?.status;
      return s?.observedGeneration === 2 && s.disruptionsAllowed === 1 ? s : undefined;
    });
    assert.equal(status.expectedPods, 2, 'the Deployment’s scale');
    assert.equal(status.desiredHealthy, 1);
    assert.equal(status.conditions[0].reason, 'SufficientPods');
    const seen: { currentHealthy: number; disruptionsAllowed: number }[] = [];
    const stop = h.objects.watch(
      pdbType(),
      'default',
      { resourceVersion: h.objects.store.revision.toString() },
      (e) => seen.push(e.object.status),
    );
    const [first] = podsWith(h, 'default', { app: 'db' });
    const res = await evict(first!.metadata.name!);
    assert.equal(res.status, 201, res.body);
    await waitFor('replacement ready and budget restored', () => {
      const s = h.objects.find(pdbType(), 'default', 'db')?.status;
      return seen.length > 1 && s?.currentHealthy === 2 && s.disruptionsAllowed === 1;
    });
    stop();
    // While the evicted pod was going and its replacement starting, no further disruption was allowed.
    assert.ok(
      seen.some((s) => s.currentHealthy === 1 && s.disruptionsAllowed === 0),
      JSON.stringify(seen),
    );
  });
});
