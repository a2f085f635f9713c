/**
 * The causes schema checks produce that src/api/errors.ts has no constructor for, worded like
 * upstream's field errors so kubectl users see familiar text.
 */
import { fieldInvalid } from '../../api/errors.js';
import type { StatusCause } from '../../api/types.js';

/** The JSON type name of a value as the upstream validator prints it. */
export function jsonTypeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** How upstream's validator names the value it complains about: "spec.replicas in body", or "body". */
export function inBody(path: string): string {
  return path ? `${path} in body` : 'body';
}

export function typeMismatch(path: string, value: unknown, expected: string): StatusCause {
  const actual = jsonTypeName(value);
  return fieldInvalid(path, actual, `${inBody(path)} must be of type ${expected}: "${actual}"`);
}

export function fieldTooLong(path: string, max: number): StatusCause {
  return { reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than ${max} bytes` };
}

export function fieldTooMany(path: string, actual: number, max: number): StatusCause {
  return {
    reason: 'FieldValueTooMany',
    field: path,
    message: `Too many: ${actual}: must have at most ${max} items`,
  };
}

export function fieldDuplicate(path: string, value: unknown): StatusCause {
  return { reason: 'FieldValueDuplicate', field: path, message: `Duplicate value: ${JSON.stringify(value)}` };
}

/** The message upstream returns with fieldValidation=Strict (400 BadRequest). */
export function strictDecodingMessage(unknownFields: string[]): string {
  const fields = unknownFields.map((f) => `unknown field "${f.replace(/^\./, '')}"`);
  return `strict decoding error: ${fields.join(', ')}`;
}

/** The warnings upstream returns with fieldValidation=Warn, one per unknown field. */
export function unknownFieldWarnings(unknownFields: string[]): string[] {
  return unknownFields.map((f) => `unknown field "${f.replace(/^\./, '')}"`);
}
