/**
 * Test support: a tiny schema resolver and a hand-written slice of the Deployment schema with
 * the list and map markers the patch engines read. Not used outside tests.
 */
import type { Schema, SchemaResolver } from '../schema/types.js';

const REF_PREFIX = '#/components/schemas/';

export function tinyResolver(definitions: Record<string, Schema>): SchemaResolver {
  const resolve = (schema: Schema): Schema => {
    let current = schema;
    for (let i = 0; i < 16; i++) {
      if (current.$ref) {
        const target = definitions[current.$ref.slice(REF_PREFIX.length)];
        if (!target) throw new Error(`unresolved ${current.$ref}`);
        current = target;
      } else if (current.allOf?.length === 1 && !current.type && !current.properties) {
        current = current.allOf[0]!;
      } else {
        return current;
      }
    }
    throw new Error('reference cycle');
  };
  return {
    resolve,
    child(schema, key) {
      const s = resolve(schema);
      let next: Schema | undefined;
      if (typeof key === 'number') next = s.items;
      else if (s.properties && Object.hasOwn(s.properties, key)) next = s.properties[key];
      else if (typeof s.additionalProperties === 'object') next = s.additionalProperties;
      return next && resolve(next);
    },
  };
}

const ref = (name: string): Schema => ({ $ref: `${REF_PREFIX}${name}` });
/** How upstream attaches a description to a reference. */
const wrapped = (name: string): Schema => ({ allOf: [ref(name)], description: name });
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const stringMap: Schema = { type: 'object', additionalProperties: str };

const mergeByName = (items: Schema): Schema => ({
  type: 'array',
  items,
  'x-kubernetes-patch-strategy': 'merge',
  'x-kubernetes-patch-merge-key': 'name',
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-list-map-keys': ['name'],
});

export const definitions: Record<string, Schema> = {
  ObjectMeta: {
    type: 'object',
    properties: {
      name: str,
      namespace: str,
      uid: str,
      resourceVersion: str,
      generation: int,
      creationTimestamp: str,
      labels: stringMap,
      annotations: stringMap,
      finalizers: {
        type: 'array',
        items: str,
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-list-type': 'set',
      },
      managedFields: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
    },
  },
  Deployment: {
    type: 'object',
    properties: {
      apiVersion: str,
      kind: str,
      metadata: wrapped('ObjectMeta'),
      spec: wrapped('DeploymentSpec'),
      status: wrapped('DeploymentStatus'),
    },
  },
  DeploymentSpec: {
    type: 'object',
    properties: {
      replicas: int,
      paused: { type: 'boolean' },
      selector: wrapped('LabelSelector'),
      template: wrapped('PodTemplateSpec'),
      strategy: {
        allOf: [ref('DeploymentStrategy')],
        'x-kubernetes-patch-strategy': 'retainKeys',
      },
    },
  },
  DeploymentStatus: { type: 'object', properties: { replicas: int, readyReplicas: int } },
  DeploymentStrategy: {
    type: 'object',
    properties: { type: str, rollingUpdate: ref('RollingUpdateDeployment') },
  },
  RollingUpdateDeployment: {
    type: 'object',
    properties: {
      maxSurge: { 'x-kubernetes-int-or-string': true },
      maxUnavailable: { 'x-kubernetes-int-or-string': true },
    },
  },
  LabelSelector: {
    type: 'object',
    'x-kubernetes-map-type': 'atomic',
    properties: { matchLabels: stringMap },
  },
  PodTemplateSpec: {
    type: 'object',
    properties: { metadata: wrapped('ObjectMeta'), spec: wrapped('PodSpec') },
  },
  PodSpec: {
    type: 'object',
    properties: {
      containers: mergeByName(ref('Container')),
      volumes: { ...mergeByName(ref('Volume')), 'x-kubernetes-patch-strategy': 'merge,retainKeys' },
      nodeSelector: { ...stringMap, 'x-kubernetes-map-type': 'atomic' },
      tolerations: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
      // No markers at all: replaced by patches, atomic for apply.
      hostAliases: { type: 'array', items: { type: 'object' } },
    },
  },
  Container: {
    type: 'object',
    properties: {
      name: str,
      image: str,
      imagePullPolicy: str,
      command: { type: 'array', items: str, 'x-kubernetes-list-type': 'atomic' },
      env: mergeByName(ref('EnvVar')),
      ports: {
        type: 'array',
        items: ref('ContainerPort'),
        'x-kubernetes-patch-strategy': 'merge',
        'x-kubernetes-patch-merge-key': 'containerPort',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol'],
      },
    },
  },
  EnvVar: { type: 'object', properties: { name: str, value: str } },
  ContainerPort: {
    type: 'object',
    properties: { containerPort: int, name: str, protocol: { type: 'string', default: 'TCP' } },
  },
  Volume: {
    type: 'object',
    properties: { name: str, emptyDir: { type: 'object' }, configMap: { type: 'object' } },
  },
};

export const resolver = tinyResolver(definitions);
export const deploymentSchema: Schema = ref('Deployment');
