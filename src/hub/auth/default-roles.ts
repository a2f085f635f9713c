/**
 * The roles every cluster starts with, as Kubernetes users expect them (cluster-admin, admin, edit,
 * view and the system roles), and the bindings that make the system work. Created when missing; a
 * changed role is left as the operator made it.
 */
import type { KubeObject } from '../../api/types.js';
import type { ObjectService } from '../objects/object-service.js';
import type { PolicyRule } from './rbac.js';

const ALL = ['*'];
const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const WORKLOAD_GROUPS = [
  '',
  'apps',
  'policy',
  'coordination.k8s.io',
  'discovery.k8s.io',
  'events.k8s.io',
  'autoscaling',
  'batch',
  'networking.k8s.io',
];
const VIEWABLE = [
  'pods',
  'pods/log',
  'pods/status',
  'services',
  'services/status',
  'endpoints',
  'configmaps',
  'events',
  'serviceaccounts',
  'persistentvolumeclaims',
  'replicationcontrollers',
  'resourcequotas',
  'limitranges',
  'bindings',
  'namespaces/status',
  'deployments',
  'deployments/scale',
  'deployments/status',
  'replicasets',
  'replicasets/scale',
  'replicasets/status',
  'daemonsets',
  'daemonsets/status',
  'statefulsets',
  'poddisruptionbudgets',
  'poddisruptionbudgets/status',
  'leases',
  'endpointslices',
  'jobs',
  'cronjobs',
  'ingresses',
];
const LABELS = { 'kubernetes.io/bootstrapping': 'rbac-defaults' };
/** Wasm modules in the hub's registry (/v2/): get = pull, list = tags, create = push. */
const MODULES = { apiGroups: ['registry.minato.dev'], resources: ['modules'] };

const CLUSTER_ROLES: Record<string, PolicyRule[]> = {
  'cluster-admin': [
    { apiGroups: ALL, resources: ALL, verbs: ALL },
    { nonResourceURLs: ALL, verbs: ALL },
  ],
  admin: [
    { apiGroups: WORKLOAD_GROUPS, resources: ALL, verbs: ALL },
    { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: ALL },
    { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
    { ...MODULES, verbs: ALL },
  ],
  edit: [
    {
      apiGroups: WORKLOAD_GROUPS,
      resources: [...VIEWABLE, 'secrets', 'pods/eviction', 'pods/exec', 'pods/portforward'],
      verbs: [...READ, ...WRITE],
    },
    { ...MODULES, verbs: ['get', 'list', 'create'] },
  ],
  view: [
    { apiGroups: WORKLOAD_GROUPS, resources: VIEWABLE, verbs: READ },
    { ...MODULES, verbs: ['get', 'list'] },
  ],
  'system:basic-user': [
    {
      apiGroups: ['authorization.k8s.io'],
      resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
      verbs: ['create'],
    },
    { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
  ],
  'system:discovery': [
    {
      nonResourceURLs: [
        '/api',
        '/api/*',
        '/apis',
        '/apis/*',
        '/openapi',
        '/openapi/*',
        '/version',
        '/version/',
        '/healthz',
        '/livez',
        '/readyz',
        '/swagger-2.0.0.pb-v1',
      ],
      verbs: ['get'],
    },
  ],
  'system:node-bootstrapper': [
    {
      apiGroups: ['certificates.k8s.io'],
      resources: ['certificatesigningrequests'],
      verbs: ['create', 'get', 'list', 'watch'],
    },
  ],
};

const CLUSTER_ROLE_BINDINGS: { name: string; role: string; group: string }[] = [
  { name: 'cluster-admin', role: 'cluster-admin', group: 'system:masters' },
  { name: 'system:basic-user', role: 'system:basic-user', group: 'system:authenticated' },
  { name: 'system:discovery', role: 'system:discovery', group: 'system:authenticated' },
  { name: 'system:node-bootstrapper', role: 'system:node-bootstrapper', group: 'system:bootstrappers' },
];

export async function ensureDefaultRoles(objects: ObjectService): Promise<void> {
  const roles = objects.registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterroles')!;
  const bindings = objects.registry.lookup('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings')!;
  const ensure = async (type: typeof roles, obj: KubeObject) => {
    if (!objects.find(type, undefined, obj.metadata.name!))
      await objects.create(type, undefined, obj, { fieldManager: 'minato' });
  };
  for (const [name, rules] of Object.entries(CLUSTER_ROLES)) {
    await ensure(roles, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name, labels: LABELS },
      rules,
    });
  }
  for (const b of CLUSTER_ROLE_BINDINGS) {
    await ensure(bindings, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: b.name, labels: LABELS },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: b.role },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: b.group }],
    });
  }
}
