import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFlags } from '../cli/args.js';
import { AGENT_FLAGS, agentOptionsFromFlags, parseLabels } from './cli.js';
import { parseLocalAddress } from './local-api.js';
import { parseDuration } from './node/departure.js';

const parse = (args: string[]) => agentOptionsFromFlags(parseFlags(args, AGENT_FLAGS));

test('flags become agent options with the documented defaults', () => {
  const options = parse([
    '--server',
    'https://10.0.0.1:6443/',
    '--token',
    'abcdef.0123456789abcdef',
    '--ca-cert-hash',
    `sha256:${'a'.repeat(64)}`,
    '--name',
    'truck-7',
    '--labels',
    'fleet=north,minato.dev/zone=a',
    '--device-class',
    'vehicle',
    '--lease-interval',
    '500ms',
  ]);
  assert.equal(options.server, 'https://10.0.0.1:6443');
  assert.equal(options.nodeName, 'truck-7');
  assert.equal(options.dataDir, './.minato-agent');
  assert.equal(options.localApi, '127.0.0.1:10250');
  assert.equal(options.leaseIntervalMs, 500);
  assert.equal(options.deviceClass, 'vehicle');
  assert.deepEqual(options.labels, { fleet: 'north', 'minato.dev/zone': 'a' });
});

test('bad flags name the flag and the fix', () => {
  assert.throws(() => parse([]), /--server is required/);
  assert.throws(() => parse(['--server', 'http://x:1']), /--server must be an https:\/\/ URL/);
  assert.throws(
    () => parse(['--server', 'https://x:1', '--device-class', 'boat']),
    /--device-class must be one of vehicle, drone, robot, gateway/,
  );
  assert.throws(
    () => parse(['--server', 'https://x:1', '--lease-interval', 'soon']),
    /"soon" is not a duration/,
  );
  assert.throws(() => parseLabels('novalue'), /must be key=value/);
  assert.throws(() => parseLabels('bad key=v'), /not a valid label key/);
});

test('durations', () => {
  assert.equal(parseDuration('2s'), 2000);
  assert.equal(parseDuration('1m30s'), 90_000);
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('45'), 45_000);
});

test('the local API listens on loopback only', () => {
  assert.deepEqual(parseLocalAddress('127.0.0.1:10250'), { host: '127.0.0.1', port: 10250 });
  assert.deepEqual(parseLocalAddress('[::1]:0'), { host: '::1', port: 0 });
  assert.throws(() => parseLocalAddress('0.0.0.0:10250'), /loopback/);
  assert.throws(() => parseLocalAddress('192.168.1.5:10250'), /loopback/);
  assert.throws(() => parseLocalAddress('10250'), /HOST:PORT/);
});
