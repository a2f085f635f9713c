/**
 * List and map semantics of built-in kinds, written by hand because the client-node model classes the
 * generator reads do not carry them. Strategic merge patch reads x-kubernetes-patch-strategy/-merge-key,
 * server-side apply reads x-kubernetes-list-type/-list-map-keys/-map-type. The values follow the markers
 * on the upstream Go types; lists not named here are atomic for apply and replaced whole by a patch,
 * which is also what upstream does for unmarked lists.
 */
import type { Schema } from './types.js';

export type ListSemantics = Pick<
  Schema,
  | 'x-kubernetes-list-type'
  | 'x-kubernetes-list-map-keys'
  | 'x-kubernetes-map-type'
  | 'x-kubernetes-patch-strategy'
  | 'x-kubernetes-patch-merge-key'
>;

/** Merged by `key` in a strategic merge patch; an apply map keyed by `mapKeys` (default: the same key). */
function mergeBy(key: string, mapKeys: string[] = [key], strategy = 'merge'): ListSemantics {
  return {
    'x-kubernetes-patch-strategy': strategy,
    'x-kubernetes-patch-merge-key': key,
    'x-kubernetes-list-type': 'map',
    'x-kubernetes-list-map-keys': mapKeys,
  };
}

/** An apply map with no strategic-merge counterpart (newer types only carry the apply markers). */
function mapOf(...keys: string[]): ListSemantics {
  return { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': keys };
}

const ATOMIC: ListSemantics = { 'x-kubernetes-list-type': 'atomic' };
/** Scalar list merged as a set by both patch kinds (finalizers, podCIDRs). */
const MERGED_SET: ListSemantics = { 'x-kubernetes-patch-strategy': 'merge', 'x-kubernetes-list-type': 'set' };
const SET: ListSemantics = { 'x-kubernetes-list-type': 'set' };
const ATOMIC_MAP: ListSemantics = { 'x-kubernetes-map-type': 'atomic' };
const GRANULAR_MAP: ListSemantics = { 'x-kubernetes-map-type': 'granular' };
const BY_TYPE = mergeBy('type');

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const APPS = 'io.k8s.api.apps.v1';
const RBAC = 'io.k8s.api.rbac.v1';
const APIEXT = 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1';

/** Container and EphemeralContainer share these fields and markers. */
const CONTAINER_FIELDS: Record<string, ListSemantics> = {
  command: ATOMIC,
  args: ATOMIC,
  // SMP keys ports by containerPort alone; apply needs the protocol too (TCP and UDP on one port).
  ports: mergeBy('containerPort', ['containerPort', 'protocol']),
  env: mergeBy('name'),
  envFrom: ATOMIC,
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
  resizePolicy: ATOMIC,
  restartPolicyRules: ATOMIC,
};

/** Field semantics per definition name. A field named here overrides the generic conditions rule below. */
export const FIELD_SEMANTICS: Record<string, Record<string, ListSemantics>> = {
  [`${META}.ObjectMeta`]: {
    finalizers: MERGED_SET,
    ownerReferences: mergeBy('uid'),
    managedFields: ATOMIC,
    labels: GRANULAR_MAP,
    annotations: GRANULAR_MAP,
  },
  [`${META}.LabelSelector`]: { matchExpressions: ATOMIC },
  [`${META}.LabelSelectorRequirement`]: { values: ATOMIC },
  [`${META}.StatusDetails`]: { causes: ATOMIC },
  [`${META}.DeleteOptions`]: { dryRun: ATOMIC },

  [`${CORE}.PodSpec`]: {
    containers: mergeBy('name'),
    initContainers: mergeBy('name'),
    ephemeralContainers: mergeBy('name'),
    volumes: mergeBy('name', ['name'], 'merge,retainKeys'),
    imagePullSecrets: mergeBy('name'),
    hostAliases: mergeBy('ip'),
    tolerations: ATOMIC,
    topologySpreadConstraints: mergeBy('topologyKey', ['topologyKey', 'whenUnsatisfiable']),
    readinessGates: ATOMIC,
    resourceClaims: mergeBy('name', ['name'], 'merge,retainKeys'),
    schedulingGates: mergeBy('name'),
    nodeSelector: ATOMIC_MAP,
  },
  [`${CORE}.Container`]: CONTAINER_FIELDS,
  [`${CORE}.EphemeralContainer`]: CONTAINER_FIELDS,
  [`${CORE}.ResourceRequirements`]: { claims: mapOf('name') },
  [`${CORE}.ContainerStatus`]: {
    volumeMounts: mergeBy('mountPath'),
    allocatedResourcesStatus: mergeBy('name'),
  },
  [`${CORE}.ResourceStatus`]: { resources: mapOf('resourceID') },
  [`${CORE}.HTTPGetAction`]: { httpHeaders: ATOMIC },
  [`${CORE}.HostAlias`]: { hostnames: ATOMIC },
  [`${CORE}.PodDNSConfig`]: { nameservers: ATOMIC, searches: ATOMIC, options: ATOMIC },
  [`${CORE}.PodSecurityContext`]: { supplementalGroups: ATOMIC, sysctls: ATOMIC },
  [`${CORE}.Capabilities`]: { add: ATOMIC, drop: ATOMIC },
  [`${CORE}.TopologySpreadConstraint`]: { matchLabelKeys: ATOMIC },
  [`${CORE}.PodAffinityTerm`]: { namespaces: ATOMIC, matchLabelKeys: ATOMIC, mismatchLabelKeys: ATOMIC },
  [`${CORE}.NodeSelector`]: { nodeSelectorTerms: ATOMIC },
  [`${CORE}.NodeSelectorTerm`]: { matchExpressions: ATOMIC, matchFields: ATOMIC },
  [`${CORE}.NodeSelectorRequirement`]: { values: ATOMIC },
  [`${CORE}.PodStatus`]: {
    conditions: BY_TYPE,
    podIPs: mergeBy('ip'),
    // Upstream marks hostIPs mergeable for SMP but atomic for apply.
    hostIPs: {
      'x-kubernetes-patch-strategy': 'merge',
      'x-kubernetes-patch-merge-key': 'ip',
      'x-kubernetes-list-type': 'atomic',
    },
    initContainerStatuses: ATOMIC,
    containerStatuses: ATOMIC,
    ephemeralContainerStatuses: ATOMIC,
    resourceClaimStatuses: mergeBy('name', ['name'], 'merge,retainKeys'),
  },
  [`${CORE}.NodeSpec`]: {
    podCIDRs: MERGED_SET,
    // Upstream leaves taints without a patch strategy: kubectl taint and controllers replace the list.
    taints: ATOMIC,
  },
  [`${CORE}.NodeStatus`]: {
    conditions: BY_TYPE,
    addresses: BY_TYPE,
    images: ATOMIC,
    volumesInUse: ATOMIC,
    volumesAttached: ATOMIC,
    runtimeHandlers: ATOMIC,
  },
  [`${CORE}.ContainerImage`]: { names: ATOMIC },
  [`${CORE}.NamespaceSpec`]: { finalizers: ATOMIC },
  [`${CORE}.NamespaceStatus`]: { conditions: BY_TYPE },
  [`${CORE}.ServiceSpec`]: {
    ports: mergeBy('port', ['port', 'protocol']),
    selector: ATOMIC_MAP,
    clusterIPs: ATOMIC,
    externalIPs: ATOMIC,
    ipFamilies: ATOMIC,
    loadBalancerSourceRanges: ATOMIC,
  },
  [`${CORE}.ServiceStatus`]: { conditions: BY_TYPE },
  [`${CORE}.LoadBalancerStatus`]: { ingress: ATOMIC },
  [`${CORE}.LoadBalancerIngress`]: { ports: ATOMIC },
  [`${CORE}.Endpoints`]: { subsets: ATOMIC },
  [`${CORE}.EndpointSubset`]: { addresses: ATOMIC, notReadyAddresses: ATOMIC, ports: ATOMIC },
  [`${CORE}.ServiceAccount`]: { secrets: mergeBy('name'), imagePullSecrets: ATOMIC },
  [`${CORE}.PersistentVolumeClaimSpec`]: { accessModes: ATOMIC },
  [`${CORE}.PersistentVolumeClaimStatus`]: { accessModes: ATOMIC, conditions: BY_TYPE },
  [`${CORE}.ProjectedVolumeSource`]: { sources: ATOMIC },
  [`${CORE}.ConfigMapVolumeSource`]: { items: ATOMIC },
  [`${CORE}.SecretVolumeSource`]: { items: ATOMIC },
  [`${CORE}.DownwardAPIVolumeSource`]: { items: ATOMIC },

  [`${APPS}.DeploymentStatus`]: { conditions: BY_TYPE },
  [`${APPS}.ReplicaSetStatus`]: { conditions: BY_TYPE },
  [`${APPS}.DaemonSetStatus`]: { conditions: BY_TYPE },
  [`${APPS}.StatefulSetStatus`]: { conditions: BY_TYPE },
  [`${APPS}.StatefulSetSpec`]: { volumeClaimTemplates: ATOMIC },

  'io.k8s.api.discovery.v1.EndpointSlice': { endpoints: ATOMIC, ports: ATOMIC },
  'io.k8s.api.discovery.v1.Endpoint': { addresses: SET },
  'io.k8s.api.discovery.v1.EndpointHints': { forZones: ATOMIC, forNodes: ATOMIC },

  'io.k8s.api.policy.v1.PodDisruptionBudgetStatus': { conditions: BY_TYPE },

  [`${RBAC}.Role`]: { rules: ATOMIC },
  [`${RBAC}.ClusterRole`]: { rules: ATOMIC },
  [`${RBAC}.AggregationRule`]: { clusterRoleSelectors: ATOMIC },
  [`${RBAC}.PolicyRule`]: {
    verbs: ATOMIC,
    apiGroups: ATOMIC,
    resources: ATOMIC,
    resourceNames: ATOMIC,
    nonResourceURLs: ATOMIC,
  },
  [`${RBAC}.RoleBinding`]: { subjects: ATOMIC },
  [`${RBAC}.ClusterRoleBinding`]: { subjects: ATOMIC },

  'io.k8s.api.certificates.v1.CertificateSigningRequestSpec': { usages: ATOMIC, groups: ATOMIC },
  // Conditions here are an apply map only; upstream gives them no strategic-merge strategy.
  'io.k8s.api.certificates.v1.CertificateSigningRequestStatus': { conditions: mapOf('type') },

  // Upstream declares CRD versions atomic (a patch replaces the whole list).
  [`${APIEXT}.CustomResourceDefinitionSpec`]: { versions: ATOMIC },
  [`${APIEXT}.CustomResourceDefinitionNames`]: { shortNames: ATOMIC, categories: ATOMIC },
  [`${APIEXT}.CustomResourceDefinitionVersion`]: {
    additionalPrinterColumns: ATOMIC,
    selectableFields: ATOMIC,
  },
  [`${APIEXT}.CustomResourceDefinitionStatus`]: { conditions: mapOf('type'), storedVersions: ATOMIC },
  [`${APIEXT}.JSONSchemaProps`]: { 'x-kubernetes-validations': mergeBy('rule') },
  [`${APIEXT}.WebhookConversion`]: { conversionReviewVersions: ATOMIC },

  'io.k8s.api.authentication.v1.TokenRequestSpec': { audiences: ATOMIC },
  'io.k8s.api.authentication.v1.TokenReviewSpec': { audiences: ATOMIC },
  'io.k8s.api.authentication.v1.TokenReviewStatus': { audiences: ATOMIC },
  'io.k8s.api.authentication.v1.UserInfo': { groups: ATOMIC },
  'io.k8s.api.authorization.v1.SubjectAccessReviewSpec': { groups: ATOMIC },
  'io.k8s.api.authorization.v1.SubjectRulesReviewStatus': { resourceRules: ATOMIC, nonResourceRules: ATOMIC },

  'io.k8s.api.node.v1.Scheduling': { nodeSelector: ATOMIC_MAP, tolerations: ATOMIC },
};

/** Whole definitions that upstream marks `+structType=atomic`: apply replaces them as a unit. */
export const ATOMIC_STRUCTS: string[] = [
  `${META}.LabelSelector`,
  `${CORE}.LocalObjectReference`,
  `${CORE}.ObjectReference`,
  `${CORE}.TypedLocalObjectReference`,
  `${CORE}.NodeSelector`,
  `${CORE}.NodeSelectorTerm`,
  `${CORE}.ConfigMapKeySelector`,
  `${CORE}.SecretKeySelector`,
  `${CORE}.ObjectFieldSelector`,
  `${CORE}.ResourceFieldSelector`,
];

const REF_PREFIX = '#/components/schemas/';

/** Lists of `*Condition` objects keyed by `type` merge by type unless the table says otherwise. */
function isConditionList(field: Schema, definitions: Record<string, Schema>): boolean {
  const ref = field.items?.$ref;
  if (field.type !== 'array' || !ref?.startsWith(REF_PREFIX) || !ref.endsWith('Condition')) return false;
  const item = definitions[ref.slice(REF_PREFIX.length)];
  return Boolean(item?.properties?.type);
}

/**
 * Writes the semantics above into `definitions` (in place). Idempotent, so it runs both in the
 * generator (the committed JSON carries them) and at load time (the table stays authoritative even
 * if someone edits it without regenerating). Returns the table entries that matched nothing, which
 * the generator reports so typos in this file do not go unnoticed.
 */
export function applyPatchSemantics(definitions: Record<string, Schema>): string[] {
  for (const def of Object.values(definitions)) {
    for (const field of Object.values(def.properties ?? {})) {
      if (isConditionList(field, definitions) && !field['x-kubernetes-list-type'])
        Object.assign(field, BY_TYPE);
    }
  }
  const unmatched: string[] = [];
  for (const [defName, fields] of Object.entries(FIELD_SEMANTICS)) {
    const def = definitions[defName];
    if (!def) {
      unmatched.push(defName);
      continue;
    }
    for (const [fieldName, semantics] of Object.entries(fields)) {
      const field = def.properties?.[fieldName];
      if (!field) {
        unmatched.push(`${defName}.${fieldName}`);
        continue;
      }
      // Replace rather than merge so an entry can drop a strategy the conditions rule added.
      delete field['x-kubernetes-patch-strategy'];
      delete field['x-kubernetes-patch-merge-key'];
      delete field['x-kubernetes-list-map-keys'];
      Object.assign(field, structuredClone(semantics));
    }
  }
  for (const defName of ATOMIC_STRUCTS) {
    const def = definitions[defName];
    if (def) def['x-kubernetes-map-type'] = 'atomic';
    else unmatched.push(defName);
  }
  return unmatched;
}
