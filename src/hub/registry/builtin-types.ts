/**
 * The built-in resources the hub serves. Field selectors list what Kubernetes supports per kind
 * beyond metadata.name and metadata.namespace (which every kind supports).
 */
import type { KubeObject } from '../../api/types.js';
import type { ResourceType, Verb } from './resource-type.js';

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const CREATE_ONLY: Verb[] = ['create'];

interface Spec {
  group?: string;
  version?: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: Verb[];
  status?: boolean;
  scale?: boolean;
  schemaPackage: string;
  fieldSelectors?: ResourceType['fieldSelectors'];
}

type Getter = (obj: KubeObject) => string | undefined;
const str =
  (...path: string[]): Getter =>
  (obj) => {
    let v: unknown = obj;
    for (const p of path) v = (v as Record<string, unknown> | undefined)?.[p];
    return v === undefined || v === null ? undefined : String(v);
  };

const POD_FIELDS: Record<string, Getter> = {
  'spec.nodeName': str('spec', 'nodeName'),
  'spec.restartPolicy': str('spec', 'restartPolicy'),
  'spec.schedulerName': str('spec', 'schedulerName'),
  'spec.serviceAccountName': str('spec', 'serviceAccountName'),
  'spec.hostNetwork': (o) => String(Boolean(o.spec?.hostNetwork)),
  'status.phase': str('status', 'phase'),
  'status.podIP': str('status', 'podIP'),
  'status.nominatedNodeName': str('status', 'nominatedNodeName'),
};

const CORE_EVENT_FIELDS: Record<string, Getter> = {
  'involvedObject.kind': str('involvedObject', 'kind'),
  'involvedObject.namespace': str('involvedObject', 'namespace'),
  'involvedObject.name': str('involvedObject', 'name'),
  'involvedObject.uid': str('involvedObject', 'uid'),
  'involvedObject.apiVersion': str('involvedObject', 'apiVersion'),
  'involvedObject.resourceVersion': str('involvedObject', 'resourceVersion'),
  'involvedObject.fieldPath': str('involvedObject', 'fieldPath'),
  reason: str('reason'),
  reportingComponent: str('reportingComponent'),
  source: str('source', 'component'),
  type: str('type'),
};

const EVENTS_V1_FIELDS: Record<string, Getter> = {
  'regarding.kind': str('regarding', 'kind'),
  'regarding.namespace': str('regarding', 'namespace'),
  'regarding.name': str('regarding', 'name'),
  'regarding.uid': str('regarding', 'uid'),
  'regarding.apiVersion': str('regarding', 'apiVersion'),
  'regarding.resourceVersion': str('regarding', 'resourceVersion'),
  'regarding.fieldPath': str('regarding', 'fieldPath'),
  reason: str('reason'),
  reportingController: str('reportingController'),
  type: str('type'),
};

const SPECS: Spec[] = [
  {
    kind: 'Namespace',
    plural: 'namespaces',
    namespaced: false,
    shortNames: ['ns'],
    status: true,
    schemaPackage: 'io.k8s.api.core.v1',
    fieldSelectors: { 'status.phase': str('status', 'phase') },
  },
  {
    kind: 'Node',
    plural: 'nodes',
    namespaced: false,
    shortNames: ['no'],
    status: true,
    schemaPackage: 'io.k8s.api.core.v1',
    fieldSelectors: { 'spec.unschedulable': (o) => String(Boolean(o.spec?.unschedulable)) },
  },
  {
    kind: 'Pod',
    plural: 'pods',
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    status: true,
    schemaPackage: 'io.k8s.api.core.v1',
    fieldSelectors: POD_FIELDS,
  },
  {
    kind: 'Service',
    plural: 'services',
    namespaced: true,
    shortNames: ['svc'],
    categories: ['all'],
    status: true,
    schemaPackage: 'io.k8s.api.core.v1',
  },
  {
    kind: 'Endpoints',
    plural: 'endpoints',
    namespaced: true,
    shortNames: ['ep'],
    schemaPackage: 'io.k8s.api.core.v1',
  },
  {
    kind: 'ConfigMap',
    plural: 'configmaps',
    namespaced: true,
    shortNames: ['cm'],
    schemaPackage: 'io.k8s.api.core.v1',
  },
  {
    kind: 'Secret',
    plural: 'secrets',
    namespaced: true,
    schemaPackage: 'io.k8s.api.core.v1',
    fieldSelectors: { type: str('type') },
  },
  {
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    schemaPackage: 'io.k8s.api.core.v1',
    fieldSelectors: CORE_EVENT_FIELDS,
  },
  {
    kind: 'ServiceAccount',
    plural: 'serviceaccounts',
    namespaced: true,
    shortNames: ['sa'],
    schemaPackage: 'io.k8s.api.core.v1',
  },
  {
    group: 'coordination.k8s.io',
    kind: 'Lease',
    plural: 'leases',
    namespaced: true,
    schemaPackage: 'io.k8s.api.coordination.v1',
  },
  {
    group: 'apps',
    kind: 'Deployment',
    plural: 'deployments',
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    status: true,
    scale: true,
    schemaPackage: 'io.k8s.api.apps.v1',
  },
  {
    group: 'apps',
    kind: 'ReplicaSet',
    plural: 'replicasets',
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    status: true,
    scale: true,
    schemaPackage: 'io.k8s.api.apps.v1',
  },
  {
    group: 'apps',
    kind: 'DaemonSet',
    plural: 'daemonsets',
    namespaced: true,
    shortNames: ['ds'],
    categories: ['all'],
    status: true,
    schemaPackage: 'io.k8s.api.apps.v1',
  },
  {
    group: 'discovery.k8s.io',
    kind: 'EndpointSlice',
    plural: 'endpointslices',
    namespaced: true,
    schemaPackage: 'io.k8s.api.discovery.v1',
  },
  {
    group: 'policy',
    kind: 'PodDisruptionBudget',
    plural: 'poddisruptionbudgets',
    namespaced: true,
    shortNames: ['pdb'],
    status: true,
    schemaPackage: 'io.k8s.api.policy.v1',
  },
  {
    group: 'events.k8s.io',
    kind: 'Event',
    plural: 'events',
    namespaced: true,
    shortNames: ['ev'],
    schemaPackage: 'io.k8s.api.events.v1',
    fieldSelectors: EVENTS_V1_FIELDS,
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'Role',
    plural: 'roles',
    namespaced: true,
    schemaPackage: 'io.k8s.api.rbac.v1',
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
    schemaPackage: 'io.k8s.api.rbac.v1',
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
    schemaPackage: 'io.k8s.api.rbac.v1',
  },
  {
    group: 'rbac.authorization.k8s.io',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
    schemaPackage: 'io.k8s.api.rbac.v1',
  },
  {
    group: 'certificates.k8s.io',
    kind: 'CertificateSigningRequest',
    plural: 'certificatesigningrequests',
    namespaced: false,
    shortNames: ['csr'],
    status: true,
    schemaPackage: 'io.k8s.api.certificates.v1',
    fieldSelectors: { 'spec.signerName': str('spec', 'signerName') },
  },
  {
    group: 'apiextensions.k8s.io',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
    shortNames: ['crd', 'crds'],
    status: true,
    schemaPackage: 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
  },
  {
    group: 'node.k8s.io',
    kind: 'RuntimeClass',
    plural: 'runtimeclasses',
    namespaced: false,
    schemaPackage: 'io.k8s.api.node.v1',
  },
  {
    group: 'authorization.k8s.io',
    kind: 'SelfSubjectAccessReview',
    plural: 'selfsubjectaccessreviews',
    namespaced: false,
    verbs: CREATE_ONLY,
    schemaPackage: 'io.k8s.api.authorization.v1',
  },
  {
    group: 'authorization.k8s.io',
    kind: 'SelfSubjectRulesReview',
    plural: 'selfsubjectrulesreviews',
    namespaced: false,
    verbs: CREATE_ONLY,
    schemaPackage: 'io.k8s.api.authorization.v1',
  },
  {
    group: 'authorization.k8s.io',
    kind: 'SubjectAccessReview',
    plural: 'subjectaccessreviews',
    namespaced: false,
    verbs: CREATE_ONLY,
    schemaPackage: 'io.k8s.api.authorization.v1',
  },
  {
    group: 'authentication.k8s.io',
    kind: 'SelfSubjectReview',
    plural: 'selfsubjectreviews',
    namespaced: false,
    verbs: CREATE_ONLY,
    schemaPackage: 'io.k8s.api.authentication.v1',
  },
  {
    group: 'authentication.k8s.io',
    kind: 'TokenReview',
    plural: 'tokenreviews',
    namespaced: false,
    verbs: CREATE_ONLY,
    schemaPackage: 'io.k8s.api.authentication.v1',
  },
];

export function builtinResourceTypes(): ResourceType[] {
  return SPECS.map((s) => ({
    group: s.group ?? '',
    version: s.version ?? 'v1',
    kind: s.kind,
    listKind: `${s.kind}List`,
    plural: s.plural,
    singular: s.kind.toLowerCase(),
    namespaced: s.namespaced,
    shortNames: s.shortNames ?? [],
    categories: s.categories ?? [],
    verbs: s.verbs ?? ALL_VERBS,
    subresources: {
      status: s.status,
      scale: s.scale
        ? {
            specReplicasPath: '.spec.replicas',
            statusReplicasPath: '.status.replicas',
            labelSelectorPath: '.status.selector',
          }
        : undefined,
    },
    schemaName: `${s.schemaPackage}.${s.kind}`,
    builtin: true,
    fieldSelectors: s.fieldSelectors,
  }));
}

/** Resources that are requests, not objects: created and answered, never stored. */
export function isVirtual(type: ResourceType): boolean {
  return type.verbs.length === 1 && type.verbs[0] === 'create';
}
