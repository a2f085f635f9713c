import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import { describeNetworkError, errorFromResponse, isTransportError, TransportError } from './errors.js';

test('a Status body becomes the ApiError it describes', () => {
  const err = errorFromResponse(
    404,
    JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      message: 'pods "x" not found',
      reason: 'NotFound',
      code: 404,
      details: { name: 'x', kind: 'pods' },
    }),
  );
  assert.ok(isApiError(err));
  assert.equal(err.code, 404);
  assert.equal(err.reason, 'NotFound');
  assert.equal(err.message, 'pods "x" not found');
  assert.deepEqual(err.details, { name: 'x', kind: 'pods' });
  assert.equal(isTransportError(err), false);
});

test('a 410 Status keeps its Expired reason; a bare 410 gets one from the code', () => {
  const withStatus = errorFromResponse(
    410,
    JSON.stringify({ kind: 'Status', code: 410, reason: 'Expired', message: 'too old' }),
  );
  assert.equal(withStatus.reason, 'Expired');
  const bare = errorFromResponse(410, '');
  assert.equal(bare.code, 410);
  assert.equal(bare.reason, 'Expired');
});

test('a non-Status body (a proxy page) still gives a typed error with the text', () => {
  const err = errorFromResponse(502, '<html>Bad gateway</html>');
  assert.equal(err.code, 502);
  assert.equal(err.reason, 'InternalError');
  assert.match(err.message, /Bad gateway/);
  assert.equal(errorFromResponse(401, '').reason, 'Unauthorized');
  assert.equal(errorFromResponse(422, 'x').reason, 'Invalid');
});

test('transport failures are ApiErrors (503) that say which hub and why', () => {
  const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
  const { reason, errno } = describeNetworkError(cause);
  const err = new TransportError('https://127.0.0.1:1', reason, errno, cause);
  assert.ok(isApiError(err));
  assert.ok(isTransportError(err));
  assert.equal(err.code, 503);
  assert.equal(err.errno, 'ECONNREFUSED');
  assert.match(err.message, /^cannot reach the hub at https:\/\/127\.0\.0\.1:1: connection refused/);
  assert.equal(err.toStatus().reason, 'ServiceUnavailable');
});

test('unknown network errors keep their own message', () => {
  assert.deepEqual(describeNetworkError(new Error('weird')), { reason: 'weird', errno: undefined });
});
