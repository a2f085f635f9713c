import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CpuProfile, decodeMappings, lookup, summarizeProfile } from './cpu-profile.js';

test('source map mappings decode to absolute source positions', () => {
  // Generated line 1: col 0 -> source 0 line 0 col 0; col 4 -> source 0 line 2 col 2.
  // Generated line 2 (after ";"): col 2 -> source 0 line 3 col 0.
  const lines = decodeMappings('AAAA,IAEE;EACF');
  assert.deepEqual(lines[0], [
    [0, 0, 0, 0],
    [4, 0, 2, 2],
  ]);
  assert.deepEqual(lines[1], [[2, 0, 3, 0]]);
  assert.deepEqual(lookup(lines, 0, 6), [4, 0, 2, 2]);
  assert.deepEqual(lookup(lines, 0, 1), [0, 0, 0, 0]);
  assert.equal(lookup(lines, 5, 0), undefined);
});

test('self and inclusive time per function, cut to a window, idle left out', () => {
  // root -> main -> work -> leaf ; root -> (idle)
  const frame = (functionName: string, url = 'file:///app/x.js', lineNumber = 0) => ({
    functionName,
    url,
    lineNumber,
    columnNumber: 0,
  });
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)', ''), children: [2, 5] },
      { id: 2, callFrame: frame('main', 'file:///app/x.js', 1), children: [3] },
      { id: 3, callFrame: frame('work', 'file:///app/x.js', 10), children: [4] },
      { id: 4, callFrame: frame('leaf', 'file:///app/x.js', 20) },
      { id: 5, callFrame: frame('(idle)', '') },
    ],
    startTime: 1000,
    endTime: 2000,
    // samples at 1100, 1200, 1300, 1400, 1500 (each lasts 100 µs until the next)
    samples: [4, 3, 4, 5, 2, 2],
    timeDeltas: [100, 100, 100, 100, 100, 100],
  };
  const [whole, early] = summarizeProfile(
    profile,
    [
      { label: 'all', fromUs: 0, toUs: 10_000 },
      { label: 'early', fromUs: 1100, toUs: 1250 },
    ],
    (url, line) => `${url.replace('file:///app/', '')}:${line + 1}`,
  );
  assert.equal(whole!.busyMs, 0.4); // 5 non-idle samples, the last has no duration
  assert.equal(whole!.self[0]!.name, 'leaf x.js:21');
  assert.equal(whole!.self[0]!.ms, 0.2);
  const main = whole!.inclusive.find((f) => f.name === 'main x.js:2')!;
  assert.equal(main.ms, 0.4);
  assert.equal(main.percent, 100);
  assert.ok(!whole!.self.some((f) => f.name === '(idle)'));
  assert.equal(early!.busyMs, 0.2);
  assert.deepEqual(
    early!.self.map((f) => f.name),
    ['leaf x.js:21', 'work x.js:11'],
  );
});
