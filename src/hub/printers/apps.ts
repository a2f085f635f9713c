/**
 * Printers for workloads: Deployment, ReplicaSet, DaemonSet, StatefulSet (apps) and the
 * PodDisruptionBudget (policy) that guards them.
 */
import { age } from './duration.js';
import {
  ageColumn,
  asInt,
  asRecord,
  column,
  containerCells,
  containerColumns,
  formatLabelSelector,
  formatLabels,
  intOrString,
  nameColumn,
  selectorString,
  wide,
} from './format.js';
import type { TablePrinter } from './types.js';

/** spec.replicas as the API defaults it: an omitted count means one replica. */
function desiredReplicas(spec: Record<string, unknown>): number {
  return asInt(spec.replicas, 1);
}

function podSpecOf(spec: Record<string, unknown>): unknown {
  return asRecord(spec.template).spec;
}

const selectorColumn = wide('Selector', 'string', 'Label selector for the pods this object manages.');

export const deploymentPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Ready pods out of desired replicas.'),
    column('Up-to-date', 'string', 'Replicas already running the latest pod template.'),
    column('Available', 'string', 'Replicas ready for at least minReadySeconds.'),
    ageColumn,
    ...containerColumns,
    selectorColumn,
  ],
  cells(d, now) {
    const spec = asRecord(d.spec);
    const status = asRecord(d.status);
    let selector: string;
    try {
      selector = selectorString(spec.selector);
    } catch {
      selector = '<invalid>';
    }
    return [
      d.metadata.name ?? '',
      `${asInt(status.readyReplicas)}/${desiredReplicas(spec)}`,
      asInt(status.updatedReplicas),
      asInt(status.availableReplicas),
      age(d.metadata.creationTimestamp, now),
      ...containerCells(podSpecOf(spec)),
      selector,
    ];
  },
};

export const replicaSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 'Replicas the set should run.'),
    column('Current', 'integer', 'Replicas the set currently runs.'),
    column('Ready', 'integer', 'Replicas that are ready.'),
    ageColumn,
    ...containerColumns,
    selectorColumn,
  ],
  cells(rs, now) {
    const spec = asRecord(rs.spec);
    const status = asRecord(rs.status);
    return [
      rs.metadata.name ?? '',
      desiredReplicas(spec),
      asInt(status.replicas),
      asInt(status.readyReplicas),
      age(rs.metadata.creationTimestamp, now),
      ...containerCells(podSpecOf(spec)),
      formatLabelSelector(spec.selector),
    ];
  },
};

export const daemonSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Desired', 'integer', 'Nodes that should run the daemon pod.'),
    column('Current', 'integer', 'Nodes running at least one daemon pod.'),
    column('Ready', 'integer', 'Nodes whose daemon pod is ready.'),
    column('Up-to-date', 'integer', 'Nodes running the latest pod template.'),
    column('Available', 'integer', 'Nodes whose daemon pod is available.'),
    column('Node Selector', 'string', 'Labels a node needs to run the daemon pod.'),
    ageColumn,
    ...containerColumns,
    selectorColumn,
  ],
  cells(ds, now) {
    const spec = asRecord(ds.spec);
    const status = asRecord(ds.status);
    const podSpec = podSpecOf(spec);
    return [
      ds.metadata.name ?? '',
      asInt(status.desiredNumberScheduled),
      asInt(status.currentNumberScheduled),
      asInt(status.numberReady),
      asInt(status.updatedNumberScheduled),
      asInt(status.numberAvailable),
      formatLabels(asRecord(podSpec).nodeSelector),
      age(ds.metadata.creationTimestamp, now),
      ...containerCells(podSpec),
      formatLabelSelector(spec.selector),
    ];
  },
};

export const statefulSetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Ready', 'string', 'Ready pods out of desired replicas.'),
    ageColumn,
    ...containerColumns,
  ],
  cells(sts, now) {
    const spec = asRecord(sts.spec);
    return [
      sts.metadata.name ?? '',
      `${asInt(asRecord(sts.status).readyReplicas)}/${desiredReplicas(spec)}`,
      age(sts.metadata.creationTimestamp, now),
      ...containerCells(podSpecOf(spec)),
    ];
  },
};

export const podDisruptionBudgetPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Min Available', 'string', 'Pods that must stay available during voluntary disruptions.'),
    column('Max Unavailable', 'string', 'Pods that may be unavailable during voluntary disruptions.'),
    column('Allowed Disruptions', 'integer', 'Pods that may be evicted right now.'),
    ageColumn,
  ],
  cells(pdb, now) {
    const spec = asRecord(pdb.spec);
    return [
      pdb.metadata.name ?? '',
      intOrString(spec.minAvailable) ?? 'N/A',
      intOrString(spec.maxUnavailable) ?? 'N/A',
      asInt(asRecord(pdb.status).disruptionsAllowed),
      age(pdb.metadata.creationTimestamp, now),
    ];
  },
};
