/**
 * The decoder against real kubectl. Each fixtures/NAME.pb is the body kubectl 1.32 sent for a
 * command (1.33 sent the same bytes); NAME.json is the body kubectl 1.31, which still spoke JSON,
 * sent for the very same command. Decoding the first must give the second.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsonValue } from '../../api/types.js';
import { fixtureNames, hasFixture, readFixture } from './fixture-files.js';
import { decodeProtobufObject, isProtobufBody } from './index.js';

/** Go writes nil pointers, nil slices and zero times as null; protobuf simply leaves them out. */
function withoutNulls(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(withoutNulls);
  if (v && typeof v === 'object') {
    const out: Record<string, JsonValue> = {};
    for (const [k, x] of Object.entries(v)) if (x !== null) out[k] = withoutNulls(x);
    return out;
  }
  return v;
}

describe('bodies captured from kubectl', () => {
  const names = fixtureNames();

  it('has the captures this suite is about', () => {
    for (const n of [
      'configmap',
      'secret',
      'namespace',
      'deployment',
      'can-i',
      'can-i-list',
      'whoami',
      'token',
    ]) {
      assert.ok(names.includes(n), `missing fixture ${n}.pb`);
    }
  });

  for (const name of names.filter((n) => hasFixture(`${n}.json`))) {
    it(`${name}: protobuf decodes to the JSON kubectl 1.31 sent`, () => {
      const body = readFixture(`${name}.pb`);
      assert.ok(isProtobufBody(body));
      const want = withoutNulls(JSON.parse(readFixture(`${name}.json`).toString('utf8')));
      assert.deepStrictEqual(decodeProtobufObject(body), want);
    });
  }

  it('keeps explicit zeros where JSON keeps them and drops gogo zeros where it does not', () => {
    const deployment = decodeProtobufObject(readFixture('deployment-zero.pb'));
    assert.equal(deployment.spec.replicas, 0);
    assert.deepEqual(deployment.metadata, { name: 'web', labels: { app: 'web' } });
    const pdb = decodeProtobufObject(readFixture('pdb-min.pb'));
    assert.deepEqual(pdb.status, {
      disruptionsAllowed: 0,
      currentHealthy: 0,
      desiredHealthy: 0,
      expectedPods: 0,
    });
    assert.equal(pdb.spec.minAvailable, '50%');
    const access = decodeProtobufObject(readFixture('can-i.pb'));
    assert.deepEqual(access.status, { allowed: false });
  });

  it('turns Secret and ConfigMap bytes into base64, binary included', () => {
    const secret = decodeProtobufObject(readFixture('secret.pb'));
    assert.equal(Buffer.from(secret.data.user, 'base64').toString(), 'admin');
    const binary = decodeProtobufObject(readFixture('configmap-binary.pb'));
    assert.ok(Buffer.from(binary.binaryData.blob, 'base64').includes(Buffer.from([0xff, 0xfe, 0x00])));
  });

  it('decodes drain’s DELETE body, with and without a grace period', () => {
    assert.deepStrictEqual(decodeProtobufObject(readFixture('drain-delete.pb')), {
      kind: 'DeleteOptions',
      apiVersion: 'v1',
    });
    assert.equal(decodeProtobufObject(readFixture('drain-delete-grace.pb')).gracePeriodSeconds, 5);
  });

  it('answers 415 naming the kind for a kind it has no table for (create job)', () => {
    assert.throws(
      () => decodeProtobufObject(readFixture('job.pb')),
      (err: { code: number; reason: string; message: string }) =>
        err.code === 415 &&
        err.reason === 'UnsupportedMediaType' &&
        /Job/.test(err.message) &&
        /batch\/v1/.test(err.message),
    );
  });
});
