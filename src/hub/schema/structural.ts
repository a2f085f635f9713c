/**
 * Checks that a CRD version's openAPIV3Schema is structural, the condition for Minato to validate,
 * prune, default and patch custom resources with it: every field has a type, no references, no
 * ambiguity between properties and additionalProperties, metadata left to the server, and value
 * validations (allOf/anyOf/oneOf/not) that only restrict what the structural part already declares.
 */
import { fieldForbidden, fieldInvalid, fieldNotSupported, fieldRequired } from '../../api/errors.js';
import { isPlainObject, type StatusCause } from '../../api/types.js';
import type { Schema, SchemaResolver } from './types.js';
import { validateObject } from './validate.js';

type Node = Record<string, unknown>;
type Level = 'root' | 'field' | 'item';

const TYPES = ['object', 'array', 'string', 'integer', 'number', 'boolean'];
const LIST_TYPES = ['atomic', 'set', 'map'];
const MAP_TYPES = ['granular', 'atomic'];
const JUNCTORS = ['allOf', 'anyOf', 'oneOf'] as const;
/** JSON Schema features Kubernetes does not support in CRDs at all. */
const UNSUPPORTED: Record<string, string> = {
  $ref: '$ref is not supported',
  definitions: 'definitions is not supported',
  patternProperties: 'patternProperties is not supported',
  additionalItems: 'additionalItems is not supported',
};
/** What value validations may not carry: it would change the shape, not just restrict values. */
const SHAPE_KEYWORDS = [
  'type',
  'additionalProperties',
  'description',
  'default',
  'nullable',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-embedded-resource',
  'x-kubernetes-int-or-string',
  'x-kubernetes-list-type',
  'x-kubernetes-list-map-keys',
  'x-kubernetes-map-type',
];

/** CRD schemas never use $ref, so checking a default needs no definitions table. */
const localResolver: SchemaResolver = {
  resolve: (schema) => schema,
  child: (schema, key) =>
    typeof key === 'number'
      ? schema.items
      : (schema.properties?.[key] ?? asSchema(schema.additionalProperties)),
};

function asSchema(value: unknown): Schema | undefined {
  return isPlainObject(value) ? (value as Schema) : undefined;
}

/**
 * Returns one cause per problem, with paths below `fieldPathPrefix`, e.g.
 * "spec.versions[0].schema.openAPIV3Schema.properties[spec].type".
 */
export function checkStructuralSchema(openAPIV3Schema: unknown, fieldPathPrefix: string): StatusCause[] {
  const causes: StatusCause[] = [];
  if (!isPlainObject(openAPIV3Schema)) {
    causes.push(fieldRequired(fieldPathPrefix, 'Required value: must be an object schema'));
    return causes;
  }
  checkNode(openAPIV3Schema, fieldPathPrefix, 'root', causes, { resource: true });
  return causes;
}

interface Context {
  /** The node is the root or an embedded resource: its metadata belongs to the server. */
  resource?: boolean;
  /** The node is inside metadata, where defaults are not allowed. */
  inMetadata?: boolean;
}

function checkNode(node: Node, path: string, level: Level, causes: StatusCause[], ctx: Context): void {
  for (const [key, why] of Object.entries(UNSUPPORTED)) {
    if (node[key] !== undefined) causes.push(fieldForbidden(`${path}.${key}`, why));
  }
  if (node.uniqueItems === true) {
    causes.push(
      fieldForbidden(
        `${path}.uniqueItems`,
        'uniqueItems cannot be set to true: checking it is quadratic in list size',
      ),
    );
  }
  const type = node.type;
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const preserve = node['x-kubernetes-preserve-unknown-fields'];
  const embedded = node['x-kubernetes-embedded-resource'] === true;

  if (type !== undefined && (typeof type !== 'string' || !TYPES.includes(type))) {
    causes.push(fieldNotSupported(`${path}.type`, type, TYPES));
  }
  if (intOrString && type !== undefined) {
    causes.push(fieldInvalid(`${path}.type`, type, 'must be empty if x-kubernetes-int-or-string is true'));
  } else if (level === 'root' && type !== 'object') {
    if (type === undefined)
      causes.push(fieldRequired(`${path}.type`, 'Required value: must not be empty at the root'));
    else causes.push(fieldInvalid(`${path}.type`, type, 'must be object at the root'));
  } else if (type === undefined && !intOrString && preserve !== true) {
    const where = level === 'item' ? 'for specified array items' : 'for specified object fields';
    causes.push(fieldRequired(`${path}.type`, `Required value: must not be empty ${where}`));
  }
  if (preserve !== undefined && preserve !== true) {
    causes.push(
      fieldInvalid(`${path}.x-kubernetes-preserve-unknown-fields`, preserve, 'must be true or undefined'),
    );
  }
  if (embedded) {
    if (type !== 'object') {
      causes.push(
        fieldInvalid(`${path}.type`, type ?? '', 'must be object if x-kubernetes-embedded-resource is true'),
      );
    }
    if (preserve !== true && node.properties === undefined) {
      causes.push(
        fieldRequired(
          `${path}.properties`,
          'Required value: must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields',
        ),
      );
    }
  }
  if (level === 'root' && node.nullable === true) {
    causes.push(fieldForbidden(`${path}.nullable`, 'nullable cannot be true at the root'));
  }
  if (node.default !== undefined) checkDefault(node, path, level, causes, ctx);

  checkShape(node, path, causes, ctx, embedded);
  checkListAndMapTypes(node, path, causes);
  checkValueValidations(node, path, causes);
}

/** properties / additionalProperties / items, and the recursion into them. */
function checkShape(node: Node, path: string, causes: StatusCause[], ctx: Context, embedded: boolean): void {
  const type = node.type;
  const properties = node.properties;
  const additional = node.additionalProperties;
  if (properties !== undefined && additional !== undefined) {
    causes.push(
      fieldForbidden(
        `${path}.additionalProperties`,
        'additionalProperties and properties are mutual exclusive',
      ),
    );
  }
  if (additional === false) {
    causes.push(
      fieldForbidden(`${path}.additionalProperties`, 'additionalProperties cannot be set to false'),
    );
  }
  if ((properties !== undefined || isPlainObject(additional)) && type !== undefined && type !== 'object') {
    causes.push(
      fieldInvalid(
        `${path}.type`,
        type,
        'must be object if properties or additionalProperties are specified',
      ),
    );
  }
  if (Array.isArray(node.items)) {
    causes.push(fieldForbidden(`${path}.items`, 'items must be a schema object and not an array'));
  } else if (isPlainObject(node.items)) {
    if (type !== undefined && type !== 'array') {
      causes.push(fieldInvalid(`${path}.type`, type, 'must be array if items are specified'));
    }
    checkNode(node.items, `${path}.items`, 'item', causes, { inMetadata: ctx.inMetadata });
  } else if (type === 'array') {
    causes.push(fieldRequired(`${path}.items`, 'Required value: must be specified'));
  }
  if (isPlainObject(additional)) {
    checkNode(additional, `${path}.additionalProperties`, 'field', causes, { inMetadata: ctx.inMetadata });
  }
  if (!isPlainObject(properties)) return;
  const isResource = ctx.resource || embedded;
  for (const [name, child] of Object.entries(properties)) {
    const childPath = `${path}.properties[${name}]`;
    if (!isPlainObject(child)) {
      causes.push(fieldInvalid(childPath, child, 'must be a schema object'));
      continue;
    }
    if (isResource && name === 'metadata') checkMetadata(child, childPath, causes);
    if (
      isResource &&
      (name === 'apiVersion' || name === 'kind') &&
      child.type !== undefined &&
      child.type !== 'string'
    ) {
      causes.push(fieldInvalid(`${childPath}.type`, child.type, 'must be string'));
    }
    checkNode(child, childPath, 'field', causes, {
      resource: child['x-kubernetes-embedded-resource'] === true,
      inMetadata: ctx.inMetadata || (isResource && name === 'metadata'),
    });
  }
}

/** The server owns metadata: a schema may only restrict name and generateName, as strings. */
function checkMetadata(meta: Node, path: string, causes: StatusCause[]): void {
  if (meta.type !== undefined && meta.type !== 'object') {
    causes.push(fieldInvalid(`${path}.type`, meta.type, 'must be object'));
  }
  const props = isPlainObject(meta.properties) ? meta.properties : {};
  const extra = Object.keys(props).filter((k) => k !== 'name' && k !== 'generateName');
  if (extra.length > 0 || meta.additionalProperties !== undefined) {
    causes.push(
      fieldForbidden(
        path,
        'must not specify anything other than name and generateName, but metadata is implicitly specified',
      ),
    );
  }
  for (const key of ['name', 'generateName']) {
    const prop = props[key];
    if (isPlainObject(prop) && prop.type !== 'string') {
      causes.push(fieldInvalid(`${path}.properties[${key}].type`, prop.type ?? '', 'must be string'));
    }
  }
}

function checkDefault(node: Node, path: string, level: Level, causes: StatusCause[], ctx: Context): void {
  if (level === 'root') {
    causes.push(fieldForbidden(`${path}.default`, 'must not be set at the root'));
    return;
  }
  if (ctx.inMetadata) {
    causes.push(fieldForbidden(`${path}.default`, 'must not be set inside metadata'));
    return;
  }
  // The default must itself be a valid, already-pruned value of this node.
  const result = validateObject(node.default, node as Schema, localResolver, {
    root: false,
    required: false,
  });
  for (const cause of result.causes) {
    causes.push({ ...cause, field: `${path}.default${cause.field ? `.${cause.field}` : ''}` });
  }
  if (result.unknownFields.length > 0) {
    causes.push(
      fieldInvalid(
        `${path}.default`,
        node.default,
        `must not have unknown fields: ${result.unknownFields.join(', ')}`,
      ),
    );
  }
}

function checkListAndMapTypes(node: Node, path: string, causes: StatusCause[]): void {
  const listType = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  const mapType = node['x-kubernetes-map-type'];
  if (listType !== undefined) {
    if (typeof listType !== 'string' || !LIST_TYPES.includes(listType)) {
      causes.push(fieldNotSupported(`${path}.x-kubernetes-list-type`, listType, LIST_TYPES));
    } else if (node.type !== 'array') {
      causes.push(
        fieldInvalid(`${path}.type`, node.type ?? '', 'must be array if x-kubernetes-list-type is specified'),
      );
    }
  }
  const items = isPlainObject(node.items) ? node.items : undefined;
  if (listType === 'map') {
    if (!Array.isArray(keys) || keys.length === 0) {
      causes.push(
        fieldRequired(
          `${path}.x-kubernetes-list-map-keys`,
          'Required value: must not be empty if x-kubernetes-list-type is map',
        ),
      );
    } else if (items) {
      checkMapKeys(items, keys, path, causes);
    }
  } else if (keys !== undefined) {
    causes.push(
      fieldForbidden(
        `${path}.x-kubernetes-list-map-keys`,
        'must not be set if x-kubernetes-list-type is not map',
      ),
    );
  }
  if (listType === 'set' && items?.type === 'object' && items['x-kubernetes-map-type'] !== 'atomic') {
    causes.push(
      fieldInvalid(
        `${path}.items.x-kubernetes-map-type`,
        items['x-kubernetes-map-type'] ?? '',
        'must be atomic as item of a list with x-kubernetes-list-type=set',
      ),
    );
  }
  if (mapType !== undefined) {
    if (typeof mapType !== 'string' || !MAP_TYPES.includes(mapType)) {
      causes.push(fieldNotSupported(`${path}.x-kubernetes-map-type`, mapType, MAP_TYPES));
    } else if (node.type !== 'object') {
      causes.push(
        fieldInvalid(`${path}.type`, node.type ?? '', 'must be object if x-kubernetes-map-type is specified'),
      );
    }
  }
}

/** Keys of a map list must be scalar fields of the items that are always present. */
function checkMapKeys(items: Node, keys: unknown[], path: string, causes: StatusCause[]): void {
  if (items.type !== 'object') {
    causes.push(
      fieldInvalid(
        `${path}.items.type`,
        items.type ?? '',
        "must be object if parent array's x-kubernetes-list-type is map",
      ),
    );
    return;
  }
  const props = isPlainObject(items.properties) ? items.properties : {};
  const required = Array.isArray(items.required) ? items.required : [];
  keys.forEach((key, i) => {
    const keyPath = `${path}.x-kubernetes-list-map-keys[${i}]`;
    const prop = typeof key === 'string' ? props[key] : undefined;
    if (!isPlainObject(prop)) {
      causes.push(fieldInvalid(keyPath, key, 'entries must all be names of item properties'));
      return;
    }
    if (prop.type === 'object' || prop.type === 'array') {
      causes.push(
        fieldInvalid(
          `${path}.items.properties[${key}].type`,
          prop.type,
          "must be a scalar type if parent array's x-kubernetes-list-type is map",
        ),
      );
    }
    if (!required.includes(key) && prop.default === undefined) {
      causes.push(
        fieldRequired(
          `${path}.items.properties[${key}]`,
          'Required value: all map keys must be required or have a default value',
        ),
      );
    }
  });
}

/** allOf/anyOf/oneOf/not may restrict values but not declare shape. */
function checkValueValidations(node: Node, path: string, causes: StatusCause[]): void {
  const intOrString = node['x-kubernetes-int-or-string'] === true;
  const declared = isPlainObject(node.properties) ? node.properties : {};
  const visit = (sub: unknown, subPath: string): void => {
    if (!isPlainObject(sub)) {
      causes.push(fieldInvalid(subPath, sub, 'must be a schema object'));
      return;
    }
    checkValueValidationNode(sub, subPath, causes, intOrString);
    if (isPlainObject(sub.properties)) {
      for (const name of Object.keys(sub.properties)) {
        if (
          !(name in declared) &&
          node['x-kubernetes-preserve-unknown-fields'] !== true &&
          node.additionalProperties === undefined
        ) {
          causes.push(
            fieldForbidden(
              `${subPath}.properties[${name}]`,
              'must be declared in the structural part of the schema too',
            ),
          );
        }
      }
    }
  };
  for (const junctor of JUNCTORS) {
    const list = node[junctor];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      causes.push(fieldInvalid(`${path}.${junctor}`, list, 'must be a list of schemas'));
      continue;
    }
    for (const [i, sub] of list.entries()) visit(sub, `${path}.${junctor}[${i}]`);
  }
  if (node.not !== undefined) visit(node.not, `${path}.not`);
}

function checkValueValidationNode(
  node: Node,
  path: string,
  causes: StatusCause[],
  intOrString: boolean,
): void {
  for (const keyword of SHAPE_KEYWORDS) {
    if (node[keyword] === undefined) continue;
    // The int-or-string idiom: anyOf: [{type: integer}, {type: string}].
    if (keyword === 'type' && intOrString && (node.type === 'integer' || node.type === 'string')) continue;
    causes.push(fieldForbidden(`${path}.${keyword}`, 'must be empty to be structural'));
  }
  for (const [key, why] of Object.entries(UNSUPPORTED)) {
    if (node[key] !== undefined) causes.push(fieldForbidden(`${path}.${key}`, why));
  }
  for (const [name, child] of Object.entries(isPlainObject(node.properties) ? node.properties : {})) {
    if (isPlainObject(child)) checkValueValidationNode(child, `${path}.properties[${name}]`, causes, false);
  }
  if (isPlainObject(node.items)) checkValueValidationNode(node.items, `${path}.items`, causes, false);
  for (const junctor of JUNCTORS) {
    const list = node[junctor];
    if (Array.isArray(list)) {
      list.forEach((sub, i) => {
        if (isPlainObject(sub))
          checkValueValidationNode(sub, `${path}.${junctor}[${i}]`, causes, intOrString);
      });
    }
  }
  if (isPlainObject(node.not)) checkValueValidationNode(node.not, `${path}.not`, causes, intOrString);
}
