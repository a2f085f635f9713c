import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../api/errors.js';
import type { JsonObject, JsonValue } from '../../api/types.js';
import { strategicMergePatch } from './strategic-merge-patch.js';
import { deploymentSchema, resolver } from './test-schemas.js';

const smp = (original: JsonObject, patch: JsonValue) =>
  strategicMergePatch(original, patch, deploymentSchema, resolver);

function deployment(containers: JsonValue[], extra: JsonObject = {}): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: { replicas: 1, template: { spec: { containers } }, ...extra },
  };
}

function containersOf(obj: JsonObject): JsonValue[] {
  return ((obj.spec as JsonObject).template as { spec: { containers: JsonValue[] } }).spec.containers;
}

/** No "$..." key anywhere in a value. */
function assertNoDirectives(value: JsonValue, where = '') {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) assertNoDirectives(v, `${where}[${i}]`);
  } else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      assert.ok(!k.startsWith('$'), `directive ${k} leaked at ${where}`);
      assertNoDirectives(v, `${where}.${k}`);
    }
  }
}

test('maps merge recursively and null deletes a key', () => {
  const out = smp(deployment([]), {
    metadata: { labels: { app: null, tier: 'front' } },
    spec: { replicas: 3 },
  });
  assert.deepEqual((out.metadata as JsonObject).labels, { tier: 'front' });
  assert.equal((out.spec as JsonObject).replicas, 3);
  assert.equal((out.metadata as JsonObject).name, 'web');
});

test('containers merge by name: matched ones merge, new ones are appended', () => {
  const original = deployment([
    { name: 'a', image: 'a:1', imagePullPolicy: 'Always' },
    { name: 'b', image: 'b:1' },
  ]);
  const out = smp(original, {
    spec: {
      template: {
        spec: {
          containers: [
            { name: 'b', image: 'b:2' },
            { name: 'c', image: 'c:1' },
          ],
        },
      },
    },
  });
  assert.deepEqual(containersOf(out), [
    { name: 'a', image: 'a:1', imagePullPolicy: 'Always' },
    { name: 'b', image: 'b:2' },
    { name: 'c', image: 'c:1' },
  ]);
});

test("kubectl apply's real body: env removed via null, image updated, order directive consumed", () => {
  const original = deployment([{ name: 'c', image: 'nginx:1.25', env: [{ name: 'A', value: '1' }] }]);
  const body = JSON.parse(
    '{"spec":{"template":{"spec":{"$setElementOrder/containers":[{"name":"c"}],"containers":[{"env":null,"image":"nginx:1.27","name":"c"}]}}}}',
  );
  const out = smp(original, body);
  assert.deepEqual(containersOf(out), [{ name: 'c', image: 'nginx:1.27' }]);
  assertNoDirectives(out);
});

test('env entries merge by name inside a merged container', () => {
  const original = deployment([
    {
      name: 'c',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '2' },
      ],
    },
  ]);
  const out = smp(original, {
    spec: {
      template: {
        spec: {
          containers: [
            {
              name: 'c',
              env: [
                { name: 'B', value: '3' },
                { name: 'C', value: '4' },
              ],
            },
          ],
        },
      },
    },
  });
  assert.deepEqual(containersOf(out), [
    {
      name: 'c',
      env: [
        { name: 'A', value: '1' },
        { name: 'B', value: '3' },
        { name: 'C', value: '4' },
      ],
    },
  ]);
});

test('$patch: delete in a list item removes the item with that key', () => {
  const original = deployment([{ name: 'a' }, { name: 'b' }, { name: 'c' }]);
  const out = smp(original, {
    spec: { template: { spec: { containers: [{ name: 'b', $patch: 'delete' }] } } },
  });
  assert.deepEqual(containersOf(out), [{ name: 'a' }, { name: 'c' }]);
});

test('$patch: replace as a list item replaces the whole list', () => {
  const original = deployment([{ name: 'a', image: 'x' }, { name: 'b' }]);
  const out = smp(original, {
    spec: { template: { spec: { containers: [{ name: 'z', image: 'z' }, { $patch: 'replace' }] } } },
  });
  assert.deepEqual(containersOf(out), [{ name: 'z', image: 'z' }]);
});

test('$patch: replace on a map replaces it; $patch: delete empties it', () => {
  const original = deployment([], { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1 } } });
  const replaced = smp(original, { metadata: { labels: { $patch: 'replace', new: 'yes' } } });
  assert.deepEqual((replaced.metadata as JsonObject).labels, { new: 'yes' });
  const deleted = smp(original, { spec: { strategy: { $patch: 'delete' } } });
  assert.deepEqual((deleted.spec as JsonObject).strategy, {});
  assertNoDirectives(replaced);
});

test('$patch: merge is the default and is accepted explicitly', () => {
  const out = smp(deployment([]), { metadata: { $patch: 'merge', labels: { b: '2' } } });
  assert.deepEqual((out.metadata as JsonObject).labels, { app: 'web', b: '2' });
});

test('$retainKeys keeps only the listed keys (Recreate clears rollingUpdate)', () => {
  const original = deployment([], {
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%' } },
  });
  const out = smp(original, {
    spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } },
  });
  assert.deepEqual((out.spec as JsonObject).strategy, { type: 'Recreate' });
});

test('$retainKeys must cover every key the patch sets', () => {
  assert.throws(
    () =>
      smp(deployment([]), { spec: { strategy: { $retainKeys: ['type'], rollingUpdate: { maxSurge: 1 } } } }),
    (err: unknown) => isApiError(err) && err.code === 422 && /retainKeys/.test(err.message),
  );
  assert.throws(
    () => smp(deployment([]), { spec: { strategy: { $retainKeys: 'type' } } }),
    (err: unknown) => isApiError(err) && err.code === 400,
  );
});

test('$setElementOrder reorders; server-only items keep their place relative to the live list', () => {
  const original = deployment([{ name: 'a' }, { name: 'sidecar' }, { name: 'b' }]);
  const out = smp(original, {
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }, { name: 'new' }],
          containers: [{ name: 'new', image: 'n' }],
        },
      },
    },
  });
  const names = containersOf(out).map((c) => (c as JsonObject).name);
  // Listed items follow the directive. "sidecar" is compared with them by live position: it
  // stood before b on the server, so it stays before b (upstream's interleaving).
  assert.deepEqual(names, ['sidecar', 'b', 'a', 'new']);
  assertNoDirectives(out);
});

test('$setElementOrder alone (no patch list) only reorders; unlisted trailing items stay last', () => {
  const original = deployment([{ name: 'a' }, { name: 'b' }, { name: 'sidecar' }]);
  const out = smp(original, {
    spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'b' }, { name: 'a' }] } } },
  });
  assert.deepEqual(containersOf(out), [{ name: 'b' }, { name: 'a' }, { name: 'sidecar' }]);
});

test('$setElementOrder must agree with the order of the patch list', () => {
  assert.throws(
    () =>
      smp(deployment([{ name: 'a' }]), {
        spec: {
          template: {
            spec: {
              '$setElementOrder/containers': [{ name: 'a' }, { name: 'b' }],
              containers: [{ name: 'b' }, { name: 'a' }],
            },
          },
        },
      }),
    (err: unknown) => isApiError(err) && err.code === 400 && /setElementOrder/.test(err.message),
  );
});

test('finalizers (merge, primitive) are unioned without duplicates', () => {
  const original = deployment([]);
  (original.metadata as JsonObject).finalizers = ['a', 'b'];
  const out = smp(original, { metadata: { finalizers: ['b', 'c', 'c'] } });
  assert.deepEqual((out.metadata as JsonObject).finalizers, ['a', 'b', 'c']);
  // With nothing relating it to the live items, a new item goes first (upstream's ordering;
  // kubectl apply avoids this by sending $setElementOrder).
  const alone = smp(original, { metadata: { finalizers: ['c'] } });
  assert.deepEqual((alone.metadata as JsonObject).finalizers, ['c', 'a', 'b']);
});

test('$deleteFromPrimitiveList removes values; with $setElementOrder as kubectl sends it', () => {
  const original = deployment([]);
  (original.metadata as JsonObject).finalizers = ['a', 'b', 'c'];
  const out = smp(original, { metadata: { '$deleteFromPrimitiveList/finalizers': ['b'] } });
  assert.deepEqual((out.metadata as JsonObject).finalizers, ['a', 'c']);

  const reordered = smp(original, {
    metadata: { '$setElementOrder/finalizers': ['c', 'a'], '$deleteFromPrimitiveList/finalizers': ['b'] },
  });
  assert.deepEqual((reordered.metadata as JsonObject).finalizers, ['c', 'a']);
  assertNoDirectives(reordered);
});

test('$deleteFromPrimitiveList on an absent list does nothing', () => {
  const out = smp(deployment([]), { metadata: { '$deleteFromPrimitiveList/finalizers': ['x'] } });
  assert.equal((out.metadata as JsonObject).finalizers, undefined);
});

test('lists without a merge strategy, or without schema, are replaced', () => {
  const original = deployment([{ name: 'c', command: ['a', 'b'] }], { extra: { list: [1, 2] } });
  const out = smp(original, {
    spec: { extra: { list: [3] }, template: { spec: { containers: [{ name: 'c', command: ['z'] }] } } },
  });
  assert.deepEqual((out.spec as JsonObject).extra, { list: [3] });
  assert.deepEqual(containersOf(out), [{ name: 'c', command: ['z'] }]);
});

test('directives inside content that is new never leak', () => {
  const original: JsonObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' } };
  const out = smp(original, {
    metadata: { labels: { a: '1', gone: null } },
    spec: {
      template: {
        spec: {
          '$setElementOrder/containers': [{ name: 'c' }],
          containers: [
            {
              name: 'c',
              env: [
                { name: 'X', value: '1' },
                { name: 'Y', $patch: 'delete' },
              ],
              ports: null,
            },
          ],
        },
      },
      strategy: { $retainKeys: ['type'], type: 'Recreate' },
    },
  });
  assertNoDirectives(out);
  assert.deepEqual(out.spec, {
    template: { spec: { containers: [{ name: 'c', env: [{ name: 'X', value: '1' }] }] } },
    strategy: { type: 'Recreate' },
  });
  assert.deepEqual((out.metadata as JsonObject).labels, { a: '1' });
});

test('ports merge by containerPort', () => {
  const original = deployment([{ name: 'c', ports: [{ containerPort: 80 }, { containerPort: 443 }] }]);
  const out = smp(original, {
    spec: {
      template: { spec: { containers: [{ name: 'c', ports: [{ containerPort: 443, name: 'https' }] }] } },
    },
  });
  assert.deepEqual(containersOf(out), [
    { name: 'c', ports: [{ containerPort: 80 }, { containerPort: 443, name: 'https' }] },
  ]);
});

test('bad patches are client errors', () => {
  const cases: [JsonValue, number, RegExp][] = [
    [[{ op: 'add' }], 400, /cannot unmarshal array/],
    [
      { spec: { template: { spec: { containers: [{ image: 'x' }] } } } },
      400,
      /does not contain declared merge key: name/,
    ],
    [{ metadata: { labels: { $patch: 'explode' } } }, 400, /unknown patch type/],
    [
      { spec: { template: { spec: { containers: [{ name: 'c', $patch: 'explode' }] } } } },
      400,
      /unknown patch type/,
    ],
    [{ metadata: { '$deleteFromPrimitiveList/finalizers': 'a' } }, 400, /primitive list/],
  ];
  for (const [patch, code, message] of cases) {
    assert.throws(
      () => smp(deployment([{ name: 'c' }]), patch),
      (err: unknown) => isApiError(err) && err.code === code && message.test(err.message),
      JSON.stringify(patch),
    );
  }
});

test('the original is not modified', () => {
  const original = deployment([{ name: 'a', env: [{ name: 'X', value: '1' }] }]);
  const snapshot = structuredClone(original);
  smp(original, {
    metadata: { labels: null },
    spec: { template: { spec: { containers: [{ name: 'a', env: [{ name: 'X', value: '2' }] }] } } },
  });
  assert.deepEqual(original, snapshot);
});

test('"__proto__" is an ordinary key', () => {
  const out = smp(deployment([]), JSON.parse('{"metadata":{"labels":{"__proto__":"x"}}}'));
  const labels = (out.metadata as JsonObject).labels as JsonObject;
  assert.equal(Object.getPrototypeOf(labels), Object.prototype);
  assert.deepEqual(Object.entries(labels), [
    ['app', 'web'],
    ['__proto__', 'x'],
  ]);
});
