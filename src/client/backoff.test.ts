import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Backoff, sleep } from './backoff.js';

test('the window doubles from the base up to the cap', () => {
  const b = new Backoff({ baseMs: 500, capMs: 30_000, random: () => 0.999999 });
  const waits = Array.from({ length: 9 }, () => b.next());
  assert.deepEqual(
    waits.map((w) => Math.round(w / 100) * 100),
    [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000],
  );
});

test('full jitter: every wait lies in [floor, window] and uses the whole range', () => {
  let r = 0;
  const values = [0, 0.25, 0.5, 0.75, 0.99];
  const b = new Backoff({
    baseMs: 1000,
    capMs: 1000,
    random: () => values[r++ % values.length]!,
    floorMs: 50,
  });
  const waits = values.map(() => b.next());
  assert.deepEqual(waits, [50, 250, 500, 750, 990]);
});

test('reset starts again from the base window', () => {
  const b = new Backoff({ baseMs: 100, capMs: 10_000, random: () => 0.999 });
  for (let i = 0; i < 6; i++) b.next();
  assert.equal(b.window(), 6400);
  b.reset();
  assert.equal(b.window(), 100);
  assert.equal(b.attempts, 0);
});

test('a fleet spreads out: 1000 devices reconnecting after a hub restart do not land in the same second', () => {
  const seconds = new Map<number, number>();
  for (let i = 0; i < 1000; i++) {
    const b = new Backoff({ baseMs: 500, capMs: 30_000 });
    let t = 0;
    for (let attempt = 0; attempt < 6; attempt++) t += b.next();
    const s = Math.floor(t / 1000);
    seconds.set(s, (seconds.get(s) ?? 0) + 1);
  }
  const busiest = Math.max(...seconds.values());
  assert.ok(busiest < 150, `at most ${busiest} of 1000 devices retry in the same second`);
});

test('bad options are refused', () => {
  assert.throws(() => new Backoff({ baseMs: 0 }), RangeError);
  assert.throws(() => new Backoff({ baseMs: 1000, capMs: 10 }), RangeError);
});

test('sleep ends early when aborted', async () => {
  const abort = new AbortController();
  const started = Date.now();
  setTimeout(() => abort.abort(), 20);
  await sleep(10_000, abort.signal);
  assert.ok(Date.now() - started < 1000);
});
