import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  BadRequest,
  CgiParseError,
  cgiArguments,
  cgiEnvironment,
  matchesRoute,
  parseCgiResponse,
} from './cgi.js';

const request = {
  method: 'POST',
  url: '/api/v1/things%20x?a=1&b=two',
  headers: {
    host: 'device.local:8080',
    'content-type': 'application/json',
    'content-length': '12',
    'x-trace-id': 'abc',
    accept: ['text/plain', 'application/json'],
    proxy: 'http://evil',
  },
  bodyLength: 12,
  remoteAddress: '127.0.0.1',
  serverHost: '127.0.0.1',
  serverPort: 8080,
  httpVersion: '1.1',
};

test('the CGI environment carries the request as WAGI defines it', () => {
  const env = cgiEnvironment(request, { prefix: '/' }, { DEVICE_NAME: 'd1', REQUEST_METHOD: 'spoofed' });
  assert.equal(env.REQUEST_METHOD, 'POST');
  assert.equal(env.PATH_INFO, '/api/v1/things x');
  assert.equal(env.X_RAW_PATH_INFO, '/api/v1/things%20x');
  assert.equal(env.PATH_TRANSLATED, '/api/v1/things x');
  assert.equal(env.QUERY_STRING, 'a=1&b=two');
  assert.equal(env.CONTENT_LENGTH, '12');
  assert.equal(env.CONTENT_TYPE, 'application/json');
  assert.equal(env.SERVER_NAME, 'device.local');
  assert.equal(env.SERVER_PORT, '8080');
  assert.equal(env.SERVER_PROTOCOL, 'HTTP/1.1');
  assert.equal(env.GATEWAY_INTERFACE, 'CGI/1.1');
  assert.equal(env.SCRIPT_NAME, '');
  assert.equal(env.X_MATCHED_ROUTE, '/...');
  assert.equal(env.X_FULL_URL, 'http://device.local:8080/api/v1/things%20x?a=1&b=two');
  assert.equal(env.REMOTE_ADDR, '127.0.0.1');
  assert.equal(env.HTTP_X_TRACE_ID, 'abc');
  assert.equal(env.HTTP_ACCEPT, 'text/plain, application/json');
  assert.equal(env.HTTP_HOST, 'device.local:8080');
  assert.equal(env.DEVICE_NAME, 'd1');
  assert.equal(env.HTTP_CONTENT_TYPE, undefined);
  assert.equal(env.HTTP_CONTENT_LENGTH, undefined);
  assert.equal(env.HTTP_PROXY, undefined, 'no httpoxy');
});

test('a route prefix becomes SCRIPT_NAME and is cut from PATH_INFO', () => {
  const env = cgiEnvironment(request, { prefix: '/api/' }, {});
  assert.equal(env.SCRIPT_NAME, '/api');
  assert.equal(env.PATH_INFO, '/v1/things x');
  assert.equal(env.X_MATCHED_ROUTE, '/api/...');
  assert.ok(matchesRoute({ prefix: '/api' }, '/api'));
  assert.ok(matchesRoute({ prefix: '/api' }, '/api/x'));
  assert.ok(!matchesRoute({ prefix: '/api' }, '/apix'));
  assert.ok(matchesRoute({ prefix: '/' }, '/anything'));
});

test('without a Host header the server address is used; bad escapes are a bad request', () => {
  const env = cgiEnvironment({ ...request, headers: {}, url: '/' }, { prefix: '/' }, {});
  assert.equal(env.SERVER_NAME, '127.0.0.1');
  assert.equal(env.X_FULL_URL, 'http://127.0.0.1:8080/');
  assert.equal(env.QUERY_STRING, '');
  assert.throws(() => cgiEnvironment({ ...request, url: '/%zz' }, { prefix: '/' }, {}), BadRequest);
});

test('query parameters become arguments', () => {
  assert.deepEqual(cgiArguments('/x?a=1&b=two+words&c%3Dd&&e'), ['a=1', 'b=two words', 'c=d', 'e']);
  assert.deepEqual(cgiArguments('/x'), []);
  assert.deepEqual(cgiArguments('/x?'), []);
});

test('CGI responses: headers, status, body', () => {
  const r = parseCgiResponse(Buffer.from('Content-Type: text/plain\nX-A: 1\nX-A: 2\n\nhello\n\nworld'));
  assert.equal(r.status, 200);
  assert.deepEqual(r.headers, [
    ['Content-Type', 'text/plain'],
    ['X-A', '1'],
    ['X-A', '2'],
  ]);
  assert.equal(r.body.toString(), 'hello\n\nworld');

  const s = parseCgiResponse(Buffer.from('Status: 404 Not Here\r\nContent-Type: text/html\r\n\r\n<p>'));
  assert.equal(s.status, 404);
  assert.equal(s.statusText, 'Not Here');
  assert.equal(s.body.toString(), '<p>');

  const redirect = parseCgiResponse(Buffer.from('Location: /elsewhere\n\n'));
  assert.equal(redirect.status, 302);
  assert.equal(redirect.body.length, 0);

  const statusOnly = parseCgiResponse(Buffer.from('Status: 204\n\n'));
  assert.equal(statusOnly.status, 204);

  const managed = parseCgiResponse(
    Buffer.from('Content-Type: a/b\nContent-Length: 999\nConnection: close\n\nx'),
  );
  assert.deepEqual(managed.headers, [['Content-Type', 'a/b']]);
});

test('output that is not a CGI response is rejected with a reason', () => {
  const bad: [string, RegExp][] = [
    ['', /printed nothing/],
    ['just some text', /no CGI headers/],
    ['hello world\n\n', /malformed CGI header line/],
    ['{"json": true}\n\n', /invalid CGI header name/],
    ['X-Only: 1\n\n', /without Content-Type, Location or Status/],
    ['Status: abc\n\n', /invalid Status/],
    ['Status: 99\n\n', /invalid Status/],
    ['Bad Name: x\nContent-Type: a/b\n\n', /invalid CGI header name/],
  ];
  for (const [out, why] of bad) {
    assert.throws(
      () => parseCgiResponse(Buffer.from(out)),
      (err: unknown) => err instanceof CgiParseError && why.test(err.message),
      JSON.stringify(out),
    );
  }
});
