/**
 * The Swagger 2.0 document in the shape of gnostic's `openapi_v2.Document` message, ready for
 * encode.ts. Maps become lists of named pairs (NamedPathItem, NamedSchema…), the `type` and `items`
 * keywords their wrapper messages (TypeItem, ItemsItem), parameters and responses their oneof
 * wrappers, and every vendor extension (and any other free-form value: `default`, `enum`) an `Any`
 * holding the value as YAML text, which is how kubectl reads them back.
 */
import { stringify } from 'yaml';
import type { ProtoMessage } from './encode.js';
import type {
  SwaggerDocument,
  SwaggerOperation,
  SwaggerParameter,
  SwaggerPathItem,
  SwaggerResponse,
  SwaggerSchema,
} from './swagger.js';
import { METHODS } from './swagger.js';

/**
 * A free-form value as gnostic's Any: YAML text. YAML 1.1 quoting, because kubectl reads it with a
 * YAML 1.1 parser (an unquoted `no` or `on` would come back as a boolean); no line folding.
 */
export function yamlAny(value: unknown): ProtoMessage {
  return { yaml: stringify(value, { version: '1.1', lineWidth: 0 }) };
}

/** The `x-…` keys of an object as NamedAny pairs, or undefined when there are none. */
function vendorExtensions(value: object): ProtoMessage[] | undefined {
  const out: ProtoMessage[] = [];
  for (const [name, v] of Object.entries(value)) {
    if (name.startsWith('x-') && v !== undefined) out.push({ name, value: yamlAny(v) });
  }
  return out.length > 0 ? out : undefined;
}

/**
 * Drops what proto3 would not put on the wire (unset, empty string, zero, false, empty list), so the
 * value is exactly what decoding the bytes gives back. Not for oneof wrappers, whose zero values count.
 */
function compact(message: ProtoMessage): ProtoMessage {
  for (const [key, v] of Object.entries(message)) {
    if (v === undefined || v === '' || v === 0 || v === false || (Array.isArray(v) && v.length === 0)) {
      delete message[key];
    }
  }
  return message;
}

export function schemaMessage(s: SwaggerSchema): ProtoMessage {
  return compact({
    ref: s.$ref,
    format: s.format,
    title: s.title,
    description: s.description,
    default: s.default === undefined ? undefined : yamlAny(s.default),
    multipleOf: s.multipleOf,
    maximum: s.maximum,
    exclusiveMaximum: s.exclusiveMaximum,
    minimum: s.minimum,
    exclusiveMinimum: s.exclusiveMinimum,
    maxLength: s.maxLength,
    minLength: s.minLength,
    pattern: s.pattern,
    maxItems: s.maxItems,
    minItems: s.minItems,
    uniqueItems: s.uniqueItems,
    maxProperties: s.maxProperties,
    minProperties: s.minProperties,
    required: s.required,
    enum: s.enum?.map(yamlAny),
    additionalProperties:
      s.additionalProperties === undefined
        ? undefined
        : typeof s.additionalProperties === 'boolean'
          ? { boolean: s.additionalProperties }
          : { schema: schemaMessage(s.additionalProperties) },
    type: s.type === undefined ? undefined : { value: [s.type] },
    items: s.items === undefined ? undefined : { schema: [schemaMessage(s.items)] },
    allOf: s.allOf?.map(schemaMessage),
    properties:
      s.properties === undefined
        ? undefined
        : compact({
            additionalProperties: Object.entries(s.properties).map(([name, sub]) => ({
              name,
              value: schemaMessage(sub),
            })),
          }),
    vendorExtension: vendorExtensions(s),
  });
}

function parameterMessage(p: SwaggerParameter): ProtoMessage {
  if (p.in === 'body') {
    const body = compact({
      description: p.description,
      name: p.name,
      in: p.in,
      required: p.required,
      schema: schemaMessage(p.schema),
    });
    return { parameter: { bodyParameter: body } };
  }
  const sub = compact({
    required: p.required,
    in: p.in,
    description: p.description,
    name: p.name,
    type: p.type,
    uniqueItems: p.uniqueItems,
  });
  const nonBody = p.in === 'query' ? { queryParameterSubSchema: sub } : { pathParameterSubSchema: sub };
  return { parameter: { nonBodyParameter: nonBody } };
}

function responseMessage(r: SwaggerResponse): ProtoMessage {
  return compact({
    description: r.description,
    schema: r.schema === undefined ? undefined : { schema: schemaMessage(r.schema) },
  });
}

function operationMessage(op: SwaggerOperation): ProtoMessage {
  return compact({
    tags: op.tags,
    description: op.description,
    operationId: op.operationId,
    produces: op.produces,
    consumes: op.consumes,
    parameters: op.parameters?.map(parameterMessage),
    responses: compact({
      responseCode: Object.entries(op.responses).map(([name, r]) => ({
        name,
        value: { response: responseMessage(r) },
      })),
    }),
    schemes: op.schemes,
    vendorExtension: vendorExtensions(op),
  });
}

function pathItemMessage(item: SwaggerPathItem): ProtoMessage {
  const out: ProtoMessage = {};
  for (const method of METHODS) {
    const op = item[method];
    if (op) out[method] = operationMessage(op);
  }
  out.parameters = item.parameters?.map(parameterMessage);
  return compact(out);
}

/** The whole document as an openapi_v2.Document value. */
export function documentMessage(doc: SwaggerDocument): ProtoMessage {
  return compact({
    swagger: doc.swagger,
    info: compact({ title: doc.info.title, version: doc.info.version }),
    paths: compact({
      path: Object.entries(doc.paths).map(([name, item]) => ({ name, value: pathItemMessage(item) })),
    }),
    definitions: compact({
      additionalProperties: Object.entries(doc.definitions).map(([name, s]) => ({
        name,
        value: schemaMessage(s),
      })),
    }),
    security: doc.security.map((requirement) =>
      compact({
        additionalProperties: Object.entries(requirement).map(([name, scopes]) => ({
          name,
          value: compact({ value: scopes }),
        })),
      }),
    ),
    securityDefinitions: {
      additionalProperties: Object.entries(doc.securityDefinitions).map(([name, d]) => ({
        name,
        value: {
          apiKeySecurity: compact({ type: d.type, name: d.name, in: d.in, description: d.description }),
        },
      })),
    },
  });
}
