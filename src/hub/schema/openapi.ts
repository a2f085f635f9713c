/**
 * The /openapi/v3 discovery documents. kubectl reads them for `explain`, for strategic-merge patch
 * metadata in `apply`, and (1.29+) to learn that the server validates fields itself: it looks for a
 * PATCH operation whose x-kubernetes-group-version-kind is the kind and which takes a `fieldValidation`
 * query parameter, and only then sends fieldValidation=Strict instead of validating client-side.
 */
import { createHash } from 'node:crypto';
import { groupVersion as formatGroupVersion, type ResourceType } from '../registry/resource-type.js';
import { DELETE_OPTIONS, LIST_META, OBJECT_META, PATCH, refTo, SCALE, STATUS } from './definition-names.js';
import type { SchemaRegistry } from './schema-registry.js';
import { forEachRef } from './schema-registry.js';
import { stableStringify } from './stable-json.js';
import type { Schema } from './types.js';

export interface OpenApiV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

export interface Parameter {
  name: string;
  in: 'query' | 'path';
  description: string;
  required?: boolean;
  schema: Schema;
}

type Content = Record<string, { schema: Schema }>;

export interface Operation {
  tags: string[];
  description: string;
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required: boolean; content: Content };
  responses: Record<string, { description: string; content?: Content }>;
  'x-kubernetes-action': 'get' | 'list' | 'post' | 'put' | 'patch' | 'delete' | 'deletecollection';
  'x-kubernetes-group-version-kind': { group: string; version: string; kind: string };
}

export interface PathItem {
  parameters?: Parameter[];
  get?: Operation;
  post?: Operation;
  put?: Operation;
  patch?: Operation;
  delete?: Operation;
}

export interface OpenApiV3Document {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, PathItem>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, unknown> };
  security: Record<string, string[]>[];
}

type Gvk = Operation['x-kubernetes-group-version-kind'];

/** The parts of an upstream-style operationId, e.g. patchAppsV1NamespacedDeploymentScale. */
interface OperationName {
  verb: string;
  collection?: boolean;
  allNamespaces?: boolean;
  subresource?: string;
}

/** "v1" -> "api/v1", "apps/v1" -> "apis/apps/v1": the keys of the /openapi/v3 root. */
export function openApiV3Path(groupVersion: string): string {
  return groupVersion.includes('/') ? `apis/${groupVersion}` : `api/${groupVersion}`;
}

/** The /openapi/v3 root. `hash` is one hash for all documents or one per group version. */
export function openApiV3Root(groupVersions: string[], hash: string | Record<string, string>): OpenApiV3Root {
  const paths: OpenApiV3Root['paths'] = {};
  for (const gv of [...groupVersions].sort()) {
    const path = openApiV3Path(gv);
    const h = typeof hash === 'string' ? hash : (hash[gv] ?? '');
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=${h}` };
  }
  return { paths };
}

/** A content hash of a document, stable across key order; clients cache documents by it. */
export function openApiV3Hash(document: OpenApiV3Document): string {
  return createHash('sha512').update(stableStringify(document)).digest('hex').toUpperCase();
}

const query = (name: string, type: Schema['type'], description: string): Parameter => ({
  name,
  in: 'query',
  description,
  schema: { type },
});

const P = {
  pretty: query('pretty', 'string', "If 'true', the output is pretty printed."),
  dryRun: query('dryRun', 'string', 'When present (All), changes are checked but not persisted.'),
  fieldManager: query(
    'fieldManager',
    'string',
    'The name of the actor making the change, for field ownership.',
  ),
  fieldValidation: query(
    'fieldValidation',
    'string',
    'How to treat unknown or duplicate fields in the body: Ignore, Warn (the default) or Strict.',
  ),
  force: query('force', 'boolean', 'Apply only: take ownership of fields other managers own.'),
  labelSelector: query('labelSelector', 'string', 'Only objects whose labels match this selector.'),
  fieldSelector: query('fieldSelector', 'string', 'Only objects whose fields match this selector.'),
  limit: query('limit', 'integer', 'The maximum number of objects to return in one page.'),
  continue: query('continue', 'string', 'The token of the next page, from a previous list.'),
  resourceVersion: query(
    'resourceVersion',
    'string',
    'Which version of the data the list or watch starts from.',
  ),
  resourceVersionMatch: query(
    'resourceVersionMatch',
    'string',
    'How resourceVersion is applied: Exact or NotOlderThan.',
  ),
  watch: query('watch', 'boolean', 'Stream changes instead of returning a list.'),
  allowWatchBookmarks: query('allowWatchBookmarks', 'boolean', 'Allow BOOKMARK events in a watch.'),
  sendInitialEvents: query('sendInitialEvents', 'boolean', 'Start a watch with the current objects.'),
  timeoutSeconds: query('timeoutSeconds', 'integer', 'End the list or watch after this many seconds.'),
  gracePeriodSeconds: query(
    'gracePeriodSeconds',
    'integer',
    'Seconds to wait before deleting; 0 deletes at once.',
  ),
  propagationPolicy: query(
    'propagationPolicy',
    'string',
    'Garbage collection of dependents: Orphan, Background or Foreground.',
  ),
  orphanDependents: query('orphanDependents', 'boolean', 'Deprecated: use propagationPolicy.'),
};

const pathParam = (name: string, description: string): Parameter => ({
  name,
  in: 'path',
  description,
  required: true,
  schema: { type: 'string' },
});

const LIST_PARAMS = [
  P.allowWatchBookmarks,
  P.continue,
  P.fieldSelector,
  P.labelSelector,
  P.limit,
  P.resourceVersion,
  P.resourceVersionMatch,
  P.sendInitialEvents,
  P.timeoutSeconds,
  P.watch,
];
const WRITE_PARAMS = [P.dryRun, P.fieldManager, P.fieldValidation];
const DELETE_PARAMS = [P.dryRun, P.gracePeriodSeconds, P.orphanDependents, P.propagationPolicy];

const BUILTIN_PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml',
];
/** Custom resources have no patch strategies, so they take no strategic merge patch. */
const CUSTOM_PATCH_TYPES = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/apply-patch+yaml',
];

function content(schema: Schema, types = ['application/json', 'application/yaml']): Content {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

/** "rbac.authorization.k8s.io" + "v1" -> "RbacAuthorizationV1"; the core group is "Core". */
function operationPrefix(group: string, version: string): string {
  const words = group ? group.replace(/\.k8s\.io$/, '').split(/[.-]/) : ['core'];
  const cap = (w: string): string => w.charAt(0).toUpperCase() + w.slice(1);
  return words.map(cap).join('') + cap(version);
}

/** The definition name of a kind's list type: "io.k8s.api.apps.v1.Deployment" -> "...DeploymentList". */
function listSchemaName(type: ResourceType): string {
  return type.schemaName.replace(/[^.]+$/, type.listKind);
}

/** Builds the paths and operations of one resource type. */
class PathBuilder {
  readonly paths: Record<string, PathItem> = {};

  constructor(
    private readonly type: ResourceType,
    private readonly base: string,
  ) {}

  private get gvk(): Gvk {
    return { group: this.type.group, version: this.type.version, kind: this.type.kind };
  }

  private can(verb: ResourceType['verbs'][number]): boolean {
    return this.type.verbs.includes(verb);
  }

  private op(
    action: Operation['x-kubernetes-action'],
    name: OperationName,
    parameters: Parameter[],
    responses: Operation['responses'],
    extra: { gvk?: Gvk; body?: Operation['requestBody'] } = {},
  ): Operation {
    const t = this.type;
    const scope = t.namespaced && !name.allNamespaces ? 'Namespaced' : '';
    const operation: Operation = {
      tags: [
        t.group
          ? `${t.group.replace(/\.k8s\.io$/, '').replace(/\./g, '_')}_${t.version}`
          : `core_${t.version}`,
      ],
      description: `${name.verb} ${name.collection ? 'collection of ' : ''}${t.kind}${name.subresource ? ` ${name.subresource.toLowerCase()}` : ''}`,
      operationId: [
        name.verb,
        operationPrefix(t.group, t.version),
        name.collection ? 'Collection' : '',
        scope,
        t.kind,
        name.subresource ?? '',
        name.allNamespaces ? 'ForAllNamespaces' : '',
      ].join(''),
      responses,
      'x-kubernetes-action': action,
      'x-kubernetes-group-version-kind': extra.gvk ?? this.gvk,
    };
    if (parameters.length > 0) operation.parameters = parameters;
    if (extra.body) operation.requestBody = extra.body;
    return operation;
  }

  private ok(schema: Schema, codes: string[] = ['200']): Operation['responses'] {
    const responses: Operation['responses'] = {};
    for (const code of codes)
      responses[code] = {
        description: code === '201' ? 'Created' : code === '202' ? 'Accepted' : 'OK',
        content: content(schema),
      };
    responses['401'] = { description: 'Unauthorized' };
    return responses;
  }

  private body(schema: Schema): Operation['requestBody'] {
    return { required: true, content: { '*/*': { schema } } };
  }

  /** GET/PUT/PATCH on an object or one of its subresources (status, scale). */
  private readWrite(item: PathItem, schema: Schema, subresource: string | undefined, gvk: Gvk): void {
    if (this.can('get'))
      item.get = this.op('get', { verb: 'read', subresource }, [], this.ok(schema), { gvk });
    if (this.can('update')) {
      const responses = this.ok(schema, ['200', '201']);
      item.put = this.op('put', { verb: 'replace', subresource }, WRITE_PARAMS, responses, {
        gvk,
        body: this.body(schema),
      });
    }
    if (this.can('patch')) {
      const types = this.type.builtin ? BUILTIN_PATCH_TYPES : CUSTOM_PATCH_TYPES;
      const body = { required: true, content: content(refTo(PATCH), types) };
      const params = [...WRITE_PARAMS, P.force];
      item.patch = this.op('patch', { verb: 'patch', subresource }, params, this.ok(schema, ['200', '201']), {
        gvk,
        body,
      });
    }
  }

  build(): void {
    const t = this.type;
    const objectSchema = refTo(t.schemaName);
    const status = refTo(STATUS);
    const deleteBody: Operation['requestBody'] = {
      required: false,
      content: content(refTo(DELETE_OPTIONS), ['*/*']),
    };
    const nsParam = pathParam('namespace', 'object name and auth scope, such as for teams and projects');
    const nameParam = pathParam('name', `name of the ${t.kind}`);
    const scopeParams = t.namespaced ? [nsParam] : [];
    const scopePrefix = t.namespaced ? `${this.base}/namespaces/{namespace}` : this.base;

    const slash = t.plural.indexOf('/');
    const created = this.ok(objectSchema, ['200', '201', '202']);
    if (slash >= 0) {
      // A create-only subresource served as its own type, e.g. pods/eviction or pods/binding.
      const path = `${scopePrefix}/${t.plural.slice(0, slash)}/{name}/${t.plural.slice(slash + 1)}`;
      if (this.can('create')) {
        this.paths[path] = {
          parameters: [nameParam, ...scopeParams, P.pretty],
          post: this.op('post', { verb: 'create' }, WRITE_PARAMS, created, { body: this.body(objectSchema) }),
        };
      }
      return;
    }

    const collection: PathItem = { parameters: [...scopeParams, P.pretty] };
    const listSchema = refTo(listSchemaName(t));
    if (this.can('list'))
      collection.get = this.op('list', { verb: 'list' }, LIST_PARAMS, this.ok(listSchema));
    if (this.can('create')) {
      collection.post = this.op('post', { verb: 'create' }, WRITE_PARAMS, created, {
        body: this.body(objectSchema),
      });
    }
    if (this.can('deletecollection')) {
      const params = [
        ...DELETE_PARAMS,
        ...LIST_PARAMS.filter((p) => p.name !== 'watch' && p.name !== 'allowWatchBookmarks'),
      ];
      const name = { verb: 'delete', collection: true };
      collection.delete = this.op('deletecollection', name, params, this.ok(status), { body: deleteBody });
    }
    const collectionPath = `${scopePrefix}/${t.plural}`;
    if (collection.get || collection.post || collection.delete) this.paths[collectionPath] = collection;

    if (t.namespaced && this.can('list')) {
      this.paths[`${this.base}/${t.plural}`] = {
        parameters: [P.pretty],
        get: this.op('list', { verb: 'list', allNamespaces: true }, LIST_PARAMS, this.ok(listSchema)),
      };
    }

    const itemParams = [nameParam, ...scopeParams, P.pretty];
    const item: PathItem = { parameters: itemParams };
    this.readWrite(item, objectSchema, undefined, this.gvk);
    if (this.can('delete')) {
      const responses = this.ok(status, ['200', '202']);
      item.delete = this.op('delete', { verb: 'delete' }, DELETE_PARAMS, responses, { body: deleteBody });
    }
    if (item.get || item.put || item.patch || item.delete) this.paths[`${collectionPath}/{name}`] = item;

    if (t.subresources.status) {
      const statusItem: PathItem = { parameters: itemParams };
      this.readWrite(statusItem, objectSchema, 'Status', this.gvk);
      this.paths[`${collectionPath}/{name}/status`] = statusItem;
    }
    if (t.subresources.scale) {
      const scaleItem: PathItem = { parameters: itemParams };
      this.readWrite(scaleItem, refTo(SCALE), 'Scale', {
        group: 'autoscaling',
        version: 'v1',
        kind: 'Scale',
      });
      this.paths[`${collectionPath}/{name}/scale`] = scaleItem;
    }
  }
}

/** A custom resource's schema as served: the CRD schema plus the fields every object has. */
function customResourceSchema(type: ResourceType, registry: SchemaRegistry): Schema {
  const schema: Schema = structuredClone(registry.definition(type.schemaName) ?? { type: 'object' });
  schema.type = 'object';
  schema.properties = {
    ...schema.properties,
    apiVersion: { type: 'string', description: 'The versioned schema of this object: group/version.' },
    kind: { type: 'string', description: 'The kind of this object, in CamelCase.' },
    metadata: refTo(OBJECT_META),
  };
  schema['x-kubernetes-group-version-kind'] = [{ group: type.group, version: type.version, kind: type.kind }];
  return schema;
}

function customListSchema(type: ResourceType): Schema {
  return {
    type: 'object',
    description: `A list of ${type.kind} objects.`,
    required: ['items'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: refTo(LIST_META),
      items: { type: 'array', items: refTo(type.schemaName) },
    },
    'x-kubernetes-group-version-kind': [{ group: type.group, version: type.version, kind: type.listKind }],
  };
}

/** The merge-patch, JSON-patch or apply body of a PATCH: any JSON. */
const PATCH_SCHEMA: Schema = {
  type: 'object',
  description: 'A patch body; its format is given by the request Content-Type.',
};

/**
 * The OpenAPI 3.0 document of one group version: paths for each resource and, under
 * components.schemas, every definition those paths and kinds reach.
 */
export function openApiV3Document(
  groupVersion: string,
  resources: ResourceType[],
  registry: SchemaRegistry,
): OpenApiV3Document {
  const base = groupVersion.includes('/') ? `/apis/${groupVersion}` : `/api/${groupVersion}`;
  const paths: Record<string, PathItem> = {};
  const local: Record<string, Schema> = { [PATCH]: PATCH_SCHEMA };
  const roots = new Set<string>([STATUS, DELETE_OPTIONS, OBJECT_META, LIST_META]);

  for (const type of resources) {
    if (formatGroupVersion(type) !== groupVersion) continue;
    const builder = new PathBuilder(type, base);
    builder.build();
    Object.assign(paths, builder.paths);
    if (type.subresources.scale) roots.add(SCALE);
    if (type.builtin) {
      roots.add(type.schemaName);
      if (registry.has(listSchemaName(type))) roots.add(listSchemaName(type));
    } else {
      local[type.schemaName] = customResourceSchema(type, registry);
      const listName = listSchemaName(type);
      local[listName] = registry.has(listName)
        ? structuredClone(registry.definition(listName)!)
        : customListSchema(type);
    }
  }
  // Definitions built here may point into the registry (ObjectMeta, ListMeta...): include those too.
  for (const schema of Object.values(local)) {
    forEachRef(schema, (ref) => {
      const name = ref.replace(/^#\/components\/schemas\//, '');
      if (!(name in local)) roots.add(name);
    });
  }
  const schemas: Record<string, Schema> = {};
  for (const name of registry.reachable(roots)) schemas[name] = registry.definition(name)!;
  Object.assign(schemas, local);

  const sortedPaths: Record<string, PathItem> = {};
  for (const key of Object.keys(paths).sort()) sortedPaths[key] = paths[key]!;
  const sortedSchemas: Record<string, Schema> = {};
  for (const key of Object.keys(schemas).sort()) sortedSchemas[key] = schemas[key]!;

  return {
    openapi: '3.0.0',
    info: { title: 'Minato', version: groupVersion },
    paths: sortedPaths,
    components: {
      schemas: sortedSchemas,
      securitySchemes: {
        BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token' },
      },
    },
    security: [{ BearerToken: [] }],
  };
}
