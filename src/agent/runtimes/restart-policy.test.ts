import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffDelayMs, ContainerLifecycle, KUBELET_BACKOFF, shouldRestart } from './restart-policy.js';
import type { ExitResult } from './runtime.js';

test('backoff follows the kubelet: immediate, then 10 s doubling to a 5 min cap', () => {
  const delays = Array.from({ length: 10 }, (_, i) => backoffDelayMs(i + 1));
  assert.deepEqual(delays, [0, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000, 300_000]);
  assert.equal(backoffDelayMs(10_000), KUBELET_BACKOFF.maxMs, 'no overflow for huge counts');
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, { initialMs: 5, maxMs: 30, resetAfterMs: 100 })),
    [0, 5, 10, 20, 30],
  );
});

test('restart policies', () => {
  assert.equal(shouldRestart('Always', 0), true);
  assert.equal(shouldRestart('Always', 1), true);
  assert.equal(shouldRestart('OnFailure', 0), false);
  assert.equal(shouldRestart('OnFailure', 137), true);
  assert.equal(shouldRestart('Never', 1), false);
});

function clock(start = Date.parse('2026-01-01T00:00:00Z')) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms), date: () => new Date(now) };
}

const exit = (
  exitCode: number,
  finishedAt: Date,
  reason: ExitResult['reason'] = exitCode === 0 ? 'Completed' : 'Error',
) => ({ exitCode, reason, finishedAt }) satisfies ExitResult;

test('a crash loop: waiting CrashLoopBackOff with lastState and growing delays', () => {
  const t = clock();
  const lc = new ContainerLifecycle('app', 'Always', {
    now: t.now,
    pod: { name: 'web', namespace: 'default', uid: 'u1' },
  });
  assert.deepEqual(lc.status().state, { waiting: { reason: 'ContainerCreating' } });
  assert.equal(lc.status().ready, false);

  lc.started('wasm://1', t.date());
  let s = lc.status();
  assert.deepEqual(s.state, { running: { startedAt: '2026-01-01T00:00:00.000Z' } });
  assert.equal(s.ready, true);
  assert.equal(s.started, true);
  assert.equal(s.restartCount, 0);
  assert.deepEqual(s.lastState, {});

  // First crash: restarted at once; the status shows the termination until the new run.
  t.advance(2_000);
  let d = lc.exited(exit(1, t.date()));
  assert.deepEqual(d, { restart: true, delayMs: 0, at: t.now() });
  s = lc.status();
  assert.deepEqual(s.state, {
    terminated: {
      exitCode: 1,
      reason: 'Error',
      startedAt: '2026-01-01T00:00:00.000Z',
      finishedAt: '2026-01-01T00:00:02.000Z',
      containerID: 'wasm://1',
    },
  });
  assert.equal(s.ready, false);

  lc.started('wasm://2', t.date());
  s = lc.status();
  assert.equal(s.restartCount, 1);
  assert.equal(s.containerID, 'wasm://2');
  assert.equal((s.lastState as { terminated: { exitCode: number } }).terminated.exitCode, 1);

  // Second crash: back-off 10 s.
  t.advance(1_000);
  d = lc.exited(exit(137, t.date(), 'OOMKilled'));
  assert.equal(d.restart && d.delayMs, 10_000);
  s = lc.status();
  assert.deepEqual(s.state, {
    waiting: {
      reason: 'CrashLoopBackOff',
      message: 'back-off 10s restarting failed container=app pod=web_default(u1)',
    },
  });
  assert.equal((s.lastState as { terminated: { reason: string } }).terminated.reason, 'OOMKilled');
  assert.equal(lc.nextRestartAt, t.now() + 10_000);

  const delays: number[] = [];
  for (let i = 0; i < 6; i++) {
    t.advance(10_000);
    lc.started(`wasm://${i + 3}`, t.date());
    t.advance(1_000);
    const next = lc.exited(exit(1, t.date()));
    assert.ok(next.restart);
    delays.push(next.delayMs);
  }
  assert.deepEqual(delays, [20_000, 40_000, 80_000, 160_000, 300_000, 300_000]);
  assert.match((lc.status().state as { waiting: { message: string } }).waiting.message, /^back-off 5m0s /);
  assert.equal(lc.restartCount, 7);
});

test('a container that ran long enough starts the backoff over', () => {
  const t = clock();
  const lc = new ContainerLifecycle('app', 'Always', { now: t.now, backoff: { resetAfterMs: 60_000 } });
  for (let i = 0; i < 4; i++) {
    lc.started(`c${i}`, t.date());
    t.advance(1_000);
    lc.exited(exit(1, t.date()));
  }
  lc.started('long', t.date());
  t.advance(60_000);
  const d = lc.exited(exit(1, t.date()));
  assert.deepEqual(d, { restart: true, delayMs: 0, at: t.now() });
  lc.started('again', t.date());
  t.advance(1_000);
  const d2 = lc.exited(exit(1, t.date()));
  assert.equal(d2.restart && d2.delayMs, KUBELET_BACKOFF.initialMs);
});

test('OnFailure and Never: a finished container stays terminated', () => {
  const t = clock();
  const job = new ContainerLifecycle('job', 'OnFailure', { now: t.now });
  job.started('c1', t.date());
  assert.deepEqual(job.exited(exit(0, t.date())), { restart: false, reason: 'policy' });
  assert.equal((job.status().state as { terminated: { reason: string } }).terminated.reason, 'Completed');
  assert.equal(job.nextRestartAt, undefined);

  const once = new ContainerLifecycle('once', 'Never', { now: t.now });
  once.started('c1', t.date());
  assert.deepEqual(once.exited(exit(2, t.date())), { restart: false, reason: 'policy' });
  assert.equal(once.status().restartCount, 0);
});

test('start failures back off without counting restarts; stop ends restarting', () => {
  const t = clock();
  const lc = new ContainerLifecycle('app', 'Always', {
    now: t.now,
    backoff: { initialMs: 100, maxMs: 1_000 },
  });
  assert.equal(lc.startFailed('CreateContainerError', 'no module').restart, true);
  const second = lc.startFailed('CreateContainerError', 'no module');
  assert.equal(second.restart && second.delayMs, 100);
  assert.deepEqual(lc.status().state, { waiting: { reason: 'CreateContainerError', message: 'no module' } });
  assert.equal(lc.status().restartCount, 0);

  lc.started('c1', t.date());
  assert.equal(lc.status().restartCount, 0, 'the first run is not a restart');
  lc.stop();
  assert.deepEqual(lc.exited(exit(137, t.date(), 'Killed')), { restart: false, reason: 'stopped' });
  assert.equal((lc.status().state as { terminated: { reason: string } }).terminated.reason, 'Killed');
});

test('readiness: with a probe the container is ready only when told', () => {
  const lc = new ContainerLifecycle('app', 'Always', { hasReadinessProbe: true });
  lc.setReady(true);
  assert.equal(lc.status().ready, false, 'not running yet');
  lc.started('c1');
  assert.equal(lc.status().ready, false);
  lc.setReady(true);
  assert.equal(lc.status().ready, true);
  lc.exited(exit(0, new Date()));
  assert.equal(lc.status().ready, false);
});
