/** Kubernetes name and label rules, with the messages kubectl users know. */
import { fieldInvalid, type StatusCause } from '../../api/index.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export type NameRule = 'subdomain' | 'label' | 'path-segment';

export function validateName(name: string, rule: NameRule, field = 'metadata.name'): StatusCause[] {
  if (rule === 'path-segment') {
    if (name === '.' || name === '..' || name.includes('/') || name.includes('%')) {
      return [fieldInvalid(field, name, 'may not be "." or ".." and may not contain "/" or "%"')];
    }
    return [];
  }
  if (rule === 'label') {
    if (name.length > 63) return [fieldInvalid(field, name, 'must be no more than 63 characters')];
    if (!DNS1123_LABEL.test(name)) {
      return [
        fieldInvalid(
          field,
          name,
          "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
        ),
      ];
    }
    return [];
  }
  if (name.length > 253) return [fieldInvalid(field, name, 'must be no more than 253 characters')];
  if (!DNS1123_SUBDOMAIN.test(name)) {
    return [
      fieldInvalid(
        field,
        name,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    ];
  }
  return [];
}

/** Label and annotation keys: an optional DNS subdomain prefix and a name of at most 63 characters. */
export function validateQualifiedName(key: string, field: string): StatusCause[] {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const causes: StatusCause[] = [];
  if (
    prefix !== undefined &&
    (prefix.length === 0 || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))
  ) {
    causes.push(fieldInvalid(field, key, 'prefix part must be a lowercase RFC 1123 subdomain'));
  }
  if (name.length === 0 || name.length > 63 || !QUALIFIED_NAME_PART.test(name)) {
    causes.push(
      fieldInvalid(
        field,
        key,
        "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') and be at most 63 characters",
      ),
    );
  }
  return causes;
}

export function validateLabels(labels: unknown, field = 'metadata.labels'): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  if (typeof labels !== 'object' || Array.isArray(labels))
    return [fieldInvalid(field, labels, 'must be a map of strings')];
  const causes: StatusCause[] = [];
  for (const [key, value] of Object.entries(labels)) {
    causes.push(...validateQualifiedName(key, field));
    if (typeof value !== 'string') causes.push(fieldInvalid(`${field}.${key}`, value, 'must be a string'));
    else if (value.length > 63 || !LABEL_VALUE.test(value)) {
      causes.push(
        fieldInvalid(
          field,
          value,
          "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?') and be at most 63 characters",
        ),
      );
    }
  }
  return causes;
}

/** Annotations: valid keys, string values, 256 KiB in total. */
export function validateAnnotations(annotations: unknown, field = 'metadata.annotations'): StatusCause[] {
  if (annotations === undefined || annotations === null) return [];
  if (typeof annotations !== 'object' || Array.isArray(annotations)) {
    return [fieldInvalid(field, annotations, 'must be a map of strings')];
  }
  const causes: StatusCause[] = [];
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    causes.push(...validateQualifiedName(key, field));
    if (typeof value !== 'string') causes.push(fieldInvalid(`${field}.${key}`, value, 'must be a string'));
    else total += key.length + value.length;
  }
  if (total > 256 * 1024) {
    causes.push({
      reason: 'FieldValueTooLong',
      field,
      message: `Too long: must have at most ${256 * 1024} bytes`,
    });
  }
  return causes;
}
