/**
 * Node restriction: a device's credentials (user system:node:<name>) reach only what that device
 * needs — its own Node and Lease, the pods bound to it (and their status), and the ConfigMaps,
 * Secrets and registry modules those pods reference. A stolen device certificate cannot read another
 * device's secrets, create pods, or touch other nodes.
 */
import type { KubeObject } from '../../api/types.js';
import { hubImageName, REGISTRY_API_GROUP, REGISTRY_RESOURCE } from '../../registry/reference.js';
import type { ObjectService } from '../objects/object-service.js';
import { parseFieldSelector } from '../request/selectors.js';
import type { RequestAttributes } from './attributes.js';

export type Decision = 'allow' | 'deny' | 'no-opinion';

const NODE_PREFIX = 'system:node:';

export function nodeNameOf(user: { name: string; groups: string[] }): string | undefined {
  if (!user.groups.includes('system:nodes') || !user.name.startsWith(NODE_PREFIX)) return undefined;
  return user.name.slice(NODE_PREFIX.length);
}

const READ = new Set(['get', 'list', 'watch']);
const WRITE_OWN = new Set(['get', 'create', 'update', 'patch']);

/** The value a list/watch pins with `field=value` in its field selector, if it does. */
function pinned(a: RequestAttributes, field: string): string | undefined {
  return parseFieldSelector(a.fieldSelector).find((r) => r.field === field && r.op === '=')?.value;
}

export function nodeDecision(node: string, a: RequestAttributes, objects: ObjectService): Decision {
  const { verb, apiGroup, resource, subresource, name } = a;
  const own = (n: string) => n === node;
  const core = apiGroup === '';
  if (core && resource === 'nodes') {
    if (verb === 'list' || verb === 'watch') return pinned(a, 'metadata.name') === node ? 'allow' : 'deny';
    if (subresource === '' || subresource === 'status')
      return WRITE_OWN.has(verb) && (own(name) || verb === 'create') ? 'allow' : 'deny';
    return 'deny';
  }
  if (apiGroup === 'coordination.k8s.io' && resource === 'leases') {
    if (a.namespace !== 'kube-node-lease') return 'deny';
    if (verb === 'list' || verb === 'watch') return pinned(a, 'metadata.name') === node ? 'allow' : 'deny';
    return (WRITE_OWN.has(verb) || verb === 'delete') && (own(name) || verb === 'create') ? 'allow' : 'deny';
  }
  if (core && resource === 'pods') {
    if (verb === 'list' || verb === 'watch') return pinned(a, 'spec.nodeName') === node ? 'allow' : 'deny';
    if (verb === 'create') return 'deny';
    const pod = objects.find(objects.registry.lookup('', 'v1', 'pods')!, a.namespace, name);
    // A pod that is gone already may still be confirmed deleted: answer 404 rather than 403.
    if (!pod) return verb === 'get' || verb === 'delete' ? 'allow' : 'deny';
    if (pod.spec?.nodeName !== node) return 'deny';
    if (subresource === '') return verb === 'get' || verb === 'delete' ? 'allow' : 'deny';
    if (subresource === 'status') return ['get', 'update', 'patch'].includes(verb) ? 'allow' : 'deny';
    return 'deny';
  }
  if (core && (resource === 'configmaps' || resource === 'secrets')) {
    const wanted =
      verb === 'get' ? name : verb === 'list' || verb === 'watch' ? pinned(a, 'metadata.name') : undefined;
    if (!wanted || !READ.has(verb)) return 'deny';
    return referencedByNodePods(objects, node, a.namespace, resource, wanted) ? 'allow' : 'deny';
  }
  if ((core && resource === 'events') || (apiGroup === 'events.k8s.io' && resource === 'events')) {
    return ['create', 'update', 'patch'].includes(verb) ? 'allow' : 'deny';
  }
  if (apiGroup === 'certificates.k8s.io' && resource === 'certificatesigningrequests' && subresource === '') {
    return ['create', 'get', 'list', 'watch'].includes(verb) ? 'allow' : 'deny';
  }
  // Modules in the hub's registry: pulled (manifests and blobs), only those its own pods run.
  if (apiGroup === REGISTRY_API_GROUP && resource === REGISTRY_RESOURCE) {
    return verb === 'get' && nodePodsRunModule(objects, node, name) ? 'allow' : 'deny';
  }
  // What the mesh and runtimes read: services and their endpoints, runtime classes.
  const meshRead =
    (core && (resource === 'services' || resource === 'endpoints')) ||
    (apiGroup === 'discovery.k8s.io' && resource === 'endpointslices') ||
    (apiGroup === 'node.k8s.io' && resource === 'runtimeclasses');
  if (meshRead && subresource === '') return READ.has(verb) ? 'allow' : 'deny';
  if (apiGroup === 'authorization.k8s.io' || apiGroup === 'authentication.k8s.io') return 'no-opinion';
  return 'deny';
}

/** Whether a pod bound to the node runs a `hub/<module>…` image (any container, init included). */
function nodePodsRunModule(objects: ObjectService, node: string, module: string): boolean {
  const pods = objects.list(objects.registry.lookup('', 'v1', 'pods')!, undefined, {
    fieldSelector: `spec.nodeName=${node}`,
  }).items;
  return pods.some((pod) =>
    [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].some(
      (c: { image?: unknown }) => typeof c.image === 'string' && hubImageName(c.image) === module,
    ),
  );
}

function referencedByNodePods(
  objects: ObjectService,
  node: string,
  namespace: string,
  resource: string,
  name: string,
): boolean {
  const pods = objects.list(objects.registry.lookup('', 'v1', 'pods')!, namespace, {
    fieldSelector: `spec.nodeName=${node}`,
  }).items;
  return pods.some((pod) => podReferences(pod, resource).has(name));
}

/** Names of the ConfigMaps or Secrets a pod uses (volumes, env, envFrom, image pull secrets). */
export function podReferences(pod: KubeObject, resource: string): Set<string> {
  const names = new Set<string>();
  const secret = resource === 'secrets';
  for (const v of pod.spec?.volumes ?? []) {
    if (secret && v.secret?.secretName) names.add(v.secret.secretName);
    if (!secret && v.configMap?.name) names.add(v.configMap.name);
    for (const s of v.projected?.sources ?? []) {
      if (secret && s.secret?.name) names.add(s.secret.name);
      if (!secret && s.configMap?.name) names.add(s.configMap.name);
    }
  }
  for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
    for (const e of c.env ?? []) {
      const ref = secret ? e.valueFrom?.secretKeyRef : e.valueFrom?.configMapKeyRef;
      if (ref?.name) names.add(ref.name);
    }
    for (const e of c.envFrom ?? []) {
      const ref = secret ? e.secretRef : e.configMapRef;
      if (ref?.name) names.add(ref.name);
    }
  }
  if (secret) for (const s of pod.spec?.imagePullSecrets ?? []) if (s.name) names.add(s.name);
  return names;
}
