import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isApiError } from '../../api/errors.js';
import { configMapPrinter } from './core.js';
import { buildTable, buildWatchEventTable, parseIncludeObject, tableForResourceType } from './table.js';
import { NOW, obj } from './test-support.js';

const cm = obj('v1', 'ConfigMap', 'settings', {
  metadata: {
    uid: 'u-1',
    resourceVersion: '42',
    labels: { app: 'web' },
    managedFields: [{ manager: 'kubectl', operation: 'Apply' }],
  },
  data: { a: '1' },
});

describe('buildTable', () => {
  it('builds a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default', () => {
    const table = buildTable(configMapPrinter, [cm], { now: NOW, resourceVersion: '57' });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '57' });
    assert.deepEqual(table.columnDefinitions[0], {
      name: 'Name',
      type: 'string',
      format: 'name',
      description: table.columnDefinitions[0]?.description,
      priority: 0,
    });
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Data', 'Age'],
    );
    assert.deepEqual(table.rows, [
      {
        cells: ['settings', 1, '5m'],
        object: {
          kind: 'PartialObjectMetadata',
          apiVersion: 'meta.k8s.io/v1',
          metadata: {
            name: 'settings',
            namespace: 'default',
            creationTimestamp: cm.metadata.creationTimestamp,
            uid: 'u-1',
            resourceVersion: '42',
            labels: { app: 'web' },
          },
        },
      },
    ]);
    // The source object is not modified.
    assert.equal(cm.metadata.managedFields?.length, 1);
  });

  it('embeds the full object or nothing on request', () => {
    const full = buildTable(configMapPrinter, [cm], { now: NOW, includeObject: 'Object' });
    assert.equal(full.rows[0]?.object, cm);
    const none = buildTable(configMapPrinter, [cm], { now: NOW, includeObject: 'None' });
    assert.equal('object' in (none.rows[0] ?? {}), false);
  });

  it('carries paging metadata and round-trips through JSON', () => {
    const table = buildTable(configMapPrinter, [cm, cm], {
      now: NOW,
      resourceVersion: '57',
      continueToken: 'eyJ2IjoxfQ',
      remainingItemCount: 8,
    });
    assert.deepEqual(table.metadata, {
      resourceVersion: '57',
      continue: 'eyJ2IjoxfQ',
      remainingItemCount: 8,
    });
    assert.equal(table.rows.length, 2);
    assert.deepEqual(JSON.parse(JSON.stringify(table)), table);
  });

  it('adds row conditions for finished pods', () => {
    const table = tableForResourceType(
      { group: '', kind: 'Pod' },
      [obj('v1', 'Pod', 'job-1', { spec: { containers: [] }, status: { phase: 'Succeeded' } })],
      { now: NOW, resourceVersion: '1' },
    );
    assert.equal(table.rows[0]?.conditions?.[0]?.type, 'Completed');
    assert.equal(table.rows[0]?.cells[2], 'Succeeded');
  });
});

describe('buildWatchEventTable', () => {
  it('builds a one-row table at the object resourceVersion, headers only when asked', () => {
    const first = buildWatchEventTable(configMapPrinter, cm, { now: NOW, includeHeaders: true });
    assert.equal(first.metadata.resourceVersion, '42');
    assert.equal(first.columnDefinitions.length, 3);
    assert.equal(first.rows.length, 1);
    const later = buildWatchEventTable(configMapPrinter, cm, {
      now: NOW,
      includeHeaders: false,
      includeObject: 'None',
    });
    assert.deepEqual(later.columnDefinitions, []);
    assert.deepEqual(later.rows, [{ cells: ['settings', 1, '5m'] }]);
  });
});

describe('tableForResourceType', () => {
  it('uses CRD printer columns when the type has them', () => {
    const table = tableForResourceType(
      {
        group: 'acme.io',
        kind: 'Widget',
        printerColumns: [{ name: 'Size', type: 'integer', jsonPath: '.spec.size' }],
      },
      [obj('acme.io/v1', 'Widget', 'w', { spec: { size: 4 } })],
      { includeObject: 'None', resourceVersion: '9', now: NOW },
    );
    assert.deepEqual(
      table.columnDefinitions.map((c) => c.name),
      ['Name', 'Size'],
    );
    assert.deepEqual(table.rows[0]?.cells, ['w', 4]);
  });
});

describe('parseIncludeObject', () => {
  it('defaults to Metadata and rejects unknown values with a 400', () => {
    assert.equal(parseIncludeObject(null), 'Metadata');
    assert.equal(parseIncludeObject(''), 'Metadata');
    assert.equal(parseIncludeObject('None'), 'None');
    assert.equal(parseIncludeObject('Object'), 'Object');
    assert.throws(
      () => parseIncludeObject('everything'),
      (err) => isApiError(err) && err.code === 400 && /everything/.test(err.message),
    );
  });
});
