/**
 * Test helpers shared by this folder's tests: a registry of built-ins plus one custom resource whose
 * schema uses the keywords v2 handles specially, and a check of the rules kubectl's model parser
 * (kube-openapi's proto package) enforces on every definition, where one failure rejects the document.
 */
import { builtinResourceTypes } from '../registry/builtin-types.js';
import { ResourceRegistry } from '../registry/resource-registry.js';
import type { ResourceType } from '../registry/resource-type.js';
import { SchemaRegistry } from '../schema/schema-registry.js';
import type { Schema } from '../schema/types.js';
import { DEFINITIONS_PREFIX, type SwaggerDocument, type SwaggerSchema } from './swagger.js';

export const WIDGET_SCHEMA = 'com.example.v1.Widget';

export const WIDGET: ResourceType = {
  group: 'example.com',
  version: 'v1',
  kind: 'Widget',
  listKind: 'WidgetList',
  plural: 'widgets',
  singular: 'widget',
  namespaced: true,
  shortNames: [],
  categories: [],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: { status: true },
  schemaName: WIDGET_SCHEMA,
  builtin: false,
};

const WIDGET_DEFINITION: Schema = {
  type: 'object',
  description: 'A widget.',
  properties: {
    spec: {
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'integer', minimum: 1, maximum: 10, description: 'How big.' },
        color: { type: 'string', enum: ['red', 'no'], default: 'red' },
        note: { type: 'string', nullable: true },
        port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
        tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
        anything: { type: 'array' },
        extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  },
};

export function registries(withWidget = true): { registry: ResourceRegistry; schemas: SchemaRegistry } {
  const registry = new ResourceRegistry(builtinResourceTypes());
  const schemas = new SchemaRegistry();
  if (withWidget) {
    schemas.addDefinitions({ [WIDGET_SCHEMA]: structuredClone(WIDGET_DEFINITION) });
    registry.add(WIDGET);
  }
  return { registry, schemas };
}

/**
 * The problems kubectl 1.27/1.28 would report when building its models from these definitions
 * (each rule mirrors a refusal of its parser), as "path: problem" lines.
 */
export function kubectlModelProblems(doc: SwaggerDocument): string[] {
  const problems: string[] = [];
  const names = new Set(Object.keys(doc.definitions));
  const visit = (s: SwaggerSchema, path: string): void => {
    if (s.$ref !== undefined) {
      if (s.type !== undefined) problems.push(`${path}: a $ref with a type`);
      if (s.properties && Object.keys(s.properties).length > 0)
        problems.push(`${path}: a $ref with properties`);
      if (!s.$ref.startsWith(DEFINITIONS_PREFIX))
        problems.push(`${path}: $ref outside definitions: ${s.$ref}`);
      else if (!names.has(s.$ref.slice(DEFINITIONS_PREFIX.length)))
        problems.push(`${path}: unknown ${s.$ref}`);
      return;
    }
    if (s.type === 'array') {
      if (!s.items) problems.push(`${path}: an array without items`);
      else visit(s.items, `${path}[]`);
    } else if (
      s.type !== undefined &&
      !['object', 'string', 'integer', 'number', 'boolean'].includes(s.type)
    ) {
      problems.push(`${path}: unknown type ${s.type}`);
    }
    for (const [name, sub] of Object.entries(s.properties ?? {})) visit(sub, `${path}.${name}`);
    if (typeof s.additionalProperties === 'object') visit(s.additionalProperties, `${path}{}`);
  };
  for (const [name, schema] of Object.entries(doc.definitions)) visit(schema, name);
  return problems;
}
