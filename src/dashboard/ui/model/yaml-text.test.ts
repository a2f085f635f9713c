/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { withoutManagedFields } from './yaml-text.js';

test('managed fields are removed from metadata, nothing else', () => {
  const yaml = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: settings',
    '  managedFields:',
    '    - manager: kubectl',
    '      fieldsV1:',
    '        f:data: {}',
    '  resourceVersion: "5"',
    'data:',
    '  managedFields: keep me',
    '',
  ].join('\n');
  assert.equal(
    withoutManagedFields(yaml),
    [
      'apiVersion: v1',
      'kind: ConfigMap',
      'metadata:',
      '  name: settings',
      '  resourceVersion: "5"',
      'data:',
      '  managedFields: keep me',
      '',
    ].join('\n'),
  );
});
