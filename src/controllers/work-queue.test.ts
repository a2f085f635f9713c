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
