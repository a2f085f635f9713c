import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  cdfPoints,
  formatCount,
  formatMs,
  formatRatio,
  percentile,
  renderTable,
  Samples,
  summarize,
} from './stats.js';

test('nearest-rank percentiles', () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1); // 1..100
  assert.equal(percentile(sorted, 50), 50);
  assert.equal(percentile(sorted, 99), 99);
  assert.equal(percentile(sorted, 100), 100);
  assert.equal(percentile(sorted, 0), 1);
  assert.equal(percentile([7], 99), 7);
  assert.ok(Number.isNaN(percentile([], 50)));
  // With few samples p99 is the largest one.
  assert.equal(percentile([1, 2, 3, 4, 5], 99), 5);
  assert.equal(percentile([1, 2, 3, 4, 5], 50), 3);
});

test('summarize sorts a copy and reports min, max and mean', () => {
  const values = [5, 1, 4, 2, 3];
  const s = summarize(values);
  assert.deepEqual(values, [5, 1, 4, 2, 3]);
  assert.equal(s.n, 5);
  assert.equal(s.min, 1);
  assert.equal(s.max, 5);
  assert.equal(s.mean, 3);
  assert.equal(s.p50, 3);
});

test('Samples grows past its initial capacity and sorts numerically', () => {
  const samples = new Samples(16);
  for (let i = 100; i > 0; i--) samples.push(i * 1.5);
  assert.equal(samples.length, 100);
  const sorted = samples.sorted();
  assert.equal(sorted[0], 1.5);
  assert.equal(sorted[99], 150);
  assert.equal(sorted[9], 15); // numeric, not lexicographic, order
});

test('cdf points end at the maximum with fraction 1', () => {
  const sorted = Float64Array.from({ length: 1000 }, (_, i) => i);
  const points = cdfPoints(sorted, 50);
  assert.ok(points.length <= 51);
  assert.deepEqual(points[points.length - 1], [999, 1]);
  for (let i = 1; i < points.length; i++) assert.ok(points[i]![1] > points[i - 1]![1]);
  assert.deepEqual(cdfPoints([]), []);
});

test('formatting', () => {
  assert.equal(formatMs(0.4234), '0.42 ms');
  assert.equal(formatMs(12.34), '12.3 ms');
  assert.equal(formatMs(184.4), '184 ms');
  assert.equal(formatMs(2310), '2.31 s');
  assert.equal(formatMs(-3.5), '-3.50 ms');
  assert.equal(formatRatio(4.71), '×4.7');
  assert.equal(formatRatio(0.0123), '×0.012');
  assert.equal(formatRatio(23.4), '×23');
  assert.equal(formatCount(10_000), '10k');
  assert.equal(formatCount(2_500), '2.5k');
  assert.equal(formatCount(100_000), '100k');
  assert.equal(formatCount(1234), '1234');
});

test('renderTable aligns columns and right-aligns numbers', () => {
  const text = renderTable([
    ['name', 'rate'],
    ['hub', '4,812 obj/s'],
    ['raw', '12 obj/s'],
  ]);
  const lines = text.split('\n');
  assert.equal(lines.length, 3);
  assert.ok(lines[1]!.endsWith('4,812 obj/s'));
  assert.ok(lines[2]!.endsWith('   12 obj/s'));
});
