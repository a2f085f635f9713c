/** Printers for the simple core/v1 kinds: Namespace, Node, ConfigMap, Secret, ServiceAccount. */
import type { KubeObject } from '../../api/types.js';
import { age } from './duration.js';
import { ageColumn, asArray, asRecord, asString, column, nameColumn, orNone, wide } from './format.js';
import type { TablePrinter } from './types.js';

export const namespacePrinter: TablePrinter = {
  columns: [nameColumn, column('Status', 'string', 'Lifecycle phase of the namespace.'), ageColumn],
  cells(ns, now) {
    return [
      ns.metadata.name ?? '',
      asString(asRecord(ns.status).phase),
      age(ns.metadata.creationTimestamp, now),
    ];
  },
};

const ROLE_LABEL_PREFIX = 'node-role.kubernetes.io/';
/** The older single-valued role label some installers still set. */
const LEGACY_ROLE_LABEL = 'kubernetes.io/role';

/** Sorted, de-duplicated role names taken from a node's labels. */
export function nodeRoles(labels: Record<string, string> | undefined): string[] {
  const roles = new Set<string>();
  for (const [key, value] of Object.entries(labels ?? {})) {
    if (key.startsWith(ROLE_LABEL_PREFIX)) {
      const role = key.slice(ROLE_LABEL_PREFIX.length);
      if (role) roles.add(role);
    } else if (key === LEGACY_ROLE_LABEL && value) {
      roles.add(value);
    }
  }
  return [...roles].sort();
}

/** Only the Ready condition counts; a node that never reported one is "Unknown". */
function nodeStatus(node: KubeObject): string {
  const ready = asArray(asRecord(node.status).conditions)
    .map(asRecord)
    .find((c) => c.type === 'Ready');
  const parts = [ready === undefined ? 'Unknown' : ready.status === 'True' ? 'Ready' : 'NotReady'];
  if (asRecord(node.spec).unschedulable === true) parts.push('SchedulingDisabled');
  return parts.join(',');
}

function nodeAddress(status: Record<string, unknown>, type: string): string {
  const found = asArray(status.addresses)
    .map(asRecord)
    .find((a) => a.type === type);
  return asString(found?.address) || '<none>';
}

export const nodePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Status', 'string', 'Readiness of the node, and whether scheduling onto it is disabled.'),
    column('Roles', 'string', 'Roles taken from the node-role.kubernetes.io/* labels.'),
    ageColumn,
    column('Version', 'string', 'Version reported by the node agent.'),
    wide('Internal-IP', 'string', 'First InternalIP address of the node.'),
    wide('External-IP', 'string', 'First ExternalIP address of the node.'),
    wide('OS-Image', 'string', 'Operating system image reported by the node.'),
    wide('Kernel-Version', 'string', 'Kernel version reported by the node.'),
    wide('Container-Runtime', 'string', 'Container runtime name and version reported by the node.'),
  ],
  cells(node, now) {
    const status = asRecord(node.status);
    const info = asRecord(status.nodeInfo);
    return [
      node.metadata.name ?? '',
      nodeStatus(node),
      orNone(nodeRoles(node.metadata.labels).join(',')),
      age(node.metadata.creationTimestamp, now),
      asString(info.kubeletVersion),
      nodeAddress(status, 'InternalIP'),
      nodeAddress(status, 'ExternalIP'),
      asString(info.osImage) || '<unknown>',
      asString(info.kernelVersion) || '<unknown>',
      asString(info.containerRuntimeVersion) || '<unknown>',
    ];
  },
};

export const configMapPrinter: TablePrinter = {
  columns: [nameColumn, column('Data', 'string', 'Number of keys in data and binaryData.'), ageColumn],
  cells(cm, now) {
    const keys = Object.keys(asRecord(cm.data)).length + Object.keys(asRecord(cm.binaryData)).length;
    return [cm.metadata.name ?? '', keys, age(cm.metadata.creationTimestamp, now)];
  },
};

export const secretPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Type', 'string', 'Type of the secret, which fixes the keys it must hold.'),
    column('Data', 'string', 'Number of keys in data.'),
    ageColumn,
  ],
  cells(secret, now) {
    return [
      secret.metadata.name ?? '',
      // The API defaults an unset type to Opaque; show what a client reading it back would see.
      asString(secret.type) || 'Opaque',
      Object.keys(asRecord(secret.data)).length,
      age(secret.metadata.creationTimestamp, now),
    ];
  },
};

export const serviceAccountPrinter: TablePrinter = {
  columns: [nameColumn, column('Secrets', 'string', 'Number of secrets listed on the account.'), ageColumn],
  cells(sa, now) {
    return [sa.metadata.name ?? '', asArray(sa.secrets).length, age(sa.metadata.creationTimestamp, now)];
  },
};
