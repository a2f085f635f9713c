/** Connects the ObjectService to the schema layer, kind strategies and field ownership. */
import type { KubeObject } from '../../api/types.js';
import { admitNodeCreate } from '../auth/node-admission.js';
import type { ResourceType } from '../registry/resource-type.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import type { Schema } from '../schema/types.js';
import { applyDefaults, pruneUnknownFields, validateObject } from '../schema/validate.js';
import { strategyFor } from './builtin-strategies.js';
import { crdStrategy } from './crd-strategy.js';
import { recordManagedFields } from './managed-fields.js';
import type { ObjectHooks } from './object-service.js';

export function rootSchema(schemas: SchemaRegistry, type: ResourceType): Schema | undefined {
  return schemas.definition(type.schemaName);
}

export function createObjectHooks(
  schemas: SchemaRegistry,
  extra: Pick<ObjectHooks, 'afterWrite'> = {},
): ObjectHooks {
  return {
    strategy(type) {
      if (type.group === 'apiextensions.k8s.io' && type.kind === 'CustomResourceDefinition')
        return crdStrategy(schemas);
      return strategyFor(type.group, type.kind);
    },
    checkSchema(type, obj: KubeObject) {
      const schema = rootSchema(schemas, type);
      if (!schema) return { causes: [], unknownFields: [] };
      // Built-in kinds: the schema catches unknown fields and wrong types; required fields and
      // deeper rules are the strategies' job, as upstream defaults many "required" fields.
      return validateObject(obj, schema, schemas, {
        required: !type.builtin,
        uniqueListMapKeys: !type.builtin,
      });
    },
    normalize(type, obj) {
      const schema = rootSchema(schemas, type);
      if (!schema) return;
      // Unknown fields never reach storage (Kubernetes' typed decoding drops them for built-ins too).
      pruneUnknownFields(obj, schema, schemas);
      if (!type.builtin) applyDefaults(obj, schema, schemas);
    },
    trackManagedFields(type, old, obj, manager, subresource) {
      recordManagedFields(schemas, type, old, obj, manager, subresource);
    },
    admit: admitNodeCreate,
    afterWrite: extra.afterWrite,
  };
}
