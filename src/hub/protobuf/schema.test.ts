import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MESSAGES, messageForKind, supportedKinds } from './kinds.js';
import { buildRegistry, checkRegistry } from './schema.js';

describe('protobuf tables', () => {
  it('have no dangling types, duplicate JSON names or misplaced flags', () => {
    assert.deepEqual(checkRegistry(MESSAGES), []);
  });

  it('map every supported kind to a message with metadata, except DeleteOptions', () => {
    for (const entry of supportedKinds()) {
      const slash = entry.lastIndexOf('/');
      const spec = messageForKind(entry.slice(0, slash), entry.slice(slash + 1));
      assert.ok(spec, entry);
      if (!entry.endsWith('/DeleteOptions')) assert.equal(spec.fields.get(1)?.name, 'metadata', entry);
    }
  });

  it('catch mistakes in a table', () => {
    const bad = buildRegistry({
      t: { A: { 1: 'x Missing', 2: 'y string', 3: 'y int32', 4: 'z []string keep' } },
    });
    const problems = checkRegistry(bad);
    assert.ok(problems.some((p) => p.includes('unknown type t.Missing')));
    assert.ok(problems.some((p) => p.includes('JSON name y used twice')));
    assert.ok(problems.some((p) => p.includes('keep is meaningless')));
    assert.throws(() => buildRegistry({ t: { A: { 1: 'x string ptr' } } }), /unknown flag ptr/);
  });
});
