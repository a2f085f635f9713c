import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PrinterColumn } from '../registry/resource-type.js';
import { crdPrinter } from './crd.js';
import { ago, cellsByName, columnNames, DAY, HOUR, obj } from './test-support.js';

const columns: PrinterColumn[] = [
  { name: 'Desired', type: 'integer', jsonPath: '.spec.replicas' },
  { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
  { name: 'Images', type: 'string', jsonPath: '.spec.containers[*].image', priority: 1 },
  { name: 'App', type: 'string', jsonPath: ".metadata.labels['app.kubernetes.io/name']" },
  { name: 'Ratio', type: 'number', jsonPath: '.status.ratio', format: 'float' },
  { name: 'Paused', type: 'boolean', jsonPath: '.spec.paused', description: 'Whether rollout is paused.' },
  { name: 'Last Sync', type: 'date', jsonPath: '.status.lastSyncTime' },
  { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
];

const widget = obj('acme.io/v1', 'Widget', 'blue', {
  metadata: { creationTimestamp: ago(3 * DAY), labels: { 'app.kubernetes.io/name': 'shop' } },
  spec: { replicas: 3.0, paused: false, containers: [{ image: 'a:1' }, { image: 'b:2' }] },
  status: {
    ratio: 0.75,
    lastSyncTime: ago(3 * HOUR + 5 * 60 * 1000),
    conditions: [
      { type: 'Synced', status: 'True' },
      { type: 'Ready', status: 'False' },
    ],
  },
});

describe('crdPrinter', () => {
  it('puts Name first and copies column attributes', () => {
    const printer = crdPrinter(columns);
    assert.deepEqual(columnNames(printer), {
      normal: ['Name', 'Desired', 'Ready', 'App', 'Ratio', 'Paused', 'Last Sync', 'Age'],
      wide: ['Images'],
    });
    assert.deepEqual(printer.columns[0], { ...printer.columns[0], name: 'Name', format: 'name' });
    assert.equal(printer.columns.find((c) => c.name === 'Ratio')?.format, 'float');
    assert.equal(printer.columns.find((c) => c.name === 'Paused')?.description, 'Whether rollout is paused.');
    assert.match(printer.columns.find((c) => c.name === 'Desired')?.description ?? '', /\.spec\.replicas/);
    assert.equal(printer.columns.find((c) => c.name === 'Last Sync')?.type, 'date');
  });

  it('renders each type, filters and multi-value paths', () => {
    assert.deepEqual(cellsByName(crdPrinter(columns), widget), {
      Name: 'blue',
      Desired: 3,
      Ready: 'False',
      Images: 'a:1,b:2',
      App: 'shop',
      Ratio: 0.75,
      Paused: false,
      'Last Sync': '3h5m',
      Age: '3d',
    });
  });

  it('prints null (a blank cell in kubectl) for missing or mistyped values', () => {
    const row = cellsByName(
      crdPrinter(columns),
      obj('acme.io/v1', 'Widget', 'bare', {
        spec: { replicas: 'three', paused: 'no' },
        status: { lastSyncTime: 'soon' },
      }),
    );
    assert.equal(row.Desired, null);
    assert.equal(row.Ready, null);
    assert.equal(row.Images, null);
    assert.equal(row.Paused, null);
    assert.equal(row['Last Sync'], '<invalid>');
    assert.equal(row.Age, '5m');
  });

  it('renders non-string values in string columns as JSON', () => {
    const printer = crdPrinter([
      { name: 'Replicas', type: 'string', jsonPath: '.spec.replicas' },
      { name: 'Spec', type: 'string', jsonPath: '.spec.selector' },
    ]);
    const row = cellsByName(
      printer,
      obj('acme.io/v1', 'Widget', 'x', { spec: { replicas: 2, selector: { app: 'x' } } }),
    );
    assert.equal(row.Replicas, '2');
    assert.equal(row.Spec, '{"app":"x"}');
  });

  it('shows Name and Age when the CRD declares no columns', () => {
    const printer = crdPrinter([]);
    assert.deepEqual(
      printer.columns.map((c) => [c.name, c.type]),
      [
        ['Name', 'string'],
        ['Age', 'date'],
      ],
    );
    assert.deepEqual(cellsByName(printer, widget), { Name: 'blue', Age: '3d' });
  });

  it('prints null for a column whose path does not parse instead of failing', () => {
    const printer = crdPrinter([{ name: 'Bad', type: 'string', jsonPath: '.spec..x' }]);
    assert.deepEqual(cellsByName(printer, widget), { Name: 'blue', Bad: null });
  });
});
