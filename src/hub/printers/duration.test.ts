import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { age, humanDuration, parseTimestamp, rfc3339Seconds, ZERO_TIME_MS } from './duration.js';
import { DAY, HOUR, MIN, NOW, SEC } from './test-support.js';

describe('humanDuration', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [-1500, '0s'],
    [-2500, '<invalid>'],
    [999, '0s'],
    [45 * SEC, '45s'],
    [119 * SEC, '119s'],
    [120 * SEC, '2m'],
    [121 * SEC, '2m1s'],
    [5 * MIN + 30 * SEC, '5m30s'],
    [9 * MIN + 59 * SEC, '9m59s'],
    [10 * MIN + 59 * SEC, '10m'],
    [179 * MIN, '179m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + 5 * MIN, '3h5m'],
    [7 * HOUR + 59 * MIN, '7h59m'],
    [8 * HOUR + 30 * MIN, '8h'],
    [47 * HOUR, '47h'],
    [48 * HOUR, '2d'],
    [2 * DAY + 3 * HOUR, '2d3h'],
    [7 * DAY + 23 * HOUR, '7d23h'],
    [8 * DAY + 5 * HOUR, '8d'],
    [400 * DAY, '400d'],
    [729 * DAY, '729d'],
    [730 * DAY, '2y'],
    [(3 * 365 + 45) * DAY, '3y45d'],
    [8 * 365 * DAY, '8y'],
    [(10 * 365 + 100) * DAY, '10y'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms -> ${want}`, () => assert.equal(humanDuration(ms), want));
  }
});

describe('timestamps', () => {
  it('parses Z, offsets, fractions and year 1', () => {
    assert.equal(parseTimestamp('2024-06-01T12:00:00Z'), Date.UTC(2024, 5, 1, 12));
    assert.equal(parseTimestamp('2024-06-01T14:00:00+02:00'), Date.UTC(2024, 5, 1, 12));
    assert.equal(parseTimestamp('2024-06-01T12:00:00.123456Z'), Date.UTC(2024, 5, 1, 12) + 123);
    assert.equal(parseTimestamp('0001-01-01T00:00:00Z'), ZERO_TIME_MS);
    assert.equal(parseTimestamp('yesterday'), undefined);
    assert.equal(parseTimestamp(12), undefined);
  });

  it('ages an unset or zero timestamp as <unknown>', () => {
    assert.equal(age(undefined, NOW), '<unknown>');
    assert.equal(age('0001-01-01T00:00:00Z', NOW), '<unknown>');
    assert.equal(age('2024-06-01T11:57:59Z', NOW), '2m1s');
  });

  it('renders Created At as whole-second UTC', () => {
    assert.equal(rfc3339Seconds('2024-06-01T14:00:00.5+02:00'), '2024-06-01T12:00:00Z');
    assert.equal(rfc3339Seconds(undefined), '0001-01-01T00:00:00Z');
  });
});
