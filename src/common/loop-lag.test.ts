import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LoopLagMonitor, waitForCalm } from './loop-lag.js';

test('the lag monitor sees a blocked event loop and calms down after it', async () => {
  const monitor = new LoopLagMonitor(10).start();
  try {
    await new Promise((r) => setTimeout(r, 50));
    const spinUntil = performance.now() + 300;
    while (performance.now() < spinUntil) {
      // a synchronous stall, like a long commit
    }
    await new Promise((r) => setTimeout(r, 30));
    assert.ok(monitor.lagMs > 150, `a 300 ms stall shows (${monitor.lagMs.toFixed(0)} ms)`);
    await new Promise((r) => setTimeout(r, 800));
    assert.ok(monitor.lagMs < 50, `and fades once the loop is free (${monitor.lagMs.toFixed(0)} ms)`);
  } finally {
    monitor.stop();
  }
});

test('waitForCalm returns once the loop is calm, or after its longest wait on a hub that stays busy', async () => {
  const lag = { lagMs: 500 };
  let started = Date.now();
  await waitForCalm(lag, 100, 200);
  assert.ok(Date.now() - started >= 190, 'a busy loop makes it wait, but not forever');
  setTimeout(() => {
    lag.lagMs = 10;
  }, 60);
  started = Date.now();
  await waitForCalm(lag, 100, 5_000);
  assert.ok(Date.now() - started < 1_000, 'calm again: it goes on');
});
