import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import type { KubeObject } from '../api/types.js';
import { SqliteStore } from './sqlite-store.js';
import { isStoreError, type StoreEvent } from './store.js';

function cm(name: string, data: Record<string, string> = {}): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data };
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'minato-store-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('revisions are monotonic and set resourceVersion', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  const a = await store.create('/core/configmaps/default/a', cm('a'));
  const b = await store.create('/core/configmaps/default/b', cm('b'));
  assert.equal(a.rev, 1);
  assert.equal(b.rev, 2);
  assert.equal(b.object.metadata.resourceVersion, '2');
  const a2 = await store.update('/core/configmaps/default/a', cm('a', { x: '1' }), 1);
  assert.equal(a2.rev, 3);
  assert.equal(a2.createRev, 1);
  await store.close();
});

test('optimistic concurrency and existence checks', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  await store.create('/core/configmaps/default/a', cm('a'));
  await assert.rejects(
    store.create('/core/configmaps/default/a', cm('a')),
    (e) => isStoreError(e) && e.kind === 'AlreadyExists',
  );
  await assert.rejects(
    store.update('/core/configmaps/default/a', cm('a'), 99),
    (e) => isStoreError(e) && e.kind === 'Conflict',
  );
  await assert.rejects(
    store.delete('/core/configmaps/default/zz'),
    (e) => isStoreError(e) && e.kind === 'NotFound',
  );
  await store.close();
});

test('list by collection and namespace prefix, sorted', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  await store.create('/core/configmaps/ns2/b', cm('b'));
  await store.create('/core/configmaps/ns1/c', cm('c'));
  await store.create('/core/configmaps/ns1/a', cm('a'));
  await store.create('/core/secrets/ns1/s', cm('s'));
  assert.deepEqual(
    store.list('/core/configmaps/').entries.map((e) => e.key),
    ['/core/configmaps/ns1/a', '/core/configmaps/ns1/c', '/core/configmaps/ns2/b'],
  );
  assert.deepEqual(
    store.list('/core/configmaps/ns1/').entries.map((e) => e.object.metadata.name),
    ['a', 'c'],
  );
  assert.equal(store.list('/core/configmaps/ns1/').revision, 4);
  await store.close();
});

test('watch replays history after a revision, then streams live events', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  await store.create('/core/configmaps/default/a', cm('a'));
  await store.create('/core/configmaps/default/b', cm('b'));
  const seen: StoreEvent[] = [];
  const stop = store.watch('/core/configmaps/', 1, (e) => seen.push(e));
  await store.delete('/core/configmaps/default/a');
  await store.create('/core/secrets/default/x', cm('x'));
  stop();
  await store.create('/core/configmaps/default/c', cm('c'));
  assert.deepEqual(
    seen.map((e) => [e.type, e.entry.object.metadata.name, e.rev]),
    [
      ['ADDED', 'b', 2],
      ['DELETED', 'a', 3],
    ],
  );
  assert.equal(seen[1]!.previous?.rev, 1);
  await store.close();
});

test('watching from a compacted revision fails with 410 Expired', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  for (let i = 0; i < 5; i++) await store.create(`/core/configmaps/default/c${i}`, cm(`c${i}`));
  store.compact(3);
  assert.throws(
    () => store.watch('/core/configmaps/', 2, () => {}),
    (e) => isApiError(e) && e.code === 410 && e.reason === 'Expired',
  );
  const seen: number[] = [];
  store.watch('/core/configmaps/', 3, (e) => seen.push(e.rev))();
  assert.deepEqual(seen, [4, 5]);
  await store.close();
});

test(
  'state and history survive a reopen',
  withDir(async (dir) => {
    const path = join(dir, 'state.db');
    const first = new SqliteStore({ path });
    await first.create('/core/configmaps/default/a', cm('a'));
    await first.create('/core/configmaps/default/b', cm('b'));
    await first.delete('/core/configmaps/default/a');
    await first.close();
    const second = new SqliteStore({ path });
    assert.equal(second.revision, 3);
    assert.deepEqual(
      second.list('/core/configmaps/').entries.map((e) => e.object.metadata.name),
      ['b'],
    );
    const seen: string[] = [];
    second.watch('/core/configmaps/', 1, (e) => seen.push(`${e.type}:${e.entry.object.metadata.name}`))();
    assert.deepEqual(seen, ['ADDED:b', 'DELETED:a']);
    const c = await second.create('/core/configmaps/default/c', cm('c'));
    assert.equal(c.rev, 4);
    await second.close();
  }),
);

test('writes in one turn share one commit and all resolve', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  const writes = Array.from({ length: 100 }, (_, i) =>
    store.create(`/core/configmaps/default/c${i}`, cm(`c${i}`)),
  );
  const entries = await Promise.all(writes);
  assert.deepEqual(
    entries.map((e) => e.rev),
    Array.from({ length: 100 }, (_, i) => i + 1),
  );
  await store.close();
});

test(
  'soft writes commit at once, reach the disk with the next durable write or within a second, and survive a reopen',
  withDir(async (dir) => {
    const path = join(dir, 'state.db');
    const store = new SqliteStore({ path });
    const key = '/coordination.k8s.io/leases/kube-node-lease/car-1';
    let entry = await store.create(key, cm('car-1'));
    for (let i = 0; i < 3; i++)
      entry = await store.update(key, cm('car-1', { renew: String(i) }), entry.rev, { soft: true });
    assert.equal(store.unsyncedSoftWrites, 3, 'three soft commits wait for a sync');
    await store.create('/core/configmaps/default/durable', cm('durable'));
    assert.equal(store.unsyncedSoftWrites, 0, 'a durable commit synced them');
    entry = await store.update(key, cm('car-1', { renew: 'last' }), entry.rev, { soft: true });
    assert.equal(store.unsyncedSoftWrites, 1);
    await new Promise((r) => setTimeout(r, 1_200));
    assert.equal(store.unsyncedSoftWrites, 0, 'the sync timer caught the quiet soft write');
    await store.close();

    const reopened = new SqliteStore({ path });
    assert.deepEqual(reopened.get(key)?.object.data, { renew: 'last' });
    assert.equal(reopened.revision, entry.rev, 'a clean stop leaves no revision gap');
    await reopened.close();
  }),
);

test(
  'after an unclean stop the next revision skips every one a lost soft write could have had',
  withDir(async (dir) => {
    const path = join(dir, 'state.db');
    const crashed = new SqliteStore({ path });
    const key = '/coordination.k8s.io/leases/kube-node-lease/car-1';
    const created = await crashed.create(key, cm('car-1'));
    const renewed = await crashed.update(key, cm('car-1', { renew: '1' }), created.rev, { soft: true });
    // No close(): as if the hub process had been killed (its connection is simply abandoned).
    const reopened = new SqliteStore({ path });
    assert.deepEqual(
      reopened.get(key)?.object.data,
      { renew: '1' },
      'a committed soft write survives a crash',
    );
    assert.ok(reopened.revision > renewed.rev + 100_000, `revision ${reopened.revision} jumped past the gap`);
    const next = await reopened.create('/core/configmaps/default/after', cm('after'));
    assert.equal(next.rev, reopened.revision);
    await reopened.close();
  }),
);

test('a secondary index follows every write and lists its bucket sorted, within a prefix', async () => {
  const store = new SqliteStore({ path: ':memory:' });
  const pod = (ns: string, name: string, node?: string): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns },
    spec: node ? { nodeName: node } : {},
  });
  const key = (ns: string, name: string) => `/core/pods/${ns}/${name}`;
  await store.create(key('default', 'b'), pod('default', 'b', 'car-1'));
  store.addIndex('node', '/core/pods/', (o) => o.spec?.nodeName);
  const a = await store.create(key('default', 'a'), pod('default', 'a', 'car-1'));
  await store.create(key('kube-system', 'c'), pod('kube-system', 'c', 'car-1'));
  await store.create(key('default', 'd'), pod('default', 'd'));
  await store.create('/core/configmaps/default/a', cm('a'));
  const names = (prefix: string, node: string) =>
    store.listIndexed('node', node, prefix).entries.map((e) => e.key);
  assert.deepEqual(names('/core/pods/', 'car-1'), [
    key('default', 'a'),
    key('default', 'b'),
    key('kube-system', 'c'),
  ]);
  assert.deepEqual(names('/core/pods/default/', 'car-1'), [key('default', 'a'), key('default', 'b')]);
  await store.update(key('default', 'a'), pod('default', 'a', 'car-2'), a.rev);
  await store.update(key('default', 'd'), pod('default', 'd', 'car-2'));
  await store.delete(key('default', 'b'));
  assert.deepEqual(names('/core/pods/', 'car-1'), [key('kube-system', 'c')]);
  assert.deepEqual(names('/core/pods/', 'car-2'), [key('default', 'a'), key('default', 'd')]);
  assert.deepEqual(names('/core/pods/', 'car-9'), []);
  await store.close();
});
