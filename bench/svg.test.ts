import assert from 'node:assert/strict';
import { test } from 'node:test';
import { barPanel, escapeXml, logTicks, niceTicks, notePanel, svgDocument, wrap, xyPanel } from './svg.js';

test('nice ticks cover the maximum in steps of 1, 2 or 5', () => {
  assert.deepEqual(niceTicks(9.3), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(180), [0, 50, 100, 150, 200]);
  assert.deepEqual(niceTicks(0), [0, 1]);
  assert.deepEqual(logTicks(3, 4200), [1, 10, 100, 1000, 10000]);
  assert.deepEqual(logTicks(10, 10), [10, 100]);
});

test('text is escaped', () => {
  assert.equal(escapeXml('a < b & "c"'), 'a &lt; b &amp; &quot;c&quot;');
});

test('wrap splits long lines at spaces', () => {
  const lines = wrap('one two three four five six', 10);
  assert.ok(lines.every((l) => l.length <= 12));
  assert.equal(lines.join(' ').replace(/\s+/g, ' '), 'one two three four five six');
});

test('a document with every panel kind is well-formed SVG carrying the labels and values', () => {
  const svg = svgDocument('Title <x>', 'sub', [
    barPanel({
      title: 'bars',
      format: (v) => `${v} ms`,
      markers: [
        { value: 30, label: 'SLO' },
        { value: 5000, label: 'far away' },
      ],
      groups: [
        {
          label: 'group',
          bars: [
            { label: 'p50', value: 12 },
            { label: 'p99', value: 40 },
            { label: 'none', value: Number.NaN },
          ],
        },
      ],
    }),
    barPanel({
      title: 'log bars',
      log: true,
      format: String,
      groups: [
        {
          label: 'g',
          bars: [
            { label: 'a', value: 1000 },
            { label: 'b', value: 200000 },
          ],
        },
      ],
    }),
    xyPanel({
      title: 'cdf',
      logX: true,
      yMax: 1,
      xLabel: 'ms',
      formatX: String,
      formatY: String,
      guidesY: [{ value: 0.5, label: 'p50' }],
      series: [
        {
          label: 's',
          points: [
            [1, 0.1],
            [10, 0.5],
            [100, 1],
          ],
        },
      ],
    }),
    xyPanel({
      title: 'empty',
      xLabel: 'x',
      formatX: String,
      formatY: String,
      series: [{ label: 'none', points: [] }],
    }),
    notePanel(['a note']),
  ]);
  assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.ok(svg.includes('Title &lt;x&gt;'));
  for (const label of ['12 ms', '40 ms', 'SLO', 'not measured', '<polyline', 'no data', 'a note'])
    assert.ok(svg.includes(label), label);
  assert.ok(!svg.includes('far away'), 'markers beyond the axis are left out');
  assert.ok(!svg.includes('NaN'), 'no NaN coordinates');
  // Every element that is opened is closed.
  assert.equal((svg.match(/<text/g) ?? []).length, (svg.match(/<\/text>/g) ?? []).length);
});
