/** The patch engines' public surface: what the object service and the HTTP layer import. */

export { applyConflictError, describeManager } from './apply-conflict.js';
export { type FieldPath, fieldPath, formatPath, type PathElement } from './field-path.js';
export { FieldSet } from './field-set.js';
export {
  applyJsonPatch,
  decodeJsonPatch,
  type JsonPatchOperation,
  MAX_JSON_PATCH_OPERATIONS,
} from './json-patch.js';
export { LAST_APPLIED_ANNOTATION } from './last-applied.js';
export {
  decodeManagedFields,
  encodeManagedFields,
  isResetManagedFields,
  type ManagedFieldSets,
  type ManagerEntry,
} from './managed-fields.js';
export { applyMergePatch } from './merge-patch.js';
export {
  type ApplyOptions,
  type ApplyResult,
  apply,
  BEFORE_FIRST_APPLY_MANAGER,
  type FieldManagerOptions,
  resetFieldsFor,
  trackUpdate,
  type UpdateTrackingOptions,
} from './server-side-apply.js';
export { strategicMergePatch } from './strategic-merge-patch.js';
export { compareValues, fieldSetOf } from './typed-fields.js';
