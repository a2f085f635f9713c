import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linkAt } from './radio.js';
import type { LinkModel, Station } from './scenario.js';

const model: LinkModel = { latencyMs: [10, 210], loss: [0, 0.2], bandwidthKbps: [10_000, 100] };
const stations: Station[] = [
  { name: 'a', x: 0, y: 0, radius: 100 },
  { name: 'b', x: 1000, y: 0, radius: 400 },
];
const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-6, `${a} ≈ ${b}`);

test('at a station the link is as good as the model allows', () => {
  const l = linkAt([0, 0], stations, model);
  assert.equal(l.up, true);
  assert.equal(l.station, 'a');
  close(l.latencyMs, 10);
  close(l.loss, 0);
  close(l.bandwidthBytesPerSecond, 10_000_000 / 8);
});

test('link quality falls with the square of the distance relative to the radius', () => {
  const half = linkAt([50, 0], stations, model); // reach 0.5 → f = 0.25
  close(half.reach, 0.5);
  close(half.latencyMs, 10 + 200 * 0.25);
  close(half.loss, 0.05);
  close(half.bandwidthBytesPerSecond, (10_000 * (100 / 10_000) ** 0.25 * 1000) / 8);
  const edge = linkAt([0, 100], stations, model);
  assert.equal(edge.up, true);
  close(edge.latencyMs, 210);
  close(edge.loss, 0.2);
  close(edge.bandwidthBytesPerSecond, (100 * 1000) / 8);
});

test('outside every radius the link is down, and the best station is the relatively nearest', () => {
  const out = linkAt([300, 0], stations, model); // a: reach 3, b: 700/400 = 1.75
  assert.equal(out.up, false);
  assert.equal(out.station, 'b');
  close(out.distance, 700);
  // 150 m from a (reach 1.5) is out of a's range, 850 m from b (2.1): down, b is not better.
  assert.equal(linkAt([150, 0], stations, model).station, 'a');
  // 700 m out, b's larger radius wins although a is nearer... (a: 700 m, reach 7; b: 300 m, reach 0.75)
  const b = linkAt([700, 0], stations, model);
  assert.equal(b.up, true);
  assert.equal(b.station, 'b');
  assert.equal(linkAt([0, 0], [], model).up, false);
});
