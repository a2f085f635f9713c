/**
 * Our transcription of the gnostic `openapi_v2` messages the hub sends (package openapi.v2,
 * `openapiv2/OpenAPIv2.proto`): per message, each field as "jsName number type", with `*` after the
 * type for a repeated field and `oneof` for a member of a oneof (written even when zero). Types are
 * `string`, `bool`, `int64`, `double` or a message name. Only field numbers and types come from the
 * .proto; the JS names are ours (camelCase, `_ref` becomes `ref`). Messages the hub never sends
 * (form-data and header parameters, OAuth security, XML, external docs…) are left out; a field that
 * points at one is left out too.
 */

export type Scalar = 'string' | 'bool' | 'int64' | 'double';

export interface FieldSpec {
  name: string;
  number: number;
  /** A scalar type or the name of another message in MESSAGES. */
  type: Scalar | string;
  repeated: boolean;
  /** Oneof members have presence: a false/zero/empty value is still written. */
  oneof: boolean;
}

export interface MessageSpec {
  name: string;
  byName: ReadonlyMap<string, FieldSpec>;
  byNumber: ReadonlyMap<number, FieldSpec>;
}

const TABLE: Record<string, string[]> = {
  Document: [
    'swagger 1 string',
    'info 2 Info',
    'host 3 string',
    'basePath 4 string',
    'schemes 5 string*',
    'consumes 6 string*',
    'produces 7 string*',
    'paths 8 Paths',
    'definitions 9 Definitions',
    'security 12 SecurityRequirement*',
    'securityDefinitions 13 SecurityDefinitions',
    'tags 14 Tag*',
    'vendorExtension 16 NamedAny*',
  ],
  Info: [
    'title 1 string',
    'version 2 string',
    'description 3 string',
    'termsOfService 4 string',
    'contact 5 Contact',
    'license 6 License',
    'vendorExtension 7 NamedAny*',
  ],
  Contact: ['name 1 string', 'url 2 string', 'email 3 string', 'vendorExtension 4 NamedAny*'],
  License: ['name 1 string', 'url 2 string', 'vendorExtension 3 NamedAny*'],
  Tag: ['name 1 string', 'description 2 string', 'vendorExtension 4 NamedAny*'],

  Paths: ['vendorExtension 1 NamedAny*', 'path 2 NamedPathItem*'],
  NamedPathItem: ['name 1 string', 'value 2 PathItem'],
  PathItem: [
    'ref 1 string',
    'get 2 Operation',
    'put 3 Operation',
    'post 4 Operation',
    'delete 5 Operation',
    'options 6 Operation',
    'head 7 Operation',
    'patch 8 Operation',
    'parameters 9 ParametersItem*',
    'vendorExtension 10 NamedAny*',
  ],
  Operation: [
    'tags 1 string*',
    'summary 2 string',
    'description 3 string',
    'operationId 5 string',
    'produces 6 string*',
    'consumes 7 string*',
    'parameters 8 ParametersItem*',
    'responses 9 Responses',
    'schemes 10 string*',
    'deprecated 11 bool',
    'security 12 SecurityRequirement*',
    'vendorExtension 13 NamedAny*',
  ],

  ParametersItem: ['parameter 1 Parameter oneof', 'jsonReference 2 JsonReference oneof'],
  JsonReference: ['ref 1 string', 'description 2 string'],
  Parameter: ['bodyParameter 1 BodyParameter oneof', 'nonBodyParameter 2 NonBodyParameter oneof'],
  BodyParameter: [
    'description 1 string',
    'name 2 string',
    'in 3 string',
    'required 4 bool',
    'schema 5 Schema',
    'vendorExtension 6 NamedAny*',
  ],
  NonBodyParameter: [
    'queryParameterSubSchema 3 QueryParameterSubSchema oneof',
    'pathParameterSubSchema 4 PathParameterSubSchema oneof',
  ],
  QueryParameterSubSchema: [
    'required 1 bool',
    'in 2 string',
    'description 3 string',
    'name 4 string',
    'allowEmptyValue 5 bool',
    'type 6 string',
    'format 7 string',
    'items 8 PrimitivesItems',
    'collectionFormat 9 string',
    'default 10 Any',
    'maximum 11 double',
    'exclusiveMaximum 12 bool',
    'minimum 13 double',
    'exclusiveMinimum 14 bool',
    'maxLength 15 int64',
    'minLength 16 int64',
    'pattern 17 string',
    'maxItems 18 int64',
    'minItems 19 int64',
    'uniqueItems 20 bool',
    'enum 21 Any*',
    'multipleOf 22 double',
    'vendorExtension 23 NamedAny*',
  ],
  PathParameterSubSchema: [
    'required 1 bool',
    'in 2 string',
    'description 3 string',
    'name 4 string',
    'type 5 string',
    'format 6 string',
    'items 7 PrimitivesItems',
    'collectionFormat 8 string',
    'default 9 Any',
    'maximum 10 double',
    'exclusiveMaximum 11 bool',
    'minimum 12 double',
    'exclusiveMinimum 13 bool',
    'maxLength 14 int64',
    'minLength 15 int64',
    'pattern 16 string',
    'maxItems 17 int64',
    'minItems 18 int64',
    'uniqueItems 19 bool',
    'enum 20 Any*',
    'multipleOf 21 double',
    'vendorExtension 22 NamedAny*',
  ],
  PrimitivesItems: [
    'type 1 string',
    'format 2 string',
    'items 3 PrimitivesItems',
    'collectionFormat 4 string',
    'default 5 Any',
    'maximum 6 double',
    'exclusiveMaximum 7 bool',
    'minimum 8 double',
    'exclusiveMinimum 9 bool',
    'maxLength 10 int64',
    'minLength 11 int64',
    'pattern 12 string',
    'maxItems 13 int64',
    'minItems 14 int64',
    'uniqueItems 15 bool',
    'enum 16 Any*',
    'multipleOf 17 double',
    'vendorExtension 18 NamedAny*',
  ],

  Responses: ['responseCode 1 NamedResponseValue*', 'vendorExtension 2 NamedAny*'],
  NamedResponseValue: ['name 1 string', 'value 2 ResponseValue'],
  ResponseValue: ['response 1 Response oneof', 'jsonReference 2 JsonReference oneof'],
  Response: ['description 1 string', 'schema 2 SchemaItem', 'vendorExtension 5 NamedAny*'],
  SchemaItem: ['schema 1 Schema oneof'],

  Definitions: ['additionalProperties 1 NamedSchema*'],
  NamedSchema: ['name 1 string', 'value 2 Schema'],
  Schema: [
    'ref 1 string',
    'format 2 string',
    'title 3 string',
    'description 4 string',
    'default 5 Any',
    'multipleOf 6 double',
    'maximum 7 double',
    'exclusiveMaximum 8 bool',
    'minimum 9 double',
    'exclusiveMinimum 10 bool',
    'maxLength 11 int64',
    'minLength 12 int64',
    'pattern 13 string',
    'maxItems 14 int64',
    'minItems 15 int64',
    'uniqueItems 16 bool',
    'maxProperties 17 int64',
    'minProperties 18 int64',
    'required 19 string*',
    'enum 20 Any*',
    'additionalProperties 21 AdditionalPropertiesItem',
    'type 22 TypeItem',
    'items 23 ItemsItem',
    'allOf 24 Schema*',
    'properties 25 Properties',
    'discriminator 26 string',
    'readOnly 27 bool',
    'example 30 Any',
    'vendorExtension 31 NamedAny*',
  ],
  AdditionalPropertiesItem: ['schema 1 Schema oneof', 'boolean 2 bool oneof'],
  TypeItem: ['value 1 string*'],
  ItemsItem: ['schema 1 Schema*'],
  Properties: ['additionalProperties 1 NamedSchema*'],

  NamedAny: ['name 1 string', 'value 2 Any'],
  /** Field 1 (a google.protobuf.Any) is never used: values travel as YAML text. */
  Any: ['yaml 2 string'],

  SecurityRequirement: ['additionalProperties 1 NamedStringArray*'],
  NamedStringArray: ['name 1 string', 'value 2 StringArray'],
  StringArray: ['value 1 string*'],
  SecurityDefinitions: ['additionalProperties 1 NamedSecurityDefinitionsItem*'],
  NamedSecurityDefinitionsItem: ['name 1 string', 'value 2 SecurityDefinitionsItem'],
  SecurityDefinitionsItem: ['apiKeySecurity 2 ApiKeySecurity oneof'],
  ApiKeySecurity: [
    'type 1 string',
    'name 2 string',
    'in 3 string',
    'description 4 string',
    'vendorExtension 5 NamedAny*',
  ],
};

const SCALARS = new Set<string>(['string', 'bool', 'int64', 'double']);

function parseTable(): Map<string, MessageSpec> {
  const messages = new Map<string, MessageSpec>();
  for (const [name, lines] of Object.entries(TABLE)) {
    const byName = new Map<string, FieldSpec>();
    const byNumber = new Map<number, FieldSpec>();
    for (const line of lines) {
      const [field, num, rawType, flag] = line.split(' ');
      const repeated = rawType!.endsWith('*');
      const spec: FieldSpec = {
        name: field!,
        number: Number(num),
        type: repeated ? rawType!.slice(0, -1) : rawType!,
        repeated,
        oneof: flag === 'oneof',
      };
      if (!Number.isInteger(spec.number) || spec.number < 1) throw new Error(`${name}.${field}: bad number`);
      if (byName.has(spec.name) || byNumber.has(spec.number)) throw new Error(`${name}.${field}: duplicate`);
      byName.set(spec.name, spec);
      byNumber.set(spec.number, spec);
    }
    messages.set(name, { name, byName, byNumber });
  }
  for (const message of messages.values()) {
    for (const field of message.byName.values()) {
      if (!SCALARS.has(field.type) && !messages.has(field.type)) {
        throw new Error(`${message.name}.${field.name}: unknown type ${field.type}`);
      }
    }
  }
  return messages;
}

export const MESSAGES: ReadonlyMap<string, MessageSpec> = parseTable();

export function isScalar(type: string): type is Scalar {
  return SCALARS.has(type);
}

export function messageSpec(name: string): MessageSpec {
  const spec = MESSAGES.get(name);
  if (!spec) throw new Error(`unknown openapi_v2 message ${name}`);
  return spec;
}
