/**
 * RFC 6902 JSON Patch (application/json-patch+json). Operations apply in order to a copy of the
 * document; the first failure aborts the whole patch, so callers never see a half-patched object.
 */
import { ApiError, badRequest } from '../../api/errors.js';
import type { JsonValue } from '../../api/types.js';
import { parseArrayIndex, parseJsonPointer } from './json-pointer.js';
import { cloneJson, isJsonObject, jsonEqual, setOwn } from './json-value.js';

export type JsonPatchOp = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

export interface JsonPatchOperation {
  op: JsonPatchOp;
  path: string;
  from?: string;
  value?: JsonValue;
}

/** The apiserver refuses larger patches so one request cannot burn unbounded CPU. */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

const KNOWN_OPS: ReadonlySet<string> = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);

/** A patch that is well-formed JSON but cannot apply to this document: 422, as the apiserver answers. */
function patchFailed(message: string): ApiError {
  return new ApiError(422, 'Invalid', message);
}

/**
 * Applies a JSON Patch body (already JSON-parsed) to a document and returns the new document.
 * A body that is not an array is a 400; an operation that cannot apply is a 422 naming the path.
 */
export function applyJsonPatch(document: JsonValue, patch: unknown): JsonValue {
  const operations = decodeJsonPatch(patch);
  let root = cloneJson(document);
  for (const operation of operations) root = applyOperation(root, operation);
  return root;
}

/** Checks the shape of a JSON Patch body and returns its operations. */
export function decodeJsonPatch(patch: unknown): JsonPatchOperation[] {
  if (!Array.isArray(patch)) {
    const got = patch === null ? 'null' : typeof patch === 'object' ? 'object' : typeof patch;
    throw badRequest(`json: cannot unmarshal ${got} into Go value of type jsonpatch.Patch`);
  }
  if (patch.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new ApiError(
      413,
      'RequestEntityTooLarge',
      `The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${patch.length}`,
    );
  }
  return patch.map((raw, index) => decodeOperation(raw, index));
}

function decodeOperation(raw: unknown, index: number): JsonPatchOperation {
  if (!isJsonObject(raw)) throw patchFailed(`JSON patch operation ${index} is not an object`);
  const { op, path, from } = raw;
  if (typeof op !== 'string' || !KNOWN_OPS.has(op)) {
    throw patchFailed(`Unexpected kind: ${typeof op === 'string' ? op : JSON.stringify(op ?? null)}`);
  }
  if (typeof path !== 'string') throw patchFailed(`${op} operation is missing "path"`);
  const operation: JsonPatchOperation = { op: op as JsonPatchOp, path };
  if (op === 'move' || op === 'copy') {
    if (typeof from !== 'string') throw patchFailed(`${op} operation is missing "from"`);
    operation.from = from;
  }
  if (op === 'add' || op === 'replace' || op === 'test') {
    // "value": null is a real value; only an absent member is an error.
    if (!Object.hasOwn(raw, 'value'))
      throw patchFailed(`${op} operation is missing "value" for path: ${path}`);
    operation.value = raw.value;
  }
  return operation;
}

function tokensOf(op: string, pointer: string): string[] {
  const tokens = parseJsonPointer(pointer);
  if (!tokens) throw patchFailed(`${op} operation has an invalid JSON pointer: ${JSON.stringify(pointer)}`);
  return tokens;
}

function applyOperation(root: JsonValue, operation: JsonPatchOperation): JsonValue {
  const { op, path } = operation;
  const tokens = tokensOf(op, path);
  switch (op) {
    case 'add':
      return addValue(root, tokens, cloneJson(operation.value!), op, path);
    case 'remove':
      removeValue(root, tokens, op, path);
      return root;
    case 'replace': {
      if (tokens.length === 0) return cloneJson(operation.value!);
      if (getValue(root, tokens) === undefined) {
        throw patchFailed(`replace operation does not apply: doc is missing key: ${path}`);
      }
      return setExisting(root, tokens, cloneJson(operation.value!));
    }
    case 'move': {
      const from = operation.from!;
      const fromTokens = tokensOf(op, from);
      if (from === path) {
        if (getValue(root, fromTokens) === undefined) throw missingFrom(op, from);
        return root;
      }
      if (path.startsWith(`${from}/`)) {
        throw patchFailed(`move operation does not apply: cannot move ${from} into its own child ${path}`);
      }
      const value = getValue(root, fromTokens);
      if (value === undefined) throw missingFrom(op, from);
      removeValue(root, fromTokens, op, from);
      return addValue(root, tokens, value, op, path);
    }
    case 'copy': {
      const from = operation.from!;
      const value = getValue(root, tokensOf(op, from));
      if (value === undefined) throw missingFrom(op, from);
      return addValue(root, tokens, cloneJson(value), op, path);
    }
    case 'test': {
      const actual = getValue(root, tokens);
      if (actual === undefined)
        throw patchFailed(`test operation does not apply: doc is missing path: ${path}`);
      if (!jsonEqual(actual, operation.value!))
        throw patchFailed(`testing value ${path} failed: test failed`);
      return root;
    }
  }
}

function missingFrom(op: string, from: string): ApiError {
  return patchFailed(`${op} operation does not apply: doc is missing from path: ${from}`);
}

/** The value a pointer designates, or undefined when any step is missing. */
function getValue(root: JsonValue, tokens: readonly string[]): JsonValue | undefined {
  let current: JsonValue | undefined = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = parseArrayIndex(token);
      current = index !== undefined && index < current.length ? current[index] : undefined;
    } else if (isJsonObject(current)) {
      current = Object.hasOwn(current, token) ? current[token] : undefined;
    } else {
      return undefined;
    }
    if (current === undefined) return undefined;
  }
  return current;
}

function addValue(root: JsonValue, tokens: string[], value: JsonValue, op: string, path: string): JsonValue {
  if (tokens.length === 0) return value;
  const parent = getValue(root, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (isJsonObject(parent)) {
    setOwn(parent, last, value);
  } else if (Array.isArray(parent)) {
    const index = last === '-' ? parent.length : parseArrayIndex(last);
    if (index === undefined || index > parent.length) {
      throw patchFailed(`${op} operation does not apply: index out of bounds: ${path}`);
    }
    parent.splice(index, 0, value);
  } else {
    throw patchFailed(`${op} operation does not apply: doc is missing path: ${path}`);
  }
  return root;
}

function removeValue(root: JsonValue, tokens: string[], op: string, path: string): void {
  if (tokens.length === 0)
    throw patchFailed(`${op} operation does not apply: cannot remove the document root`);
  const parent = getValue(root, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (isJsonObject(parent) && Object.hasOwn(parent, last)) {
    delete parent[last];
    return;
  }
  if (Array.isArray(parent)) {
    const index = parseArrayIndex(last);
    if (index !== undefined && index < parent.length) {
      parent.splice(index, 1);
      return;
    }
  }
  throw patchFailed(`${op} operation does not apply: doc is missing path: ${path}`);
}

/** Overwrites a location known to exist. */
function setExisting(root: JsonValue, tokens: string[], value: JsonValue): JsonValue {
  const parent = getValue(root, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1]!;
  if (Array.isArray(parent)) parent[parseArrayIndex(last)!] = value;
  else if (isJsonObject(parent)) setOwn(parent, last, value);
  return root;
}
