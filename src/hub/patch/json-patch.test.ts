import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../api/errors.js';
import type { JsonValue } from '../../api/types.js';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from './json-patch.js';

function rejects(doc: JsonValue, patch: unknown, code: number, message: string | RegExp) {
  assert.throws(
    () => applyJsonPatch(doc, patch),
    (err: unknown) => {
      assert.ok(isApiError(err));
      assert.equal(err.code, code);
      assert.equal(
        err.reason,
        code === 400 ? 'BadRequest' : code === 413 ? 'RequestEntityTooLarge' : 'Invalid',
      );
      if (typeof message === 'string') assert.equal(err.message, message);
      else assert.match(err.message, message);
      return true;
    },
  );
}

// RFC 6902 Appendix A, one test per example.
test('A.1 adding an object member', () => {
  assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux' }]), {
    foo: 'bar',
    baz: 'qux',
  });
});

test('A.2 adding an array element', () => {
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'baz'] }, [{ op: 'add', path: '/foo/1', value: 'qux' }]), {
    foo: ['bar', 'qux', 'baz'],
  });
});

test('A.3 / A.4 removing an object member and an array element', () => {
  assert.deepEqual(applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'remove', path: '/baz' }]), {
    foo: 'bar',
  });
  assert.deepEqual(applyJsonPatch({ foo: ['bar', 'qux', 'baz'] }, [{ op: 'remove', path: '/foo/1' }]), {
    foo: ['bar', 'baz'],
  });
});

test('A.5 replacing a value', () => {
  assert.deepEqual(
    applyJsonPatch({ baz: 'qux', foo: 'bar' }, [{ op: 'replace', path: '/baz', value: 'boo' }]),
    {
      baz: 'boo',
      foo: 'bar',
    },
  );
});

test('A.6 / A.7 moving a value and an array element', () => {
  const doc = { foo: { bar: 'baz', waldo: 'fred' }, qux: { corge: 'grault' } };
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'move', from: '/foo/waldo', path: '/qux/thud' }]), {
    foo: { bar: 'baz' },
    qux: { corge: 'grault', thud: 'fred' },
  });
  assert.deepEqual(
    applyJsonPatch({ foo: ['all', 'grass', 'cows', 'eat'] }, [
      { op: 'move', from: '/foo/1', path: '/foo/3' },
    ]),
    { foo: ['all', 'cows', 'eat', 'grass'] },
  );
});

test('A.8 a successful test leaves the document alone', () => {
  const doc = { baz: 'qux', foo: ['a', 2, 'c'] };
  const patch = [
    { op: 'test', path: '/baz', value: 'qux' },
    { op: 'test', path: '/foo/1', value: 2 },
  ];
  assert.deepEqual(applyJsonPatch(doc, patch), doc);
});

test('A.9 a failed test is a 422 naming the path', () => {
  rejects(
    { baz: 'qux' },
    [{ op: 'test', path: '/baz', value: 'bar' }],
    422,
    'testing value /baz failed: test failed',
  );
});

test('A.10 adding a nested member object', () => {
  assert.deepEqual(
    applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/child', value: { grandchild: {} } }]),
    {
      foo: 'bar',
      child: { grandchild: {} },
    },
  );
});

test('A.11 unrecognised members of an operation are ignored', () => {
  assert.deepEqual(applyJsonPatch({ foo: 'bar' }, [{ op: 'add', path: '/baz', value: 'qux', xyz: 123 }]), {
    foo: 'bar',
    baz: 'qux',
  });
});

test('A.12 adding to a nonexistent target fails', () => {
  rejects({ foo: 'bar' }, [{ op: 'add', path: '/baz/bat', value: 'qux' }], 422, /missing path: \/baz\/bat/);
});

test('A.14 ~ escapes: ~1 is "/", ~0 is "~"', () => {
  const doc = { '/': 9, '~1': 10 };
  assert.deepEqual(applyJsonPatch(doc, [{ op: 'test', path: '/~01', value: 10 }]), doc);
  assert.deepEqual(applyJsonPatch({ 'a/b': 1 }, [{ op: 'replace', path: '/a~1b', value: 2 }]), { 'a/b': 2 });
  assert.deepEqual(applyJsonPatch({}, [{ op: 'add', path: '/m~0n', value: 'x' }]), { 'm~n': 'x' });
});

test('A.15 strings and numbers do not compare equal', () => {
  rejects(
    { '/': 9, '~1': 10 },
    [{ op: 'test', path: '/~01', value: '10' }],
    422,
    /testing value \/~01 failed/,
  );
});

test('A.16 adding an array value, and "-" appends', () => {
  assert.deepEqual(applyJsonPatch({ foo: ['bar'] }, [{ op: 'add', path: '/foo/-', value: ['abc', 'def'] }]), {
    foo: ['bar', ['abc', 'def']],
  });
});

test('copy duplicates a value without aliasing it', () => {
  const out = applyJsonPatch({ a: { b: 1 } }, [
    { op: 'copy', from: '/a', path: '/c' },
    { op: 'replace', path: '/c/b', value: 2 },
  ]);
  assert.deepEqual(out, { a: { b: 1 }, c: { b: 2 } });
});

test('operations on the whole document', () => {
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '', value: { b: 2 } }]), { b: 2 });
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'test', path: '', value: { a: 1 } }]), { a: 1 });
});

test('a typical kubectl patch --type=json on a Deployment', () => {
  const deployment = {
    spec: { replicas: 1, template: { spec: { containers: [{ name: 'c', image: 'a' }] } } },
  };
  const out = applyJsonPatch(deployment, [
    { op: 'replace', path: '/spec/replicas', value: 3 },
    { op: 'add', path: '/spec/template/spec/containers/0/env', value: [{ name: 'X', value: '1' }] },
    { op: 'add', path: '/metadata', value: { labels: { 'app.kubernetes.io/name': 'web' } } },
  ]);
  assert.deepEqual(out, {
    spec: {
      replicas: 3,
      template: { spec: { containers: [{ name: 'c', image: 'a', env: [{ name: 'X', value: '1' }] }] } },
    },
    metadata: { labels: { 'app.kubernetes.io/name': 'web' } },
  });
});

test('missing paths are 422 and name the path', () => {
  rejects(
    { a: {} },
    [{ op: 'remove', path: '/a/b' }],
    422,
    'remove operation does not apply: doc is missing path: /a/b',
  );
  rejects({ a: {} }, [{ op: 'replace', path: '/a/b', value: 1 }], 422, /replace operation .* \/a\/b/);
  rejects({ a: [1] }, [{ op: 'remove', path: '/a/1' }], 422, /\/a\/1/);
  rejects({ a: [1] }, [{ op: 'add', path: '/a/2', value: 0 }], 422, /index out of bounds: \/a\/2/);
  rejects({ a: 1 }, [{ op: 'move', from: '/x', path: '/y' }], 422, /missing from path: \/x/);
  rejects({ a: 1 }, [{ op: 'test', path: '/x', value: 1 }], 422, /missing path: \/x/);
});

test('array indexes must be plain decimals', () => {
  rejects({ a: [1, 2] }, [{ op: 'remove', path: '/a/01' }], 422, /\/a\/01/);
  rejects({ a: [1, 2] }, [{ op: 'remove', path: '/a/-' }], 422, /\/a\/-/);
});

test('malformed operations are 422', () => {
  rejects({}, [{ op: 'frobnicate', path: '/a' }], 422, 'Unexpected kind: frobnicate');
  rejects({}, [{ op: 'add', value: 1 }], 422, /missing "path"/);
  rejects({}, [{ op: 'add', path: '/a' }], 422, /missing "value"/);
  rejects({}, [{ op: 'move', path: '/a' }], 422, /missing "from"/);
  rejects({}, [{ op: 'add', path: 'a', value: 1 }], 422, /invalid JSON pointer/);
  rejects({ a: { b: 1 } }, [{ op: 'move', from: '/a', path: '/a/b/c' }], 422, /its own child/);
});

test('"value": null is a value', () => {
  assert.deepEqual(applyJsonPatch({ a: 1 }, [{ op: 'replace', path: '/a', value: null }]), { a: null });
});

test('a body that is not an array is a 400', () => {
  rejects({}, { op: 'add', path: '/a', value: 1 }, 400, /cannot unmarshal object/);
  rejects({}, 'x', 400, /cannot unmarshal string/);
});

test('too many operations is a 413', () => {
  const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({
    op: 'test',
    path: '',
    value: {},
  }));
  rejects({}, ops, 413, /maximum operations/);
});

test('the patch is atomic and never mutates its input', () => {
  const doc = { a: { b: 1 }, list: [1, 2] };
  const snapshot = structuredClone(doc);
  assert.throws(() =>
    applyJsonPatch(doc, [
      { op: 'replace', path: '/a/b', value: 2 },
      { op: 'remove', path: '/list/0' },
      { op: 'test', path: '/a/b', value: 3 },
    ]),
  );
  assert.deepEqual(doc, snapshot);
  const out = applyJsonPatch(doc, [{ op: 'replace', path: '/a/b', value: 2 }]) as { a: { b: number } };
  assert.equal(out.a.b, 2);
  assert.deepEqual(doc, snapshot);
});

test('"__proto__" is an ordinary key', () => {
  const out = applyJsonPatch({ labels: {} }, [{ op: 'add', path: '/labels/__proto__', value: 'x' }]) as {
    labels: Record<string, string>;
  };
  assert.equal(Object.getPrototypeOf(out.labels), Object.prototype);
  assert.deepEqual(Object.entries(out.labels), [['__proto__', 'x']]);
});
