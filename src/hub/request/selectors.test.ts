import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../../api/errors.js';
import { matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.js';

test('label selector operators', () => {
  const labels = { app: 'web', tier: 'front', 'minato.dev/class': 'drone' };
  const cases: [string, boolean][] = [
    ['app=web', true],
    ['app==web', true],
    ['app!=web', false],
    ['app!=db', true],
    ['app in (db, web)', true],
    ['app notin (db,web)', false],
    ['tier', true],
    ['!tier', false],
    ['!missing', true],
    ['missing!=x', true],
    ['app=web,tier in (front),minato.dev/class=drone', true],
    ['app=web,tier=back', false],
  ];
  for (const [text, expected] of cases)
    assert.equal(matchesLabels(parseLabelSelector(text), labels), expected, text);
});

test('bad label selectors are 400s that name the problem', () => {
  assert.throws(
    () => parseLabelSelector('app=we b'),
    (e) => isApiError(e) && e.code === 400 && /we b|invalid/.test(e.message),
  );
  assert.throws(
    () => parseLabelSelector('-bad=x'),
    (e) => isApiError(e) && e.message.includes('-bad'),
  );
});

test('field selectors with =, == and != and empty values', () => {
  const fields: Record<string, string> = {
    'spec.nodeName': 'n1',
    'status.phase': 'Running',
    'involvedObject.namespace': '',
  };
  const value = (f: string) => fields[f];
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName=n1,status.phase!=Failed'), value), true);
  assert.equal(matchesFields(parseFieldSelector('spec.nodeName==n2'), value), false);
  assert.equal(matchesFields(parseFieldSelector('involvedObject.namespace='), value), true);
  assert.throws(
    () => parseFieldSelector('nonsense'),
    (e) => isApiError(e) && e.code === 400,
  );
});
