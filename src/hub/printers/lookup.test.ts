import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { PrinterColumn } from '../registry/resource-type.js';
import { createdAtPrinter, defaultPrinter } from './default.js';
import { eventPrinter } from './event.js';
import { builtinPrinterKinds, printerFor } from './lookup.js';
import { podPrinter } from './pod.js';
import { cellsByName, NOW, obj } from './test-support.js';

describe('printerFor', () => {
  it('finds built-in printers by group and kind', () => {
    assert.equal(printerFor('', 'Pod'), podPrinter);
    assert.equal(printerFor('', 'Event'), eventPrinter);
    assert.equal(printerFor('events.k8s.io', 'Event'), eventPrinter);
    assert.equal(printerFor('rbac.authorization.k8s.io', 'ClusterRole'), createdAtPrinter);
    assert.equal(printerFor('apiextensions.k8s.io', 'CustomResourceDefinition'), createdAtPrinter);
    // Group matters: a custom Pod kind elsewhere is not a core Pod.
    assert.equal(printerFor('acme.io', 'Pod'), defaultPrinter);
  });

  it('falls back to Name and Age for unknown kinds', () => {
    const printer = printerFor('storage.k8s.io', 'CSIDriver');
    assert.equal(printer, defaultPrinter);
    assert.deepEqual(cellsByName(printer, obj('storage.k8s.io/v1', 'CSIDriver', 'csi.acme.io')), {
      Name: 'csi.acme.io',
      Age: '5m',
    });
  });

  it('builds and caches CRD printers per column list', () => {
    const columns: PrinterColumn[] = [{ name: 'Phase', type: 'string', jsonPath: '.status.phase' }];
    const printer = printerFor('acme.io', 'Widget', columns);
    assert.equal(printerFor('acme.io', 'Widget', columns), printer);
    assert.notEqual(printerFor('acme.io', 'Widget', [...columns]), printer);
    assert.deepEqual(printer.cells(obj('acme.io/v1', 'Widget', 'w', { status: { phase: 'Ready' } }), NOW), [
      'w',
      'Ready',
    ]);
    assert.deepEqual(
      printerFor('acme.io', 'Gadget', []).columns.map((c) => c.name),
      ['Name', 'Age'],
    );
  });

  it('gives every printer exactly one name column, first except for events', () => {
    for (const { group, kind } of builtinPrinterKinds()) {
      const printer = printerFor(group, kind);
      const nameColumns = printer.columns.filter((c) => c.format === 'name');
      assert.equal(nameColumns.length, 1, `${group}/${kind}`);
      if (kind !== 'Event') assert.equal(printer.columns[0]?.name, 'Name', `${group}/${kind}`);
      for (const c of printer.columns) {
        assert.deepEqual(Object.keys(c).sort(), ['description', 'format', 'name', 'priority', 'type']);
        assert.ok(c.description.length > 0, `${group}/${kind} ${c.name}`);
      }
      // Printers must not throw on a bare object, and must fill every column.
      const cells = printer.cells(obj('v1', kind, 'bare'), NOW);
      assert.equal(cells.length, printer.columns.length, `${group}/${kind}`);
    }
  });
});
