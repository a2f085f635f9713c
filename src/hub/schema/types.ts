/**
 * One schema language for built-in kinds and CustomResourceDefinitions: the OpenAPI v3 subset
 * Kubernetes itself uses (JSONSchemaProps plus the x-kubernetes-* extensions). Validation, pruning,
 * defaulting, strategic merge patch, server-side apply, /openapi/v3 and `kubectl explain` all read it.
 */

export interface Schema {
  /** Reference into the definitions table, e.g. "#/components/schemas/io.k8s.api.core.v1.Container". */
  $ref?: string;
  /** Upstream wraps a $ref in allOf when a description is attached; treat allOf[0] like $ref. */
  allOf?: Schema[];
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  format?: string;
  description?: string;
  properties?: Record<string, Schema>;
  additionalProperties?: Schema | boolean;
  items?: Schema;
  required?: string[];
  enum?: unknown[];
  default?: unknown;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  oneOf?: Schema[];
  anyOf?: Schema[];
  not?: Schema;

  'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[];
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  /** Server-side apply list semantics. */
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  /** Strategic merge patch list semantics (built-in kinds only). */
  'x-kubernetes-patch-strategy'?: string;
  'x-kubernetes-patch-merge-key'?: string;
}

/** Resolves $ref/allOf indirections; implemented by the schema registry. */
export interface SchemaResolver {
  /** Follows $ref and single-element allOf until a concrete schema is reached. */
  resolve(schema: Schema): Schema;
  /** The schema of a property, an array item, or a map value; undefined when the schema does not say. */
  child(schema: Schema, key: string | number): Schema | undefined;
}
