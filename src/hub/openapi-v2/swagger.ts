/**
 * The Swagger 2.0 (OpenAPI v2) document of everything the hub serves, as kubectl 1.27/1.28 read it.
 * It is derived from the /openapi/v3 documents (one per group version, built from the resource and
 * schema registries), so both versions always describe the same paths and schemas:
 *
 * - `$ref: '#/components/schemas/X'` becomes `#/definitions/X`;
 * - a request body becomes a `body` parameter plus `consumes`, response content a `schema` plus
 *   `produces`; v3 parameter schemas become v2 `type`s;
 * - schema keywords v2 lacks are dropped (`oneOf`, `anyOf`, `not`); `nullable` becomes the vendor
 *   extension `x-nullable` and leaves the schema untyped (no type, items or properties), so a null
 *   passes kubectl's client-side validation; `x-kubernetes-*` extensions are kept as they are.
 *
 * kubectl rejects the whole document when one definition does not parse, so the output keeps to
 * what its parser accepts: a `$ref` never carries a type or properties, an array always has one
 * `items` schema, and a `$ref` to a definition that is not in the document is replaced by an
 * untyped schema.
 */
import type { ResourceRegistry } from '../registry/resource-registry.js';
import { refName } from '../schema/definition-names.js';
import {
  type OpenApiV3Document,
  type Operation,
  openApiV3Document,
  type Parameter,
  type PathItem,
} from '../schema/openapi.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import type { Schema } from '../schema/types.js';

export const DEFINITIONS_PREFIX = '#/definitions/';

/** Vendor extensions: any key starting with "x-". */
export type Extensions = { [key: `x-${string}`]: unknown };

export type SwaggerSchema = Extensions & {
  $ref?: string;
  type?: string;
  format?: string;
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  multipleOf?: number;
  maximum?: number;
  exclusiveMaximum?: boolean;
  minimum?: number;
  exclusiveMinimum?: boolean;
  maxLength?: number;
  minLength?: number;
  pattern?: string;
  maxItems?: number;
  minItems?: number;
  uniqueItems?: boolean;
  maxProperties?: number;
  minProperties?: number;
  required?: string[];
  items?: SwaggerSchema;
  allOf?: SwaggerSchema[];
  properties?: Record<string, SwaggerSchema>;
  additionalProperties?: SwaggerSchema | boolean;
};

export interface BodyParameter {
  name: string;
  in: 'body';
  description?: string;
  required?: boolean;
  schema: SwaggerSchema;
}

export interface NonBodyParameter {
  name: string;
  in: 'query' | 'path';
  description?: string;
  required?: boolean;
  type: string;
  uniqueItems?: boolean;
}

export type SwaggerParameter = BodyParameter | NonBodyParameter;

export interface SwaggerResponse {
  description: string;
  schema?: SwaggerSchema;
}

export type SwaggerOperation = Extensions & {
  tags?: string[];
  description?: string;
  operationId?: string;
  consumes?: string[];
  produces?: string[];
  schemes?: string[];
  parameters?: SwaggerParameter[];
  responses: Record<string, SwaggerResponse>;
};

export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;
export type Method = (typeof METHODS)[number];

export type SwaggerPathItem = { parameters?: SwaggerParameter[] } & { [M in Method]?: SwaggerOperation };

export interface SwaggerDocument {
  swagger: '2.0';
  info: { title: string; version: string };
  paths: Record<string, SwaggerPathItem>;
  definitions: Record<string, SwaggerSchema>;
  securityDefinitions: Record<string, { type: 'apiKey'; name: string; in: 'header'; description?: string }>;
  security: Record<string, string[]>[];
}

const SCALAR_KEYWORDS = [
  'format',
  'title',
  'description',
  'multipleOf',
  'maximum',
  'exclusiveMaximum',
  'minimum',
  'exclusiveMinimum',
  'maxLength',
  'minLength',
  'pattern',
  'maxItems',
  'minItems',
  'uniqueItems',
  'maxProperties',
  'minProperties',
] as const;

function swaggerRef(ref: string): string {
  const name = refName(ref);
  return name === undefined ? ref : `${DEFINITIONS_PREFIX}${name}`;
}

function copyExtensions(from: object, to: Extensions): void {
  for (const [key, value] of Object.entries(from)) {
    if (key.startsWith('x-') && value !== undefined) to[key as `x-${string}`] = structuredClone(value);
  }
}

/** One OpenAPI v3 schema (as the schema registry holds it) as a Swagger 2.0 schema. */
export function toSwaggerSchema(schema: Schema): SwaggerSchema {
  // Upstream wraps a $ref in a one-element allOf to attach a description; v2 puts it beside the $ref.
  if (
    schema.$ref === undefined &&
    schema.allOf?.length === 1 &&
    schema.allOf[0]!.$ref !== undefined &&
    schema.type === undefined &&
    schema.properties === undefined
  ) {
    const inner = toSwaggerSchema(schema.allOf[0]!);
    const out: SwaggerSchema = { $ref: inner.$ref! };
    const description = schema.description ?? inner.description;
    if (description !== undefined) out.description = description;
    copyExtensions(inner, out);
    copyExtensions(schema, out);
    return out;
  }
  if (schema.$ref !== undefined) {
    // kubectl refuses a $ref with a type or properties beside it; a description and extensions are fine.
    const out: SwaggerSchema = { $ref: swaggerRef(schema.$ref) };
    if (schema.description !== undefined) out.description = schema.description;
    copyExtensions(schema, out);
    return out;
  }

  const out: SwaggerSchema = {};
  if (schema.type !== undefined) out.type = schema.type;
  // CRD schemas may carry keywords the Schema type does not list (title, multipleOf).
  const keywords = schema as Record<string, unknown>;
  for (const key of SCALAR_KEYWORDS) {
    const value = keywords[key];
    if (value !== undefined) (out as Record<string, unknown>)[key] = value;
  }
  if (schema.default !== undefined) out.default = structuredClone(schema.default);
  if (schema.enum !== undefined) out.enum = structuredClone(schema.enum);
  if (schema.required !== undefined && schema.required.length > 0) out.required = [...schema.required];
  if (schema.items !== undefined) out.items = toSwaggerSchema(schema.items);
  if (schema.allOf !== undefined && schema.allOf.length > 0) out.allOf = schema.allOf.map(toSwaggerSchema);
  if (schema.properties !== undefined) {
    out.properties = {};
    for (const [name, sub] of Object.entries(schema.properties)) out.properties[name] = toSwaggerSchema(sub);
  }
  if (schema.additionalProperties !== undefined) {
    out.additionalProperties =
      typeof schema.additionalProperties === 'boolean'
        ? schema.additionalProperties
        : toSwaggerSchema(schema.additionalProperties);
  }
  copyExtensions(schema, out);
  if (out.type === 'array' && out.items === undefined) out.items = {};
  if (schema.nullable) {
    // v2 has no null: an untyped value is the only way kubectl's client-side validation accepts one.
    out['x-nullable'] = true;
    delete out.type;
    delete out.items;
    delete out.properties;
  }
  return out;
}

/** Replaces every $ref that names no definition of the document with an untyped schema, in place. */
export function dropDanglingRefs(schema: SwaggerSchema, known: ReadonlySet<string>): void {
  if (schema.$ref !== undefined) {
    const name = schema.$ref.startsWith(DEFINITIONS_PREFIX)
      ? schema.$ref.slice(DEFINITIONS_PREFIX.length)
      : undefined;
    if (name === undefined || !known.has(name)) delete schema.$ref;
    return;
  }
  if (schema.items) dropDanglingRefs(schema.items, known);
  for (const sub of schema.allOf ?? []) dropDanglingRefs(sub, known);
  for (const sub of Object.values(schema.properties ?? {})) dropDanglingRefs(sub, known);
  if (typeof schema.additionalProperties === 'object') dropDanglingRefs(schema.additionalProperties, known);
}

function nonBodyParameter(p: Parameter): NonBodyParameter {
  const out: NonBodyParameter = { name: p.name, in: p.in, type: p.schema.type ?? 'string' };
  if (p.description) out.description = p.description;
  if (p.required) out.required = true;
  out.uniqueItems = true;
  return out;
}

function toSwaggerOperation(op: Operation): SwaggerOperation {
  const parameters: SwaggerParameter[] = [];
  let consumes: string[] | undefined;
  if (op.requestBody) {
    const schema = Object.values(op.requestBody.content)[0]?.schema ?? {};
    const body: BodyParameter = { name: 'body', in: 'body', schema: toSwaggerSchema(schema) };
    if (op.requestBody.required) body.required = true;
    parameters.push(body);
    consumes = Object.keys(op.requestBody.content);
  }
  for (const p of op.parameters ?? []) parameters.push(nonBodyParameter(p));
  const responses: Record<string, SwaggerResponse> = {};
  const produces = new Set<string>();
  for (const [code, response] of Object.entries(op.responses)) {
    const v2: SwaggerResponse = { description: response.description };
    const content = Object.entries(response.content ?? {});
    if (content.length > 0) v2.schema = toSwaggerSchema(content[0]![1].schema);
    for (const [type] of content) produces.add(type);
    responses[code] = v2;
  }

  const out: SwaggerOperation = {
    ...(op.tags.length > 0 ? { tags: [...op.tags] } : {}),
    description: op.description,
    operationId: op.operationId,
    ...(consumes ? { consumes } : {}),
    ...(produces.size > 0 ? { produces: [...produces] } : {}),
    schemes: ['https'],
    ...(parameters.length > 0 ? { parameters } : {}),
    responses,
  };
  copyExtensions(op, out);
  return out;
}

function toSwaggerPathItem(item: PathItem): SwaggerPathItem {
  const out: SwaggerPathItem = {};
  if (item.parameters?.length) out.parameters = item.parameters.map(nonBodyParameter);
  for (const method of METHODS) {
    const op = item[method];
    if (op) out[method] = toSwaggerOperation(op);
  }
  return out;
}

export interface SwaggerInfo {
  title: string;
  version: string;
}

/** Merges per-group-version v3 documents into one Swagger 2.0 document. */
export function swaggerFromV3(documents: OpenApiV3Document[], info: SwaggerInfo): SwaggerDocument {
  const paths: Record<string, SwaggerPathItem> = {};
  const definitions: Record<string, SwaggerSchema> = {};
  for (const doc of documents) {
    for (const [path, item] of Object.entries(doc.paths)) paths[path] = toSwaggerPathItem(item);
    for (const [name, schema] of Object.entries(doc.components.schemas)) {
      // Shared definitions (ObjectMeta, Status...) come from the same registry in every document.
      definitions[name] ??= toSwaggerSchema(schema);
    }
  }
  const known = new Set(Object.keys(definitions));
  for (const schema of Object.values(definitions)) dropDanglingRefs(schema, known);

  const sorted = <T>(record: Record<string, T>): Record<string, T> => {
    const out: Record<string, T> = {};
    for (const key of Object.keys(record).sort()) out[key] = record[key]!;
    return out;
  };
  return {
    swagger: '2.0',
    info: { ...info },
    paths: sorted(paths),
    definitions: sorted(definitions),
    securityDefinitions: {
      BearerToken: { type: 'apiKey', name: 'authorization', in: 'header', description: 'Bearer token' },
    },
    security: [{ BearerToken: [] }],
  };
}

/** The Swagger 2.0 document of every resource the registry serves right now. */
export function swaggerDocument(
  registry: ResourceRegistry,
  schemas: SchemaRegistry,
  info: SwaggerInfo,
): SwaggerDocument {
  const documents: OpenApiV3Document[] = [];
  for (const { group, versions } of registry.groupVersions()) {
    for (const version of versions) {
      const gv = group ? `${group}/${version}` : version;
      documents.push(openApiV3Document(gv, registry.inGroupVersion(group, version), schemas));
    }
  }
  return swaggerFromV3(documents, info);
}
