/**
 * Cases from the apiserver's own strategic merge patch suite, restated as JSON against an
 * equivalent hand-built schema, so ordering and directive corner cases match upstream exactly.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../api/errors.js';
import type { JsonObject } from '../../api/types.js';
import type { Schema } from '../schema/types.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { tinyResolver } from './test-schemas.js';

const item: Schema = { $ref: '#/components/schemas/MergeItem' };
const resolver = tinyResolver({
  MergeItem: {
    type: 'object',
    properties: {
      name: { type: 'string' },
      value: { type: 'string' },
      other: { type: 'string' },
      mergingList: {
        type: 'array',
        items: item,
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'name',
      },
      nonMergingList: { type: 'array', items: item },
      mergingIntList: { type: 'array', items: { type: 'integer' }, 'x-kubernetes-patch-strategy': 'merge' },
      nonMergingIntList: { type: 'array', items: { type: 'integer' } },
      simpleMap: { type: 'object', additionalProperties: { type: 'string' } },
      retainKeysMap: { allOf: [item], 'x-kubernetes-patch-strategy': 'retainKeys' },
    },
  },
});

const cases: [string, JsonObject, JsonObject, JsonObject | RegExp][] = [
  [
    'unique scalars when merging lists',
    { mergingIntList: [1, 2] },
    { mergingIntList: [2, 3] },
    { mergingIntList: [1, 2, 3] },
  ],
  [
    'delete map from nested map',
    { simpleMap: { key1: '1', key2: '1' } },
    { simpleMap: { $patch: 'delete' } },
    { simpleMap: {} },
  ],
  [
    'delete all items from merging list',
    { mergingList: [{ name: '1' }, { name: '2' }] },
    { mergingList: [{ $patch: 'replace' }] },
    { mergingList: [] },
  ],
  ['merge empty merging lists', { mergingList: [] }, { mergingList: [] }, { mergingList: [] }],
  ['delete all keys from map', { name: '1', value: '1' }, { $patch: 'replace' }, {}],
  [
    'add key and delete all keys from map',
    { name: '1', value: '1' },
    { other: 'a', $patch: 'replace' },
    { other: 'a' },
  ],
  [
    'delete all duplicate entries in a merging list',
    { mergingList: [{ name: '1' }, { name: '1' }, { name: '2', value: 'a' }, { name: '3' }, { name: '3' }] },
    {
      mergingList: [
        { name: '1', $patch: 'delete' },
        { name: '3', $patch: 'delete' },
      ],
    },
    { mergingList: [{ name: '2', value: 'a' }] },
  ],
  [
    'retainKeys map can delete a field when no retainKeys directive present',
    { retainKeysMap: { name: 'foo', value: 'a' } },
    { retainKeysMap: { value: null } },
    { retainKeysMap: { name: 'foo' } },
  ],
  [
    'preserve the order from the patch in a merging list',
    { mergingList: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
    {
      mergingList: [
        { name: '3', value: 'c' },
        { name: '1', value: 'a' },
        { name: '2', other: 'x' },
      ],
    },
    {
      mergingList: [
        { name: '3', value: 'c' },
        { name: '1', value: 'a' },
        { name: '2', value: 'b', other: 'x' },
      ],
    },
  ],
  [
    'preserve the order from the patch in a merging list 2',
    { mergingList: [{ name: '1' }, { name: '2', value: 'b' }, { name: '3' }] },
    {
      mergingList: [
        { name: '3', value: 'c' },
        { name: '1', value: 'a' },
      ],
    },
    {
      mergingList: [
        { name: '2', value: 'b' },
        { name: '3', value: 'c' },
        { name: '1', value: 'a' },
      ],
    },
  ],
  [
    'preserve the order from the patch in a merging int list',
    { mergingIntList: [1, 2, 3] },
    { mergingIntList: [3, 1, 2] },
    { mergingIntList: [3, 1, 2] },
  ],
  [
    'preserve the order from the patch in a merging int list 2',
    { mergingIntList: [1, 2, 3] },
    { mergingIntList: [3, 1] },
    { mergingIntList: [2, 3, 1] },
  ],
  [
    '$setElementOrder contains an item not in the list to be merged',
    { mergingList: [{ name: '1' }, { name: '3' }] },
    {
      '$setElementOrder/mergingList': [{ name: '3' }, { name: '2' }, { name: '1' }],
      mergingList: [
        { name: '3', value: '3' },
        { name: '1', value: '1' },
      ],
    },
    {
      mergingList: [
        { name: '3', value: '3' },
        { name: '1', value: '1' },
      ],
    },
  ],
  [
    '$setElementOrder on an int list',
    { mergingIntList: [1, 3] },
    { '$setElementOrder/mergingIntList': [3, 2, 1] },
    { mergingIntList: [3, 1] },
  ],
  [
    'order in $setElementOrder and patch list must match',
    { mergingList: [{ name: '1' }, { name: '3' }, { name: '2' }] },
    {
      '$setElementOrder/mergingList': [{ name: '1' }, { name: '2' }, { name: '3' }],
      mergingList: [
        { name: '3', value: '3' },
        { name: '1', value: '1' },
      ],
    },
    /doesn't match/,
  ],
  [
    'missing merge key',
    { mergingList: [{ name: '1', value: 'a' }] },
    { mergingList: [{ value: 'b' }] },
    /does not contain declared merge key/,
  ],
  [
    '$deleteFromPrimitiveList of a missing item',
    { mergingIntList: [1, 2] },
    { '$deleteFromPrimitiveList/mergingIntList': [3] },
    { mergingIntList: [1, 2] },
  ],
  [
    '$deleteFromPrimitiveList on a null list',
    { mergingIntList: null },
    { '$deleteFromPrimitiveList/mergingIntList': [3] },
    { mergingIntList: null },
  ],
  [
    '$deleteFromPrimitiveList on a missing list',
    { foo: ['bar'] },
    { '$deleteFromPrimitiveList/mergingIntList': [3] },
    { foo: ['bar'] },
  ],
  [
    '$deleteFromPrimitiveList on a non-merging list',
    { nonMergingIntList: [1, 2, 3] },
    { '$deleteFromPrimitiveList/nonMergingIntList': [2] },
    { nonMergingIntList: [1, 3] },
  ],
  [
    'nested patch merge with empty list (new items go before server-only ones)',
    { name: 'hi', mergingList: [{ name: 'hello2' }] },
    {
      '$setElementOrder/mergingList': [{ name: 'hello' }, { name: 'doesntexist' }],
      mergingList: [{ name: 'hello' }, { $patch: 'delete', name: 'doesntexist' }],
    },
    { name: 'hi', mergingList: [{ name: 'hello' }, { name: 'hello2' }] },
  ],
  [
    'delete items in lists of scalars',
    { mergingIntList: [1, 2, 3, 4] },
    { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
    { mergingIntList: [1, 2, 4] },
  ],
  [
    'delete all duplicate items in lists of scalars',
    { mergingIntList: [1, 2, 3, 3, 4] },
    { '$setElementOrder/mergingIntList': [1, 2], '$deleteFromPrimitiveList/mergingIntList': [3] },
    { mergingIntList: [1, 2, 4] },
  ],
  [
    'add and delete items in lists of scalars',
    { mergingIntList: [1, 2, 3, 4] },
    {
      '$setElementOrder/mergingIntList': [1, 2, 4],
      '$deleteFromPrimitiveList/mergingIntList': [3],
      mergingIntList: [4],
    },
    { mergingIntList: [1, 2, 4] },
  ],
  [
    'merge lists of maps',
    {
      mergingList: [
        { name: '1', other: 'a' },
        { name: '2', value: '2', other: 'b' },
      ],
    },
    {
      '$setElementOrder/mergingList': [{ name: '4' }, { name: '1' }, { name: '2' }, { name: '3' }],
      mergingList: [
        { name: '4', value: '4' },
        { name: '3', value: '3' },
      ],
    },
    {
      mergingList: [
        { name: '4', value: '4' },
        { name: '1', other: 'a' },
        { name: '2', value: '2', other: 'b' },
        { name: '3', value: '3' },
      ],
    },
  ],
  [
    'defined null values remove fields and are not stored',
    { name: 'a', other: 'a' },
    { name: '1', value: '1', other: null },
    { name: '1', value: '1' },
  ],
];

for (const [description, original, patch, expected] of cases) {
  test(`upstream: ${description}`, () => {
    const run = () => strategicMergePatch(original, patch, item, resolver);
    if (expected instanceof RegExp) {
      assert.throws(run, (err: unknown) => isApiError(err) && err.code === 400 && expected.test(err.message));
    } else {
      assert.deepEqual(run(), expected);
    }
  });
}
