import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LinkQuality, scoreLink } from './link-quality.js';

test('score: loss weighs most, latency up to 100 ms is free, 1 s halves it', () => {
  assert.equal(scoreLink(20, 0), 100);
  assert.equal(scoreLink(100, 0), 100);
  assert.equal(scoreLink(1000, 0), 50);
  assert.equal(scoreLink(20, 0.1), 81);
  assert.equal(scoreLink(20, 0.5), 25);
  assert.equal(scoreLink(20, 1), 0);
  assert.equal(scoreLink(undefined, 1), 0);
});

test('rtt is an EWMA of successful renewals; failures count within the window', () => {
  const q = new LinkQuality({ window: 5, alpha: 0.5 });
  q.recordSuccess(100);
  q.recordSuccess(200);
  assert.equal(q.snapshot().rttMs, 150);
  q.recordFailure();
  assert.deepEqual({ f: q.snapshot().failures, a: q.snapshot().attempts }, { f: 1, a: 3 });
  for (let i = 0; i < 5; i++) q.recordSuccess(150);
  assert.equal(q.snapshot().failures, 0, 'old failures leave the window');
  assert.equal(q.snapshot().attempts, 5);
});

test('degraded has hysteresis: on below 50, off again only at 60', () => {
  const q = new LinkQuality({ window: 20 });
  for (let i = 0; i < 20; i++) q.recordSuccess(20);
  assert.equal(q.snapshot().degraded, false);
  for (let i = 0; i < 6; i++) q.recordFailure(); // 6 of 20 = 30 % loss → 49
  assert.equal(q.snapshot().score, 49);
  assert.equal(q.snapshot().degraded, true);
  for (let i = 0; i < 15; i++) q.recordSuccess(20); // 5 of 20 failed → 56: between the thresholds
  assert.equal(q.snapshot().score, 56);
  assert.equal(q.snapshot().degraded, true, 'no flip back while between 50 and 60');
  q.recordSuccess(20); // 4 of 20 → 64
  assert.equal(q.snapshot().degraded, false);
});

test('publishing only on meaningful change, rate-limited except for a degraded flip', () => {
  const q = new LinkQuality({ window: 20, minPublishIntervalMs: 10_000 });
  assert.equal(q.shouldPublish(0), false, 'nothing measured yet');
  q.recordSuccess(10);
  assert.equal(q.shouldPublish(0), true, 'first measurement');
  q.markPublished(q.snapshot(), 0);
  for (let i = 0; i < 50; i++) q.recordSuccess(10 + (i % 3));
  assert.equal(q.shouldPublish(60_000), false, 'steady link: no writes');
  q.recordFailure();
  assert.equal(q.shouldPublish(5_000), false, 'rate limited');
  assert.equal(q.shouldPublish(20_000), true, 'failures appeared');
  q.markPublished(q.snapshot(), 20_000);
  for (let i = 0; i < 10; i++) q.recordFailure();
  assert.equal(q.snapshot().degraded, true);
  assert.equal(q.shouldPublish(20_001), true, 'a degraded flip is published at once');
});

test('rtt change must be both ≥ 50 % and ≥ 100 ms to count', () => {
  const q = new LinkQuality({ alpha: 1, minPublishIntervalMs: 0 });
  q.recordSuccess(10);
  q.markPublished(q.snapshot(), 0);
  q.recordSuccess(25); // +150 % but only 15 ms
  assert.equal(q.shouldPublish(1), false);
  q.recordSuccess(90); // ×9, but a busy hub's 80 ms say nothing about the radio (the score ignores them)
  assert.equal(q.shouldPublish(1), false);
  q.recordSuccess(400);
  q.markPublished(q.snapshot(), 2);
  q.recordSuccess(450); // +50 ms but only 12 %
  assert.equal(q.shouldPublish(3), false);
  q.recordSuccess(700); // +75 %, +300 ms
  assert.equal(q.shouldPublish(4), true);
});
