import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  daemonSetPrinter,
  deploymentPrinter,
  podDisruptionBudgetPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './apps.js';
import { cellsByName, columnNames, obj } from './test-support.js';

const template = {
  spec: {
    containers: [
      { name: 'app', image: 'ghcr.io/acme/app:1.2' },
      { name: 'proxy', image: 'envoy:1.30' },
    ],
  },
};
const selector = {
  matchLabels: { app: 'web' },
  matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'edge'] }],
};

describe('deployment printer', () => {
  it('has kubectl columns', () => {
    assert.deepEqual(columnNames(deploymentPrinter), {
      normal: ['Name', 'Ready', 'Up-to-date', 'Available', 'Age'],
      wide: ['Containers', 'Images', 'Selector'],
    });
  });

  it('prints readiness against desired replicas and the wide cells', () => {
    const d = obj('apps/v1', 'Deployment', 'web', {
      spec: { replicas: 3, selector, template },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    });
    assert.deepEqual(cellsByName(deploymentPrinter, d), {
      Name: 'web',
      Ready: '2/3',
      'Up-to-date': 3,
      Available: 2,
      Age: '5m',
      Containers: 'app,proxy',
      Images: 'ghcr.io/acme/app:1.2,envoy:1.30',
      Selector: 'app=web,env in (edge,prod)',
    });
  });

  it('defaults replicas to one and zeroes missing status', () => {
    const row = cellsByName(deploymentPrinter, obj('apps/v1', 'Deployment', 'web', { spec: {} }));
    assert.equal(row.Ready, '0/1');
    assert.equal(row.Available, 0);
    assert.equal(row.Selector, '');
  });
});

describe('replicaset, daemonset and statefulset printers', () => {
  it('prints a ReplicaSet', () => {
    const rs = obj('apps/v1', 'ReplicaSet', 'web-5d9c', {
      spec: { replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': '5d9c' } }, template },
      status: { replicas: 2, readyReplicas: 1 },
    });
    const row = cellsByName(replicaSetPrinter, rs);
    assert.deepEqual(
      [row.Desired, row.Current, row.Ready, row.Selector],
      [2, 2, 1, 'app=web,pod-template-hash=5d9c'],
    );
  });

  it('prints a DaemonSet with its node selector', () => {
    const ds = obj('apps/v1', 'DaemonSet', 'agent', {
      spec: {
        selector: {
          matchExpressions: [
            { key: 'legacy', operator: 'DoesNotExist' },
            { key: 'app', operator: 'Exists' },
          ],
        },
        template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } },
      },
      status: {
        desiredNumberScheduled: 5,
        currentNumberScheduled: 5,
        numberReady: 4,
        updatedNumberScheduled: 5,
        numberAvailable: 4,
      },
    });
    assert.deepEqual(columnNames(daemonSetPrinter).normal, [
      'Name',
      'Desired',
      'Current',
      'Ready',
      'Up-to-date',
      'Available',
      'Node Selector',
      'Age',
    ]);
    const row = cellsByName(daemonSetPrinter, ds);
    assert.equal(row['Node Selector'], 'kubernetes.io/os=linux');
    assert.equal(row.Ready, 4);
    assert.equal(row.Selector, 'app,!legacy');
    assert.equal(cellsByName(daemonSetPrinter, obj('apps/v1', 'DaemonSet', 'x'))['Node Selector'], '<none>');
    assert.equal(
      cellsByName(
        daemonSetPrinter,
        obj('apps/v1', 'DaemonSet', 'x', {
          spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Near' }] } },
        }),
      ).Selector,
      '<error>',
    );
  });

  it('prints a StatefulSet', () => {
    const sts = obj('apps/v1', 'StatefulSet', 'db', {
      spec: { replicas: 3, template },
      status: { readyReplicas: 3 },
    });
    assert.deepEqual(cellsByName(statefulSetPrinter, sts), {
      Name: 'db',
      Ready: '3/3',
      Age: '5m',
      Containers: 'app,proxy',
      Images: 'ghcr.io/acme/app:1.2,envoy:1.30',
    });
  });
});

describe('poddisruptionbudget printer', () => {
  it('prints int and percent bounds or N/A', () => {
    const pdb = (spec: Record<string, unknown>) =>
      cellsByName(
        podDisruptionBudgetPrinter,
        obj('policy/v1', 'PodDisruptionBudget', 'web', { spec, status: { disruptionsAllowed: 1 } }),
      );
    assert.deepEqual(pdb({ minAvailable: 2 }), {
      Name: 'web',
      'Min Available': '2',
      'Max Unavailable': 'N/A',
      'Allowed Disruptions': 1,
      Age: '5m',
    });
    assert.equal(pdb({ maxUnavailable: '25%' })['Max Unavailable'], '25%');
  });
});
