import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { JsonValue } from '../../api/types.js';
import { applyMergePatch } from './merge-patch.js';

// RFC 7386 Appendix A: [original, patch, result].
const examples: [JsonValue, JsonValue, JsonValue][] = [
  [{ a: 'b' }, { a: 'c' }, { a: 'c' }],
  [{ a: 'b' }, { b: 'c' }, { a: 'b', b: 'c' }],
  [{ a: 'b' }, { a: null }, {}],
  [{ a: 'b', b: 'c' }, { a: null }, { b: 'c' }],
  [{ a: ['b'] }, { a: 'c' }, { a: 'c' }],
  [{ a: 'c' }, { a: ['b'] }, { a: ['b'] }],
  [{ a: { b: 'c' } }, { a: { b: 'd', c: null } }, { a: { b: 'd' } }],
  [{ a: [{ b: 'c' }] }, { a: [1] }, { a: [1] }],
  [
    ['a', 'b'],
    ['c', 'd'],
    ['c', 'd'],
  ],
  [{ a: 'b' }, ['c'], ['c']],
  [{ a: 'foo' }, null, null],
  [{ a: 'foo' }, 'bar', 'bar'],
  [{ e: null }, { a: 1 }, { e: null, a: 1 }],
  [[1, 2], { a: 'b', c: null }, { a: 'b' }],
  [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
];

examples.forEach(([original, patch, result], i) => {
  test(`RFC 7386 example ${i + 1}`, () => {
    assert.deepEqual(applyMergePatch(original, patch), result);
  });
});

test('kubectl patch --type=merge: labels merge, null deletes, lists are replaced whole', () => {
  const pod = {
    metadata: { labels: { app: 'web', tier: 'front' } },
    spec: {
      containers: [
        { name: 'a', image: 'x' },
        { name: 'b', image: 'y' },
      ],
    },
  };
  const out = applyMergePatch(pod, {
    metadata: { labels: { tier: null, env: 'prod' } },
    spec: { containers: [{ name: 'a', image: 'z' }] },
  });
  assert.deepEqual(out, {
    metadata: { labels: { app: 'web', env: 'prod' } },
    spec: { containers: [{ name: 'a', image: 'z' }] },
  });
});

test('inputs are neither modified nor shared with the result', () => {
  const target = { a: { b: 1 }, keep: { deep: [1] } };
  const patch = { a: { c: 2 } };
  const out = applyMergePatch(target, patch) as { a: JsonValue; keep: { deep: number[] } };
  assert.deepEqual(target, { a: { b: 1 }, keep: { deep: [1] } });
  assert.deepEqual(patch, { a: { c: 2 } });
  out.keep.deep.push(2);
  assert.deepEqual(target.keep.deep, [1]);
});

test('"__proto__" is an ordinary key', () => {
  const target = JSON.parse('{"labels":{"__proto__":"a","x":"1"}}');
  const out = applyMergePatch(target, JSON.parse('{"labels":{"__proto__":"b","y":"2"}}')) as {
    labels: Record<string, string>;
  };
  assert.equal(Object.getPrototypeOf(out.labels), Object.prototype);
  assert.deepEqual(Object.entries(out.labels), [
    ['__proto__', 'b'],
    ['x', '1'],
    ['y', '2'],
  ]);
});
