/**
 * RFC 7386 JSON Merge Patch (application/merge-patch+json): objects merge key by key, null
 * deletes a key, and anything else (arrays included) replaces the target wholesale.
 */
import type { JsonValue } from '../../api/types.js';
import { cloneJson, getOwn, isJsonObject, setOwn } from './json-value.js';

/** Returns the patched document; neither input is modified nor shared with the result. */
export function applyMergePatch(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  return mergeInto(target === undefined ? undefined : cloneJson(target), patch);
}

/** `target` is a private copy here, so it may be reused in the result. */
function mergeInto(target: JsonValue | undefined, patch: JsonValue): JsonValue {
  if (!isJsonObject(patch)) return cloneJson(patch);
  const result = isJsonObject(target) ? target : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else setOwn(result, key, mergeInto(getOwn(result, key), value));
  }
  return result;
}
