import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import { fromOciError, ociCodeOf, registryError, toOciError } from './errors.js';
import {
  formatReference,
  hubImageName,
  isValidName,
  isValidTag,
  parseHubImage,
  parseReference,
} from './reference.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

test('repository names follow the OCI grammar', () => {
  for (const ok of ['hello', 'demo/telemetry', 'a.b_c__d-e--f/x9', 'team-1/apps/sensor']) {
    assert.ok(isValidName(ok), ok);
  }
  for (const bad of [
    '',
    'Hello',
    '-x',
    'x-',
    'a//b',
    '/a',
    'a/',
    '../etc',
    'a/../b',
    'a/_blobs',
    'a:b',
    'a b',
  ]) {
    assert.ok(!isValidName(bad), bad);
  }
  assert.ok(!isValidName('a'.repeat(256)));
  assert.ok(isValidName('a'.repeat(255)));
});

test('tags: up to 128 characters, not starting with "." or "-"', () => {
  for (const ok of ['v1', 'latest', '_x', 'V1.2.3-rc_1', 'a'.repeat(128)]) assert.ok(isValidTag(ok), ok);
  for (const bad of ['', '.hidden', '-x', 'a/b', 'a:b', 'a'.repeat(129)]) assert.ok(!isValidTag(bad), bad);
});

test('references: NAME[:TAG][@sha256:HEX], latest by default, the digest kept beside the tag', () => {
  assert.deepEqual(parseReference('demo/app'), { name: 'demo/app', tag: 'latest' });
  assert.deepEqual(parseReference('demo/app:v2'), { name: 'demo/app', tag: 'v2' });
  assert.deepEqual(parseReference(`demo/app@${DIGEST}`), { name: 'demo/app', digest: DIGEST });
  assert.deepEqual(parseReference(`demo/app:v2@${DIGEST}`), { name: 'demo/app', tag: 'v2', digest: DIGEST });
  assert.equal(formatReference(parseReference(`demo/app:v2@${DIGEST}`)), `demo/app:v2@${DIGEST}`);
  const code = (text: string) => {
    try {
      parseReference(text);
      return 'parsed';
    } catch (err) {
      assert.ok(isApiError(err));
      return ociCodeOf(err);
    }
  };
  assert.equal(code('Demo/App:v1'), 'NAME_INVALID');
  assert.equal(code('demo:'), 'MANIFEST_INVALID');
  assert.equal(code('demo@sha256:abc'), 'DIGEST_INVALID');
  assert.equal(code(`demo@sha512:${'a'.repeat(128)}`), 'DIGEST_INVALID');
  assert.equal(code(`demo@${DIGEST.toUpperCase().replace('SHA256', 'sha256')}`), 'DIGEST_INVALID');
});

test('pod images: only hub/… names the registry; malformed ones are errors, not paths', () => {
  assert.equal(parseHubImage('app.wasm'), undefined);
  assert.equal(parseHubImage('https://example.com/x.wasm#sha256=00'), undefined);
  assert.deepEqual(parseHubImage('hub/sensor:v1'), { name: 'sensor', tag: 'v1' });
  assert.deepEqual(parseHubImage(`hub/fleet/sensor@${DIGEST}`), { name: 'fleet/sensor', digest: DIGEST });
  assert.throws(() => parseHubImage('hub/Sensor'), /invalid repository name/);
  assert.equal(hubImageName('hub/fleet/sensor:v1'), 'fleet/sensor');
  assert.equal(hubImageName('hub/BAD'), undefined);
  assert.equal(hubImageName('./hub/x.wasm'), undefined);
});

test('errors: one ApiError model, OCI bodies at the boundary and back', () => {
  const err = registryError('BLOB_UNKNOWN', 'blob sha256:… is not known');
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.deepEqual(toOciError(err).body, {
    errors: [{ code: 'BLOB_UNKNOWN', message: 'blob sha256:… is not known' }],
  });
  assert.equal(registryError('SIZE_INVALID', 'too big', 413).reason, 'RequestEntityTooLarge');

  // Errors from elsewhere (the authorizer, a crash) get the closest code; internals never leak.
  assert.equal(toOciError(Object.assign(registryError('DENIED', 'no'))).status, 403);
  const crash = toOciError(new Error('ENOSPC: /secret/path'));
  assert.equal(crash.status, 500);
  assert.deepEqual(crash.body.errors[0], {
    code: 'UNKNOWN',
    message: 'internal error in the module registry',
  });

  const back = fromOciError(403, JSON.stringify({ errors: [{ code: 'DENIED', message: 'nope' }] }));
  assert.equal(back.code, 403);
  assert.equal(ociCodeOf(back), 'DENIED');
  assert.equal(back.message, 'nope');
  const odd = fromOciError(418, 'teapot');
  assert.equal(ociCodeOf(odd), 'UNSUPPORTED');
  assert.match(odd.message, /HTTP 418: teapot/);
});
