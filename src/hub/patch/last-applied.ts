/**
 * The bridge from client-side to server-side apply, as the apiserver builds it for the manager
 * named "kubectl": fields recorded in kubectl's last-applied-configuration annotation (and still
 * holding those values) may be taken over without a conflict, and while that annotation exists
 * it keeps tracking what was server-side applied, so switching back stays possible too.
 */
import type { JsonObject, JsonValue } from '../../api/types.js';
import type { Schema, SchemaResolver } from '../schema/types.js';
import type { FieldSet } from './field-set.js';
import { canonicalJson, isJsonObject } from './json-value.js';
import { completeListKeys } from './key-completion.js';
import { compareValues, fieldSetOf } from './typed-fields.js';

export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration';
/** Only this field manager gets the client-side apply upgrade path, as upstream. */
export const KUBECTL_APPLY_MANAGER = 'kubectl';
/** metadata.annotations may hold at most this many bytes (keys plus values). */
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function annotationsOf(object: JsonObject): JsonObject | undefined {
  const metadata = object.metadata;
  if (!isJsonObject(metadata)) return undefined;
  return isJsonObject(metadata.annotations) ? metadata.annotations : undefined;
}

export function hasLastApplied(object: JsonObject): boolean {
  return typeof annotationsOf(object)?.[LAST_APPLIED_ANNOTATION] === 'string';
}

/**
 * Fields the last client-side apply set that still hold the value it set: a server-side apply by
 * "kubectl" may take them over even where another manager (kubectl-client-side-apply) owns them.
 * Undefined when there is no usable annotation.
 */
export function fieldsAllowedByLastApplied(
  live: JsonObject,
  schema: Schema | undefined,
  resolver: SchemaResolver,
): FieldSet | undefined {
  const text = annotationsOf(live)?.[LAST_APPLIED_ANNOTATION];
  if (typeof text !== 'string') return undefined;
  try {
    const parsed = JSON.parse(text) as JsonValue;
    if (!isJsonObject(parsed)) return undefined;
    const lastApplied = completeListKeys(parsed, live, schema, resolver).config;
    const recorded = fieldSetOf(lastApplied, schema, resolver);
    return recorded.difference(compareValues(lastApplied, live, schema, resolver).modified);
  } catch {
    return undefined; // an unreadable annotation grants nothing
  }
}

/**
 * The object with its last-applied annotation replaced by the applied configuration (minus that
 * annotation), the way kubectl itself writes it; the annotation is dropped if it would not fit.
 */
export function withLastAppliedUpdated(object: JsonObject, applied: JsonObject): JsonObject {
  if (!hasLastApplied(object)) return object;
  const recorded = structuredClone(applied);
  const recordedAnnotations = annotationsOf(recorded);
  if (recordedAnnotations) {
    delete recordedAnnotations[LAST_APPLIED_ANNOTATION];
    if (Object.keys(recordedAnnotations).length === 0) delete (recorded.metadata as JsonObject).annotations;
  }
  const annotations: JsonObject = {
    ...annotationsOf(object),
    [LAST_APPLIED_ANNOTATION]: `${canonicalJson(recorded)}\n`,
  };
  if (annotationBytes(annotations) > MAX_ANNOTATIONS_BYTES) delete annotations[LAST_APPLIED_ANNOTATION];
  const metadata: JsonObject = { ...(object.metadata as JsonObject) };
  if (Object.keys(annotations).length > 0) metadata.annotations = annotations;
  else delete metadata.annotations;
  return { ...object, metadata };
}

function annotationBytes(annotations: JsonObject): number {
  let total = 0;
  for (const [key, value] of Object.entries(annotations)) {
    total += Buffer.byteLength(key) + Buffer.byteLength(typeof value === 'string' ? value : '');
  }
  return total;
}
