/**
 * The one registry of message tables, and which top-level apiVersion/kind each body may carry.
 * A kind missing here is answered with 415: the client must send it as JSON instead.
 */
import { buildRegistry, type MessageSpec } from './schema.js';
import { authenticationMessages, authorizationMessages, rbacMessages } from './schema-access.js';
import { coreMessages } from './schema-core.js';
import { metaMessages } from './schema-meta.js';
import { appsMessages, policyMessages, schedulingMessages } from './schema-workloads.js';

export const MESSAGES: ReadonlyMap<string, MessageSpec> = buildRegistry({
  meta: metaMessages,
  core: coreMessages,
  apps: appsMessages,
  policy: policyMessages,
  scheduling: schedulingMessages,
  rbac: rbacMessages,
  authorization: authorizationMessages,
  authentication: authenticationMessages,
});

const KINDS: Record<string, string> = {
  'v1/ConfigMap': 'core.ConfigMap',
  'v1/Namespace': 'core.Namespace',
  'v1/Pod': 'core.Pod',
  'v1/ResourceQuota': 'core.ResourceQuota',
  'v1/Secret': 'core.Secret',
  'v1/Service': 'core.Service',
  'v1/ServiceAccount': 'core.ServiceAccount',
  'apps/v1/Deployment': 'apps.Deployment',
  'policy/v1/PodDisruptionBudget': 'policy.PodDisruptionBudget',
  'policy/v1/Eviction': 'policy.Eviction',
  'scheduling.k8s.io/v1/PriorityClass': 'scheduling.PriorityClass',
  'rbac.authorization.k8s.io/v1/Role': 'rbac.Role',
  'rbac.authorization.k8s.io/v1/ClusterRole': 'rbac.ClusterRole',
  'rbac.authorization.k8s.io/v1/RoleBinding': 'rbac.RoleBinding',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': 'rbac.ClusterRoleBinding',
  'authorization.k8s.io/v1/SelfSubjectAccessReview': 'authorization.SelfSubjectAccessReview',
  'authorization.k8s.io/v1/SelfSubjectRulesReview': 'authorization.SelfSubjectRulesReview',
  'authorization.k8s.io/v1/SubjectAccessReview': 'authorization.SubjectAccessReview',
  'authorization.k8s.io/v1/LocalSubjectAccessReview': 'authorization.SubjectAccessReview',
  'authentication.k8s.io/v1/TokenRequest': 'authentication.TokenRequest',
  'authentication.k8s.io/v1/TokenReview': 'authentication.TokenReview',
  'authentication.k8s.io/v1/SelfSubjectReview': 'authentication.SelfSubjectReview',
};

/**
 * DeleteOptions is registered in every group version: client-go stamps it with the version of
 * the resource being deleted ("v1" for pods, "apps/v1" for deployments, or meta.k8s.io/v1).
 */
const ANY_VERSION_KINDS: Record<string, string> = { DeleteOptions: 'meta.DeleteOptions' };

export function messageForKind(apiVersion: string, kind: string): MessageSpec | undefined {
  const name = KINDS[`${apiVersion}/${kind}`] ?? ANY_VERSION_KINDS[kind];
  return name ? MESSAGES.get(name) : undefined;
}

/** "apiVersion/Kind" of every top-level kind we decode, for docs and tests. */
export function supportedKinds(): string[] {
  return [...Object.keys(KINDS), ...Object.keys(ANY_VERSION_KINDS).map((k) => `*/${k}`)];
}
