import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import {
  inWriteBatches,
  isPodAvailable,
  MAX_WRITE_BATCH,
  scaledValue,
  setCondition,
  slowStartBatch,
  templateHash,
  templatesEqualIgnoringHash,
} from './workload-util.js';

test('int-or-percent values scale and round as asked', () => {
  assert.equal(scaledValue(2, 10, true), 2);
  assert.equal(scaledValue('25%', 3, true), 1);
  assert.equal(scaledValue('25%', 3, false), 0);
  assert.equal(scaledValue('25%', 10, true), 3);
  assert.equal(scaledValue('25%', 10, false), 2);
  assert.equal(scaledValue('100%', 7, false), 7);
  assert.equal(scaledValue(undefined, 7, false), 0);
  assert.throws(() => scaledValue('lots', 3, true), /IntOrString/);
});

const template = {
  metadata: { labels: { app: 'web', tier: 'front' } },
  spec: { containers: [{ name: 'c', image: 'nginx:1', ports: [{ containerPort: 80 }] }] },
};

test('template hashes are stable, safe names, and change with the template or collision count', () => {
  const reordered = {
    spec: { containers: [{ ports: [{ containerPort: 80 }], image: 'nginx:1', name: 'c' }] },
    metadata: { labels: { tier: 'front', app: 'web' } },
  };
  const h = templateHash(template);
  assert.equal(templateHash(reordered), h);
  assert.match(h, /^[bcdfghjklmnpqrstvwxz2456789]{1,10}$/);
  const changed = structuredClone(template);
  changed.spec.containers[0]!.image = 'nginx:2';
  assert.notEqual(templateHash(changed), h);
  assert.notEqual(templateHash(template, 1), h);
  assert.notEqual(templateHash(template, 1), templateHash(template, 2));
  // What typed clients add (creationTimestamp: null, empty objects) does not change the hash.
  assert.equal(
    templateHash({
      ...template,
      metadata: { ...template.metadata, creationTimestamp: null, annotations: {} },
    }),
    h,
  );
});

test('templates compare equal apart from the pod-template-hash label', () => {
  const withHash = structuredClone(template) as typeof template & {
    metadata: { labels: Record<string, string> };
  };
  withHash.metadata.labels['pod-template-hash'] = 'abc';
  assert.ok(templatesEqualIgnoringHash(withHash, template));
  assert.ok(
    templatesEqualIgnoringHash(
      { ...template, metadata: { ...template.metadata, creationTimestamp: null } },
      template,
    ),
  );
  const other = structuredClone(template);
  other.metadata.labels.tier = 'back';
  assert.ok(!templatesEqualIgnoringHash(other, template));
});

test('setCondition keeps the transition time while the status holds', () => {
  const first = setCondition([], {
    type: 'Progressing',
    status: 'True',
    reason: 'A',
    lastTransitionTime: 't1',
  });
  assert.deepEqual(
    setCondition(first, { type: 'Progressing', status: 'True', reason: 'A', lastTransitionTime: 't2' }),
    first,
  );
  const moved = setCondition(first, {
    type: 'Progressing',
    status: 'True',
    reason: 'B',
    lastTransitionTime: 't2',
  });
  assert.equal(moved[0]!.reason, 'B');
  assert.equal(moved[0]!.lastTransitionTime, 't1');
  const flipped = setCondition(first, {
    type: 'Progressing',
    status: 'False',
    reason: 'C',
    lastTransitionTime: 't3',
  });
  assert.equal(flipped[0]!.lastTransitionTime, 't3');
});

test('availability counts from the Ready transition plus minReadySeconds', () => {
  const pod = (ready: string, at: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {},
    status: { conditions: [{ type: 'Ready', status: ready, lastTransitionTime: at }] },
  });
  const now = Date.parse('2026-01-01T00:00:10Z');
  assert.ok(isPodAvailable(pod('True', '2026-01-01T00:00:09Z'), 0, now));
  assert.ok(!isPodAvailable(pod('True', '2026-01-01T00:00:09Z'), 5, now));
  assert.ok(isPodAvailable(pod('True', '2026-01-01T00:00:05Z'), 5, now));
  assert.ok(!isPodAvailable(pod('False', '2026-01-01T00:00:00Z'), 0, now));
});

test('slow start creates in growing batches and stops at the first failing batch', async () => {
  const calls: number[] = [];
  const ok = await slowStartBatch(10, async (i) => {
    calls.push(i);
  });
  assert.deepEqual(ok, { succeeded: 10 });
  let n = 0;
  const failed = await slowStartBatch(10, async (i) => {
    n++;
    if (i === 4) throw new Error('quota');
  });
  // Batches of 1, 2, then 4 (which fails): 7 attempts, 6 successes, no 4th batch.
  assert.equal(n, 7);
  assert.equal(failed.succeeded, 6);
  assert.match(String(failed.error), /quota/);
});

test('large writes go out in bounded batches, so API requests interleave; every item runs, the first failure is thrown', async () => {
  let inFlight = 0;
  let widest = 0;
  const track = async () => {
    inFlight++;
    widest = Math.max(widest, inFlight);
    await new Promise((r) => setImmediate(r));
    inFlight--;
  };
  await slowStartBatch(1000, track);
  assert.equal(widest, MAX_WRITE_BATCH, 'slow start stops doubling at the cap');
  widest = 0;
  const seen: number[] = [];
  await assert.rejects(
    inWriteBatches([...Array(200).keys()], async (i) => {
      seen.push(i);
      await track();
      if (i === 70 || i === 150) throw new Error(`item ${i}`);
    }),
    /item 70/,
  );
  assert.equal(seen.length, 200, 'a failure does not stop the other batches');
  assert.equal(widest, MAX_WRITE_BATCH);
});

test('bulk writes wait for the pace between batches, never before the first', async () => {
  let paced = 0;
  const pace = async () => {
    paced++;
  };
  await slowStartBatch(10, async () => {}, pace);
  assert.equal(paced, 3, 'batches of 1, 2, 4, 3: three pauses');
  paced = 0;
  await inWriteBatches([...Array(200).keys()], async () => {}, pace);
  assert.equal(paced, 3, 'four batches of at most 64: three pauses');
  paced = 0;
  await inWriteBatches([1, 2], async () => {}, pace);
  assert.equal(paced, 0);
});
