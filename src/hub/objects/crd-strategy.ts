/** Validation of CustomResourceDefinitions: names, versions, schemas and printer columns. */
import {
  fieldInvalid,
  fieldRequired,
  isPlainObject,
  type KubeObject,
  type StatusCause,
} from '../../api/index.js';
import { validateJsonPath } from '../printers/index.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import { checkStructuralSchema } from '../schema/structural.js';
import type { KindStrategy } from './strategy.js';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

export function crdStrategy(_schemas: SchemaRegistry): KindStrategy {
  return {
    prepareForCreate(obj) {
      obj.status = { conditions: [], acceptedNames: { plural: '', kind: '' }, storedVersions: [] };
    },
    validate(obj, old) {
      return validateCrd(obj, old);
    },
  };
}

function validateCrd(obj: KubeObject, old: KubeObject | undefined): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = obj.spec;
  if (!isPlainObject(spec)) return [fieldRequired('spec')];
  const group = spec.group;
  const names = isPlainObject(spec.names) ? spec.names : {};
  if (typeof group !== 'string' || !group.includes('.')) {
    causes.push(fieldInvalid('spec.group', group, 'should be a domain with at least one dot'));
  }
  if (typeof names.plural !== 'string' || !DNS_LABEL.test(names.plural)) {
    causes.push(fieldInvalid('spec.names.plural', names.plural, 'a lowercase RFC 1123 label is required'));
  }
  if (typeof names.kind !== 'string' || !/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) {
    causes.push(
      fieldInvalid(
        'spec.names.kind',
        names.kind,
        'must be a valid kind name (letters and digits, starting with a letter)',
      ),
    );
  }
  if (
    names.singular !== undefined &&
    (typeof names.singular !== 'string' || !DNS_LABEL.test(names.singular))
  ) {
    causes.push(
      fieldInvalid('spec.names.singular', names.singular, 'a lowercase RFC 1123 label is required'),
    );
  }
  if (
    typeof names.plural === 'string' &&
    typeof group === 'string' &&
    obj.metadata.name !== `${names.plural}.${group}`
  ) {
    causes.push(fieldInvalid('metadata.name', obj.metadata.name, 'must be spec.names.plural+"."+spec.group'));
  }
  if (!['Namespaced', 'Cluster'].includes(spec.scope as string)) {
    causes.push({
      reason: 'FieldValueNotSupported',
      field: 'spec.scope',
      message: `Unsupported value: ${JSON.stringify(spec.scope)}: supported values: "Cluster", "Namespaced"`,
    });
  }
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0)
    causes.push(
      fieldRequired(
        'spec.versions',
        'Invalid value: must have exactly one version marked as storage version',
      ),
    );
  if (versions.filter((v) => isPlainObject(v) && v.storage === true).length !== 1) {
    causes.push(
      fieldInvalid(
        'spec.versions',
        versions.map((v) => (isPlainObject(v) ? v.name : v)),
        'must have exactly one version marked as storage version',
      ),
    );
  }
  versions.forEach((v, i) => {
    if (!isPlainObject(v)) return;
    const at = `spec.versions[${i}]`;
    if (
      typeof v.name !== 'string' ||
      (!/^v[0-9]+((alpha|beta)[0-9]+)?$/.test(v.name) && !DNS_LABEL.test(v.name))
    ) {
      causes.push(fieldInvalid(`${at}.name`, v.name, 'must be a DNS-1035 label such as v1 or v1beta1'));
    }
    const schema = isPlainObject(v.schema) ? v.schema.openAPIV3Schema : undefined;
    if (schema === undefined)
      causes.push(fieldRequired(`${at}.schema.openAPIV3Schema`, 'Required value: schemas are required'));
    else causes.push(...checkStructuralSchema(schema as never, `${at}.schema.openAPIV3Schema`));
    const columns = Array.isArray(v.additionalPrinterColumns) ? v.additionalPrinterColumns : [];
    columns.forEach((c, j) => {
      if (!isPlainObject(c)) return;
      const problem =
        typeof c.jsonPath === 'string' ? validateJsonPath(c.jsonPath) : 'a JSONPath is required';
      if (problem)
        causes.push(fieldInvalid(`${at}.additionalPrinterColumns[${j}].jsonPath`, c.jsonPath, problem));
    });
  });
  if (old && old.spec?.group !== spec.group)
    causes.push(fieldInvalid('spec.group', spec.group, 'field is immutable'));
  if (old && old.spec?.scope !== spec.scope)
    causes.push(fieldInvalid('spec.scope', spec.scope, 'field is immutable'));
  return causes;
}
