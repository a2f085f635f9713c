import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WorkQueue } from './work-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('delayed adds of one key keep only the earliest wake-up', async () => {
  const runs: string[] = [];
  const queue = new WorkQueue(async (key) => {
    runs.push(key);
  });
  // A controller that asks to look again after every reconcile must not multiply its wake-ups.
  for (let i = 0; i < 50; i++) queue.addAfter('node-a', 60 + i);
  queue.addAfter('node-a', 30); // an earlier time replaces the pending one
  queue.addAfter('node-b', 40);
  await sleep(200);
  assert.deepEqual(runs.sort(), ['node-a', 'node-b']);
  queue.addAfter('node-a', 20);
  await sleep(80);
  assert.equal(runs.filter((k) => k === 'node-a').length, 2, 'a new delayed add after the wake-up works');
  queue.stop();
});

test('stop cancels delayed adds', async () => {
  const runs: string[] = [];
  const queue = new WorkQueue(async (key) => {
    runs.push(key);
  });
  queue.addAfter('x', 20);
  queue.stop();
  await sleep(60);
  assert.deepEqual(runs, []);
});

test('restAfter: a stream of adds runs a slow key once per rest, and the last change is never lost', async () => {
  const runs: number[] = [];
  let state = 0;
  let seen = -1;
  const queue = new WorkQueue(
    async () => {
      runs.push(Date.now());
      seen = state;
      await sleep(10);
    },
    { restAfter: () => 100 },
  );
  const started = Date.now();
  const stream = setInterval(() => {
    state++;
    queue.add('ds');
  }, 2);
  await sleep(450);
  clearInterval(stream);
  const lastChange = state;
  await sleep(250);
  queue.stop();
  // ~220 adds in 450 ms, but a run only every ~110 ms (10 ms of work + 100 ms of rest).
  assert.ok(runs.length >= 3 && runs.length <= 7, `${runs.length} runs`);
  for (let i = 1; i < runs.length; i++) assert.ok(runs[i]! - runs[i - 1]! >= 100, 'rested between runs');
  assert.equal(seen, lastChange, 'the run after the stream saw the final state');
  assert.ok(runs[0]! - started < 50, 'the first add runs at once');
});
