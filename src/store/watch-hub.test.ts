import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KubeObject } from '../api/types.js';
import type { Entry, StoreEvent, WatchRoute } from './store.js';
import { WatchHub } from './watch-hub.js';

const entry = (name: string, node: string | undefined): Entry =>
  ({
    key: `/pods/default/${name}`,
    rev: 1,
    createRev: 1,
    object: {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: node ? { nodeName: node } : {},
    } as KubeObject,
    json: '{}',
  }) as Entry;

const event = (type: StoreEvent['type'], now: Entry, previous?: Entry): StoreEvent => ({
  type,
  rev: 1,
  entry: now,
  previous,
});

const route = (value: string): WatchRoute => ({
  index: 'spec.nodeName',
  value,
  valueIn: (e) => (e.object.spec?.nodeName as string | undefined) ?? '',
});

test('a routed watcher gets only events whose object had or has its value', () => {
  const hub = new WatchHub();
  const got: Record<string, string[]> = { a: [], b: [], unscheduled: [], all: [] };
  const record = (who: string) => (e: StoreEvent) =>
    got[who]!.push(`${e.type} ${e.entry.object.metadata.name}`);
  hub.add('/pods/', record('a'), route('node-a'));
  const stopB = hub.add('/pods/default/', record('b'), route('node-b'));
  hub.add('/pods/', record('unscheduled'), route(''));
  hub.add('/pods/', record('all'));
  assert.equal(hub.size, 4);

  hub.publish(event('ADDED', entry('p1', undefined)));
  hub.publish(event('MODIFIED', entry('p1', 'node-a'), entry('p1', undefined))); // bound to node-a
  hub.publish(event('MODIFIED', entry('p2', 'node-b'), entry('p2', 'node-b')));
  hub.publish(event('MODIFIED', entry('p1', 'node-b'), entry('p1', 'node-a'))); // moved (not in k8s, but a selector transition)
  hub.publish(event('DELETED', entry('p2', 'node-b'), entry('p2', 'node-b')));

  assert.deepEqual(got.a, ['MODIFIED p1', 'MODIFIED p1']);
  assert.deepEqual(got.b, ['MODIFIED p2', 'MODIFIED p1', 'DELETED p2']);
  assert.deepEqual(got.unscheduled, ['ADDED p1', 'MODIFIED p1']);
  assert.equal(got.all!.length, 5);

  stopB();
  assert.equal(hub.size, 3);
  hub.publish(event('ADDED', entry('p3', 'node-b')));
  assert.equal(got.b!.length, 3, 'no events after unsubscribing');
});
