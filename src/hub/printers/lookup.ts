/** Finds the printer for a served kind: CRD columns when given, else the built-in table, else Name/Age. */
import type { PrinterColumn } from '../registry/resource-type.js';
import {
  daemonSetPrinter,
  deploymentPrinter,
  podDisruptionBudgetPrinter,
  replicaSetPrinter,
  statefulSetPrinter,
} from './apps.js';
import {
  certificateSigningRequestPrinter,
  customResourceDefinitionPrinter,
  leasePrinter,
  runtimeClassPrinter,
} from './control-plane.js';
import {
  configMapPrinter,
  namespacePrinter,
  nodePrinter,
  secretPrinter,
  serviceAccountPrinter,
} from './core.js';
import { crdPrinter } from './crd.js';
import { defaultPrinter } from './default.js';
import { eventPrinter } from './event.js';
import { podPrinter } from './pod.js';
import { roleBindingPrinter, rolePrinter } from './rbac.js';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './service.js';
import type { TablePrinter } from './types.js';

/** Keyed "group/Kind"; the core group is "". */
const BUILTIN_PRINTERS: ReadonlyMap<string, TablePrinter> = new Map([
  ['/Namespace', namespacePrinter],
  ['/Node', nodePrinter],
  ['/Pod', podPrinter],
  ['/Service', servicePrinter],
  ['/Endpoints', endpointsPrinter],
  ['/ConfigMap', configMapPrinter],
  ['/Secret', secretPrinter],
  ['/ServiceAccount', serviceAccountPrinter],
  ['/Event', eventPrinter],
  ['events.k8s.io/Event', eventPrinter],
  ['coordination.k8s.io/Lease', leasePrinter],
  ['apps/Deployment', deploymentPrinter],
  ['apps/ReplicaSet', replicaSetPrinter],
  ['apps/DaemonSet', daemonSetPrinter],
  ['apps/StatefulSet', statefulSetPrinter],
  ['discovery.k8s.io/EndpointSlice', endpointSlicePrinter],
  ['policy/PodDisruptionBudget', podDisruptionBudgetPrinter],
  ['rbac.authorization.k8s.io/Role', rolePrinter],
  ['rbac.authorization.k8s.io/ClusterRole', rolePrinter],
  ['rbac.authorization.k8s.io/RoleBinding', roleBindingPrinter],
  ['rbac.authorization.k8s.io/ClusterRoleBinding', roleBindingPrinter],
  ['certificates.k8s.io/CertificateSigningRequest', certificateSigningRequestPrinter],
  ['apiextensions.k8s.io/CustomResourceDefinition', customResourceDefinitionPrinter],
  ['node.k8s.io/RuntimeClass', runtimeClassPrinter],
]);

/** CRD printers keyed by the column array itself, so a CRD update (a new array) gets a fresh printer. */
const crdPrinters = new WeakMap<readonly PrinterColumn[], TablePrinter>();

/**
 * The printer for objects of `group`/`kind`. Passing `printerColumns` (even []) means a custom
 * resource: its declared columns are used. Without them, a built-in printer if there is one, and
 * otherwise Name/Age.
 */
export function printerFor(
  group: string,
  kind: string,
  printerColumns?: readonly PrinterColumn[],
): TablePrinter {
  if (printerColumns !== undefined) {
    let printer = crdPrinters.get(printerColumns);
    if (!printer) {
      printer = crdPrinter(printerColumns);
      crdPrinters.set(printerColumns, printer);
    }
    return printer;
  }
  return BUILTIN_PRINTERS.get(`${group}/${kind}`) ?? defaultPrinter;
}

/** Every group/Kind with a dedicated built-in printer, for discovery and tests. */
export function builtinPrinterKinds(): { group: string; kind: string }[] {
  return [...BUILTIN_PRINTERS.keys()].map((key) => {
    const slash = key.lastIndexOf('/');
    return { group: key.slice(0, slash), kind: key.slice(slash + 1) };
  });
}
