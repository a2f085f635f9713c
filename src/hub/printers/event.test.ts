import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventPrinter } from './event.js';
import { ago, cellsByName, columnNames, HOUR, MIN, obj, SEC } from './test-support.js';

describe('event printer', () => {
  it('has kubectl columns, Name last and wide-only', () => {
    assert.deepEqual(columnNames(eventPrinter), {
      normal: ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
      wide: ['Subobject', 'Source', 'First Seen', 'Count', 'Name'],
    });
    assert.equal(eventPrinter.columns.find((c) => c.name === 'Name')?.format, 'name');
  });

  it('prints a core/v1 event', () => {
    const event = obj('v1', 'Event', 'web-0.17c5', {
      type: 'Warning',
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      involvedObject: { kind: 'Pod', name: 'web-0', fieldPath: 'spec.containers{app}' },
      source: { component: 'kubelet', host: 'edge-1' },
      firstTimestamp: ago(4 * HOUR),
      lastTimestamp: ago(30 * SEC),
      count: 12,
    });
    assert.deepEqual(cellsByName(eventPrinter, event), {
      'Last Seen': '30s',
      Type: 'Warning',
      Reason: 'BackOff',
      Object: 'pod/web-0',
      Subobject: 'spec.containers{app}',
      Source: 'kubelet, edge-1',
      Message: 'Back-off restarting failed container',
      'First Seen': '4h',
      Count: 12,
      Name: 'web-0.17c5',
    });
  });

  it('prints an events.k8s.io/v1 event from eventTime and series', () => {
    const event = obj('events.k8s.io/v1', 'Event', 'node.1', {
      type: 'Normal',
      reason: 'Registered',
      note: 'Node edge-1 registered',
      regarding: { kind: 'Node', name: 'edge-1' },
      reportingController: 'minato-hub',
      reportingInstance: 'hub-0',
      eventTime: ago(10 * MIN),
      series: { count: 4, lastObservedTime: ago(2 * MIN) },
    });
    const row = cellsByName(eventPrinter, event);
    assert.equal(row['Last Seen'], '2m');
    assert.equal(row['First Seen'], '10m');
    assert.equal(row.Count, 4);
    assert.equal(row.Object, 'node/edge-1');
    assert.equal(row.Message, 'Node edge-1 registered');
    assert.equal(row.Source, 'minato-hub, hub-0');
  });

  it('treats a singleton without count as seen once, at its eventTime', () => {
    const row = cellsByName(
      eventPrinter,
      obj('events.k8s.io/v1', 'Event', 'x', { eventTime: ago(45 * SEC), regarding: { kind: 'Namespace' } }),
    );
    assert.equal(row.Count, 1);
    assert.equal(row['Last Seen'], '45s');
    assert.equal(row.Object, 'namespace');
    assert.equal(row.Source, '');
  });
});
