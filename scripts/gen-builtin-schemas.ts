/**
 * Generates src/hub/schema/builtin.generated.json, the schemas of Minato's built-in kinds, from the
 * model classes of the @kubernetes/client-node devDependency: each class lists its fields in a static
 * attributeTypeMap, and its .d.ts shows which fields are optional. Starting from the served kinds
 * below, it walks every reachable class and names it the way upstream OpenAPI does, so kubectl
 * explain, strategic merge patch and server-side apply see familiar definition names.
 *
 * Run after `npx tsc -p tsconfig.json`:  node dist/scripts/gen-builtin-schemas.js
 * With --check it writes nothing and exits 1 if the committed file is stale (tests use this).
 * Output is deterministic (sorted keys), so re-running without changes rewrites nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { applyPatchSemantics } from '../src/hub/schema/patch-semantics.js';
import { stableStringify } from '../src/hub/schema/stable-json.js';
import type { Schema } from '../src/hub/schema/types.js';

interface Attribute {
  name: string;
  baseName: string;
  type: string;
  format: string;
}

interface TopLevelKind {
  className: string;
  pkg: string;
  group: string;
  version: string;
  kind: string;
  description?: string;
}

const CORE = 'io.k8s.api.core.v1';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const REF_PREFIX = '#/components/schemas/';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';
const INT_OR_STRING = 'io.k8s.apimachinery.pkg.util.intstr.IntOrString';

/** kind, client-node class, description; one block per group version, in walk order (core first). */
const KIND_TABLE: [
  pkg: string,
  apiVersion: string,
  kinds: [kind: string, className: string, what: string][],
][] = [
  [
    CORE,
    'v1',
    [
      ['Namespace', 'V1Namespace', 'A scope for names; most objects live in one.'],
      ['Node', 'V1Node', 'A machine that runs pods, registered by its agent.'],
      ['Pod', 'V1Pod', 'A group of containers scheduled together onto one node.'],
      ['Binding', 'V1Binding', 'Assigns a pod to a node; posted by the scheduler.'],
      ['Service', 'V1Service', 'A stable name and virtual address in front of a set of pods.'],
      ['Endpoints', 'V1Endpoints', 'The addresses currently backing a service (legacy form).'],
      ['ConfigMap', 'V1ConfigMap', 'Non-secret configuration data as key-value pairs.'],
      ['Secret', 'V1Secret', 'Sensitive data such as passwords, tokens or keys.'],
      ['Event', 'CoreV1Event', 'A report of something that happened to an object.'],
      ['ServiceAccount', 'V1ServiceAccount', 'An identity for processes that run in pods.'],
    ],
  ],
  [META, 'v1', [['Status', 'V1Status', 'The result of an operation that returns no object.']]],
  [
    'io.k8s.api.coordination.v1',
    'coordination.k8s.io/v1',
    [['Lease', 'V1Lease', 'A lease held by one holder at a time (leader election, node heartbeats).']],
  ],
  [
    'io.k8s.api.apps.v1',
    'apps/v1',
    [
      ['Deployment', 'V1Deployment', 'Declarative, rolling updates of replicated pods.'],
      ['ReplicaSet', 'V1ReplicaSet', 'Keeps a number of identical pods running.'],
      ['DaemonSet', 'V1DaemonSet', 'Runs one copy of a pod on each matching node.'],
      ['StatefulSet', 'V1StatefulSet', 'Replicated pods with stable identities and storage.'],
    ],
  ],
  [
    'io.k8s.api.autoscaling.v1',
    'autoscaling/v1',
    [['Scale', 'V1Scale', 'The scale subresource of a workload.']],
  ],
  [
    'io.k8s.api.discovery.v1',
    'discovery.k8s.io/v1',
    [['EndpointSlice', 'V1EndpointSlice', 'A slice of the endpoints that implement a service.']],
  ],
  [
    'io.k8s.api.policy.v1',
    'policy/v1',
    [
      ['PodDisruptionBudget', 'V1PodDisruptionBudget', 'Limits how many pods of a set may be down at once.'],
      ['Eviction', 'V1Eviction', 'A request to evict a pod, honouring disruption budgets.'],
    ],
  ],
  [
    'io.k8s.api.events.v1',
    'events.k8s.io/v1',
    [['Event', 'EventsV1Event', 'A report of something that happened to an object.']],
  ],
  [
    'io.k8s.api.rbac.v1',
    'rbac.authorization.k8s.io/v1',
    [
      ['Role', 'V1Role', 'Namespaced permissions: a set of policy rules.'],
      ['ClusterRole', 'V1ClusterRole', 'Cluster-wide permissions: a set of policy rules.'],
      ['RoleBinding', 'V1RoleBinding', 'Grants a role to subjects within a namespace.'],
      ['ClusterRoleBinding', 'V1ClusterRoleBinding', 'Grants a cluster role to subjects cluster-wide.'],
    ],
  ],
  [
    'io.k8s.api.certificates.v1',
    'certificates.k8s.io/v1',
    [['CertificateSigningRequest', 'V1CertificateSigningRequest', 'A request to have a certificate signed.']],
  ],
  [
    'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1',
    'apiextensions.k8s.io/v1',
    [['CustomResourceDefinition', 'V1CustomResourceDefinition', 'Defines a new kind served by the hub.']],
  ],
  [
    'io.k8s.api.authentication.v1',
    'authentication.k8s.io/v1',
    [
      ['TokenRequest', 'AuthenticationV1TokenRequest', 'Asks for a token for a service account.'],
      ['SelfSubjectReview', 'V1SelfSubjectReview', 'Tells the caller who the hub thinks they are.'],
      ['TokenReview', 'V1TokenReview', 'Asks the hub to authenticate a token.'],
    ],
  ],
  [
    'io.k8s.api.authorization.v1',
    'authorization.k8s.io/v1',
    [
      [
        'SelfSubjectAccessReview',
        'V1SelfSubjectAccessReview',
        'Asks whether the caller may perform an action.',
      ],
      ['SelfSubjectRulesReview', 'V1SelfSubjectRulesReview', 'Lists what the caller may do in a namespace.'],
      ['SubjectAccessReview', 'V1SubjectAccessReview', 'Asks whether a given user may perform an action.'],
    ],
  ],
  [
    'io.k8s.api.node.v1',
    'node.k8s.io/v1',
    [['RuntimeClass', 'V1RuntimeClass', 'A container runtime configuration pods can select.']],
  ],
];

/** Kinds served with list endpoints: their List kinds are generated too. */
const HAS_LIST = new Set([
  'Namespace',
  'Node',
  'Pod',
  'Service',
  'Endpoints',
  'ConfigMap',
  'Secret',
  'Event',
  'ServiceAccount',
  'Lease',
  'Deployment',
  'ReplicaSet',
  'DaemonSet',
  'StatefulSet',
  'EndpointSlice',
  'PodDisruptionBudget',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'CertificateSigningRequest',
  'CustomResourceDefinition',
  'RuntimeClass',
]);

/** Reached from the kinds but not kinds themselves; DeleteOptions is the body of every delete. */
const EXTRA_ROOTS: [className: string, pkg: string][] = [['V1DeleteOptions', META]];

/**
 * Nested classes whose upstream package differs from the class that first reaches them: apimachinery
 * meta types, and core types first met inside apps kinds. Classes reached from these inherit the package.
 */
const PACKAGE_OVERRIDES: Record<string, string> = {
  V1ObjectMeta: META,
  V1ListMeta: META,
  V1LabelSelector: META,
  V1LabelSelectorRequirement: META,
  V1OwnerReference: META,
  V1ManagedFieldsEntry: META,
  V1Status: META,
  V1StatusDetails: META,
  V1StatusCause: META,
  V1DeleteOptions: META,
  V1Preconditions: META,
  V1Condition: META,
  V1FieldSelectorRequirement: META,
  V1PodTemplateSpec: CORE,
  V1PersistentVolumeClaim: CORE,
};

/** Fields client-node types as plain strings that upstream types as resource.Quantity. */
const QUANTITY_FIELDS: Record<string, string[]> = {
  V1ResourceRequirements: ['limits', 'requests'],
  V1VolumeResourceRequirements: ['limits', 'requests'],
  V1NodeStatus: ['capacity', 'allocatable'],
  V1EmptyDirVolumeSource: ['sizeLimit'],
  V1ResourceFieldSelector: ['divisor'],
  V1PersistentVolumeClaimStatus: ['capacity', 'allocatedResources'],
  V1PodSpec: ['overhead'],
  V1Overhead: ['podFixed'],
  V1ContainerStatus: ['allocatedResources'],
};

/** Fields whose upstream schema is more specific than client-node's `any`. */
const FIELD_OVERRIDES: Record<string, Record<string, Schema>> = {
  // FieldsV1 is an opaque JSON object describing field ownership.
  V1ManagedFieldsEntry: { fieldsV1: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
};

/** Definitions with no client-node class. */
const SPECIAL_DEFINITIONS: Record<string, Schema> = {
  // The decoder takes "500m" or 0.5; with no single type, kubectl explain prints the name, Quantity.
  [QUANTITY]: {
    oneOf: [{ type: 'string' }, { type: 'number' }],
    description: 'A fixed-point number with an optional unit suffix, e.g. 500m, 2Gi.',
  },
  [INT_OR_STRING]: {
    format: 'int-or-string',
    'x-kubernetes-int-or-string': true,
    description: 'An integer or a string, e.g. a port number or a port name, 25% or 3.',
  },
};

const modelsDir = join(
  dirname(createRequire(import.meta.url).resolve('@kubernetes/client-node/package.json')),
  'dist/gen/models',
);
const outFile = join(dirname(fileURLToPath(import.meta.url)), '../../src/hub/schema/builtin.generated.json');

/** "CoreV1EndpointPort" -> "EndpointPort", "V1beta1Foo" -> "Foo": the upstream short name. */
function shortName(className: string): string {
  const match = /^(?:[A-Z][a-z]+)*V\d+(?:alpha\d+|beta\d+)?(?=[A-Z])/.exec(className);
  return match ? className.slice(match[0].length) : className;
}

async function attributes(className: string): Promise<Attribute[]> {
  const mod = (await import(pathToFileURL(join(modelsDir, `${className}.js`)).href)) as Record<
    string,
    { attributeTypeMap?: Attribute[] }
  >;
  const cls = mod[className];
  if (!cls?.attributeTypeMap) throw new Error(`client-node model ${className} has no attributeTypeMap`);
  return cls.attributeTypeMap;
}

/** Properties declared without `?:` in the class's .d.ts are required upstream. */
function requiredFields(className: string): string[] {
  const dts = readFileSync(join(modelsDir, `${className}.d.ts`), 'utf8');
  const required: string[] = [];
  for (const m of dts.matchAll(/^ {4}'([^']+)'(\??):/gm)) if (!m[2]) required.push(m[1]!);
  return required;
}

const ref = (name: string): Schema => ({ $ref: `${REF_PREFIX}${name}` });

class Generator {
  readonly definitions: Record<string, Schema> = {};
  private readonly nameOf = new Map<string, string>();
  private readonly queue: [className: string, pkg: string][] = [];

  /** Claims an upstream name for a class the first time it is reached. */
  private enqueue(className: string, inheritedPkg: string, name?: string): string {
    const known = this.nameOf.get(className);
    if (known) return known;
    const pkg = PACKAGE_OVERRIDES[className] ?? inheritedPkg;
    const defName = name ?? `${pkg}.${shortName(className)}`;
    if ([...this.nameOf.values()].includes(defName)) throw new Error(`two classes map to ${defName}`);
    this.nameOf.set(className, defName);
    this.queue.push([className, pkg]);
    return defName;
  }

  addKind(k: TopLevelKind): void {
    this.enqueue(k.className, k.pkg, `${k.pkg}.${k.kind}`);
  }

  async run(kinds: TopLevelKind[]): Promise<void> {
    for (const k of kinds) this.addKind(k);
    for (const [className, pkg] of EXTRA_ROOTS) this.enqueue(className, pkg);
    while (this.queue.length > 0) {
      const [className, pkg] = this.queue.shift()!;
      this.definitions[this.nameOf.get(className)!] = await this.classSchema(className, pkg);
    }
    for (const k of kinds) {
      const def = this.definitions[`${k.pkg}.${k.kind}`]!;
      def['x-kubernetes-group-version-kind'] = [{ group: k.group, version: k.version, kind: k.kind }];
      if (k.description) def.description = k.description;
    }
    Object.assign(this.definitions, structuredClone(SPECIAL_DEFINITIONS));
  }

  private async classSchema(className: string, pkg: string): Promise<Schema> {
    const properties: Record<string, Schema> = {};
    for (const attr of await attributes(className)) {
      const override = FIELD_OVERRIDES[className]?.[attr.baseName];
      const quantity = QUANTITY_FIELDS[className]?.includes(attr.baseName) ?? false;
      properties[attr.baseName] = override
        ? structuredClone(override)
        : this.typeSchema(attr.type, attr.format, pkg, quantity);
    }
    const schema: Schema = { type: 'object', properties };
    const required = requiredFields(className).filter((f) => f in properties);
    if (required.length > 0) schema.required = required.sort();
    return schema;
  }

  /** Maps a client-node type expression to a schema; `quantity` retypes strings as resource quantities. */
  private typeSchema(type: string, format: string, pkg: string, quantity: boolean): Schema {
    const array = /^Array<(.+)>$/.exec(type);
    if (array) return { type: 'array', items: this.typeSchema(array[1]!, format, pkg, quantity) };
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
    if (map) return { type: 'object', additionalProperties: this.typeSchema(map[1]!, format, pkg, quantity) };
    switch (type) {
      case 'string':
        if (quantity) return ref(QUANTITY);
        return format === 'byte' ? { type: 'string', format: 'byte' } : { type: 'string' };
      case 'number':
        return format === 'int32' || format === 'int64'
          ? { type: 'integer', format }
          : { type: 'number', format };
      case 'boolean':
        return { type: 'boolean' };
      case 'Date':
      case 'V1MicroTime':
        return { type: 'string', format: 'date-time' };
      case 'IntOrString':
        return ref(INT_OR_STRING);
      case 'any':
      case 'object':
        // Arbitrary JSON (RawExtension, JSON, JSONSchemaPropsOrBool...): keep whatever is there.
        return { 'x-kubernetes-preserve-unknown-fields': true };
      default:
        if (!/^[A-Z][A-Za-z0-9]+$/.test(type)) throw new Error(`unhandled client-node type ${type}`);
        return ref(this.enqueue(type, pkg));
    }
  }
}

/** One definition per line: compact, yet a change shows up as a readable diff. */
function render(definitions: Record<string, Schema>): string {
  const lines = Object.keys(definitions)
    .sort()
    .map((name) => `  ${JSON.stringify(name)}: ${stableStringify(definitions[name])}`);
  return `{\n${lines.join(',\n')}\n}\n`;
}

function listKinds(): TopLevelKind[] {
  const kinds: TopLevelKind[] = [];
  for (const [pkg, apiVersion, entries] of KIND_TABLE) {
    const slash = apiVersion.indexOf('/');
    const group = slash < 0 ? '' : apiVersion.slice(0, slash);
    const version = apiVersion.slice(slash + 1);
    for (const [kind, className, description] of entries) {
      kinds.push({ className, pkg, group, version, kind, description });
      if (HAS_LIST.has(kind)) {
        kinds.push({
          className: `${className}List`,
          pkg,
          group,
          version,
          kind: `${kind}List`,
          description: `A list of ${kind} objects.`,
        });
      }
    }
  }
  return kinds;
}

async function main(): Promise<void> {
  const generator = new Generator();
  await generator.run(listKinds());
  const unmatched = applyPatchSemantics(generator.definitions);
  if (unmatched.length > 0)
    throw new Error(`patch-semantics entries match no generated field: ${unmatched.join(', ')}`);
  const text = render(generator.definitions);
  let previous = '';
  try {
    previous = readFileSync(outFile, 'utf8');
  } catch {
    // first run
  }
  const count = Object.keys(generator.definitions).length;
  if (previous === text) {
    console.log(`builtin.generated.json unchanged (${count} definitions)`);
    return;
  }
  if (process.argv.includes('--check')) {
    console.error('builtin.generated.json is stale: run node dist/scripts/gen-builtin-schemas.js');
    process.exitCode = 1;
    return;
  }
  writeFileSync(outFile, text);
  console.log(`wrote builtin.generated.json (${count} definitions)`);
}

await main();
