import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  configMapPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import { ago, cellsByName, columnNames, DAY, obj } from './test-support.js';

describe('namespace printer', () => {
  it('shows phase and age', () => {
    const ns = obj('v1', 'Namespace', 'edge', { status: { phase: 'Terminating' } });
    assert.deepEqual(cellsByName(namespacePrinter, ns), { Name: 'edge', Status: 'Terminating', Age: '5m' });
  });
});

describe('node printer', () => {
  const node = (fields: Record<string, unknown>) => obj('v1', 'Node', 'edge-1', fields);

  it('has kubectl columns', () => {
    assert.deepEqual(columnNames(nodePrinter), {
      normal: ['Name', 'Status', 'Roles', 'Age', 'Version'],
      wide: ['Internal-IP', 'External-IP', 'OS-Image', 'Kernel-Version', 'Container-Runtime'],
    });
  });

  it('prints a ready control-plane node with wide details', () => {
    const row = cellsByName(
      nodePrinter,
      node({
        metadata: {
          creationTimestamp: ago(3 * DAY),
          labels: {
            'node-role.kubernetes.io/control-plane': '',
            'node-role.kubernetes.io/edge': '',
            'kubernetes.io/hostname': 'edge-1',
          },
        },
        status: {
          conditions: [
            { type: 'MemoryPressure', status: 'False' },
            { type: 'Ready', status: 'True' },
          ],
          addresses: [
            { type: 'Hostname', address: 'edge-1' },
            { type: 'InternalIP', address: '192.168.1.20' },
          ],
          nodeInfo: {
            kubeletVersion: 'v1.31.0-minato',
            osImage: 'Debian GNU/Linux 12 (bookworm)',
            kernelVersion: '6.1.0-18-arm64',
            containerRuntimeVersion: 'containerd://1.7.13',
          },
        },
      }),
    );
    assert.deepEqual(row, {
      Name: 'edge-1',
      Status: 'Ready',
      Roles: 'control-plane,edge',
      Age: '3d',
      Version: 'v1.31.0-minato',
      'Internal-IP': '192.168.1.20',
      'External-IP': '<none>',
      'OS-Image': 'Debian GNU/Linux 12 (bookworm)',
      'Kernel-Version': '6.1.0-18-arm64',
      'Container-Runtime': 'containerd://1.7.13',
    });
  });

  it('derives status from Ready only, plus SchedulingDisabled', () => {
    const status = (conditions: unknown[], unschedulable = false) =>
      cellsByName(nodePrinter, node({ spec: { unschedulable }, status: { conditions } })).Status;
    assert.equal(status([{ type: 'Ready', status: 'False' }]), 'NotReady');
    assert.equal(status([{ type: 'Ready', status: 'Unknown' }]), 'NotReady');
    assert.equal(status([]), 'Unknown');
    assert.equal(status([{ type: 'Ready', status: 'True' }], true), 'Ready,SchedulingDisabled');
  });

  it('prints <none> roles and <unknown> node info when missing', () => {
    const row = cellsByName(nodePrinter, node({ metadata: { labels: { 'kubernetes.io/role': 'worker' } } }));
    assert.equal(row.Roles, 'worker');
    assert.equal(cellsByName(nodePrinter, node({})).Roles, '<none>');
    assert.equal(row['OS-Image'], '<unknown>');
    assert.equal(row['Internal-IP'], '<none>');
  });
});

describe('configmap, secret and service account printers', () => {
  it('counts data and binaryData keys of a ConfigMap', () => {
    const cm = obj('v1', 'ConfigMap', 'settings', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } });
    assert.deepEqual(cellsByName(configMapPrinter, cm), { Name: 'settings', Data: 3, Age: '5m' });
  });

  it('shows a Secret type and key count', () => {
    const secret = obj('v1', 'Secret', 'tls', {
      type: 'kubernetes.io/tls',
      data: { 'tls.crt': 'x', 'tls.key': 'y' },
    });
    assert.deepEqual(cellsByName(secretPrinter, secret), {
      Name: 'tls',
      Type: 'kubernetes.io/tls',
      Data: 2,
      Age: '5m',
    });
    assert.equal(cellsByName(secretPrinter, obj('v1', 'Secret', 'plain')).Type, 'Opaque');
  });

  it('counts service account secrets', () => {
    assert.deepEqual(cellsByName(serviceAccountPrinter, obj('v1', 'ServiceAccount', 'default')), {
      Name: 'default',
      Secrets: 0,
      Age: '5m',
    });
  });
});
