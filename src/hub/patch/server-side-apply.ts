/**
 * Server-side apply and managed-fields tracking, following the apiserver's field manager:
 * - apply(): merge an applied configuration into the live object, remove what the applier
 *   stopped applying (unless someone else owns it), and refuse (409) to change fields another
 *   manager owns unless forced.
 * - trackUpdate(): after create/update/patch, give the writing manager the fields it changed and
 *   take them from everyone else, so a later apply conflicts where it should.
 * Both return managedFields ready to store; neither touches fields the endpoint resets (status
 * on the main resource, spec on /status): resetting their values is the kind strategy's job.
 */
import { badRequest } from '../../api/errors.js';
import type { JsonObject, KubeObject, ManagedFieldsEntry } from '../../api/types.js';
import type { Schema, SchemaResolver } from '../schema/types.js';
import { type ApplyConflict, applyConflictError } from './apply-conflict.js';
import { mergeApplied, removeFields } from './apply-merge.js';
import { type FieldPath, fieldPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import { cloneJson, isJsonObject, jsonEqual } from './json-value.js';
import { completeListKeys } from './key-completion.js';
import { fieldsAllowedByLastApplied, KUBECTL_APPLY_MANAGER, withLastAppliedUpdated } from './last-applied.js';
import {
  capUpdateManagers,
  decodeManagedFields,
  decodeManagedFieldsOrEmpty,
  encodeManagedFields,
  formatManagedTime,
  isResetManagedFields,
  type ManagedFieldSets,
  type ManagerEntry,
  managerIdentity,
  SERVER_OWNED_FIELDS,
  stripServerOwnedFields,
} from './managed-fields.js';
import { compareValues, ensureNamedFieldsAreMembers, fieldSetOf, filterComparison } from './typed-fields.js';

export interface FieldManagerOptions {
  /** Root schema of the kind; undefined treats the object as schemaless (lists atomic). */
  schema: Schema | undefined;
  resolver: SchemaResolver;
  /** The group/version the request is served at, e.g. "apps/v1". */
  apiVersion: string;
  now: Date;
  /** "status", "scale"…; entries written through a subresource are kept apart. */
  subresource?: string;
  /** The kind serves /status, so writes to the main resource do not own status. */
  statusSubresource?: boolean;
  /** Overrides the reset fields derived from statusSubresource / subresource. */
  resetFields?: readonly FieldPath[];
}

export interface ApplyOptions extends FieldManagerOptions {
  /** Take ownership of conflicting fields instead of failing (kubectl --force-conflicts). */
  force: boolean;
}

export interface UpdateTrackingOptions extends FieldManagerOptions {
  operation?: 'Update';
}

export interface ApplyResult {
  /** The object to store, metadata.managedFields included. */
  object: KubeObject;
  managedFields: ManagedFieldsEntry[];
  /** Whether anything besides managedFields differs from the live object. */
  changed: boolean;
}

/**
 * Fields an endpoint ignores for ownership, with everything below them (upstream "reset
 * fields"): the main resource of a kind with /status does not own status; /status does not own
 * spec. Kinds whose strategies reset more pass `resetFields` explicitly.
 */
export function resetFieldsFor(options: FieldManagerOptions): readonly FieldPath[] {
  if (options.resetFields) return options.resetFields;
  if (options.subresource === 'status') return [fieldPath('spec')];
  if (!options.subresource && options.statusSubresource) return [fieldPath('status')];
  return [];
}

/**
 * Server-side apply of `applied` (the parsed application/apply-patch+yaml body) by `manager`.
 * `live` is undefined when the apply creates the object. Throws 400 for a malformed request,
 * 422 for duplicate list keys, 409 Conflict naming each conflicting field.
 */
export function apply(
  live: KubeObject | undefined,
  applied: unknown,
  manager: string,
  options: ApplyOptions,
): ApplyResult {
  const appliedObject = checkApplied(applied, manager, options.apiVersion);
  const liveObject = live ? withoutManagedFields(live) : {};
  const reset = resetFieldsFor(options);
  let starting = decodeManagedFieldsOrEmpty(live?.metadata?.managedFields);
  if (live && starting.size === 0) starting = attributeExistingFields(liveObject, reset, options);
  const { config, filled } = completeListKeys(appliedObject, liveObject, options.schema, options.resolver);
  const self: ManagerEntry = {
    manager,
    operation: 'Apply',
    apiVersion: options.apiVersion,
    ...(options.subresource ? { subresource: options.subresource } : {}),
    set: fieldSetOf(config, options.schema, options.resolver).withoutPrefixes(reset).difference(filled),
  };
  const selfId = managerIdentity(manager, 'Apply', options.apiVersion, options.subresource);

  let outcome = applyOnce(liveObject, config, starting, self, options.force, reset, options);
  if ('conflicts' in outcome) {
    // kubectl moving from client-side to server-side apply may take over what it applied before.
    const allowed =
      manager === KUBECTL_APPLY_MANAGER
        ? fieldsAllowedByLastApplied(liveObject, options.schema, options.resolver)
        : undefined;
    const remaining = allowed ? outcome.conflicts.filter((c) => !allowed.has(c.path)) : outcome.conflicts;
    if (remaining.length > 0) throw applyConflictError(remaining);
    outcome = applyOnce(liveObject, config, starting, self, true, reset, options);
    if ('conflicts' in outcome) throw applyConflictError(outcome.conflicts); // unreachable: forced
  }

  let { object, managers } = outcome;
  const entry = managers.get(selfId);
  if (entry && !jsonEqual(liveObject, object)) {
    managers.set(selfId, { ...entry, time: formatManagedTime(options.now) });
  }
  managers = capUpdateManagers(stripServerOwnedFields(managers));
  if (manager === KUBECTL_APPLY_MANAGER) object = withLastAppliedUpdated(object, appliedObject);
  const managedFields = encodeManagedFields(managers);
  return {
    object: withManagedFields(object, managedFields),
    managedFields,
    changed: !jsonEqual(liveObject, object),
  };
}

function checkApplied(applied: unknown, manager: string, apiVersion: string): JsonObject {
  if (!manager) throw badRequest('fieldManager is required for apply patch');
  if (!isJsonObject(applied)) throw badRequest('the apply patch must be an object');
  const metadata = applied.metadata;
  if (isJsonObject(metadata) && metadata.managedFields !== undefined && metadata.managedFields !== null) {
    throw badRequest('metadata.managedFields must be nil');
  }
  if (applied.apiVersion !== apiVersion) {
    const given = typeof applied.apiVersion === 'string' ? applied.apiVersion : '';
    throw badRequest(
      `Incorrect version specified in apply patch. Specified patch version: ${given}, expected: ${apiVersion}`,
    );
  }
  return applied;
}

type ApplyOutcome = { object: JsonObject; managers: ManagedFieldSets } | { conflicts: ApplyConflict[] };

/** One attempt: merge, prune what the applier dropped, then settle ownership with the others. */
function applyOnce(
  live: JsonObject,
  config: JsonObject,
  starting: ManagedFieldSets,
  self: ManagerEntry,
  force: boolean,
  reset: readonly FieldPath[],
  { schema, resolver }: FieldManagerOptions,
): ApplyOutcome {
  const selfId = managerIdentity(self.manager, 'Apply', self.apiVersion, self.subresource);
  const previous = starting.get(selfId);
  const managers: ManagedFieldSets = new Map(starting);
  managers.set(selfId, { ...self, ...(previous?.time ? { time: previous.time } : {}) });

  let object = mergeApplied(live, config, schema, resolver);
  if (previous && !previous.set.isEmpty()) {
    // Remove what this applier applied last time and no manager (itself included) claims now.
    let owned = new FieldSet();
    for (const { set } of managers.values()) owned = owned.union(set);
    const dropped = ensureNamedFieldsAreMembers(previous.set, schema, resolver).difference(
      ensureNamedFieldsAreMembers(owned, schema, resolver),
    );
    object = removeFields(object, dropped, schema, resolver);
  }

  const comparison = filterComparison(compareValues(live, object, schema, resolver), reset);
  const changed = comparison.modified.union(comparison.added);
  const conflicts: ApplyConflict[] = [];
  const settled: ManagedFieldSets = new Map();
  for (const [id, entry] of managers) {
    if (id === selfId) {
      if (!entry.set.isEmpty()) settled.set(id, entry);
      continue;
    }
    const clash = entry.set.intersection(changed);
    for (const path of clash.paths()) conflicts.push({ owner: entry, path });
    const set = entry.set.difference(clash).difference(comparison.removed);
    if (!set.isEmpty()) settled.set(id, { ...entry, set });
  }
  if (conflicts.length > 0 && !force) return { conflicts };
  return { object, managers: settled };
}

const SERVER_OWNED_SET = FieldSet.of(...SERVER_OWNED_FIELDS);

/** Owner of an object's fields that predate managed fields, so the first apply can conflict with them. */
export const BEFORE_FIRST_APPLY_MANAGER = 'before-first-apply';

function attributeExistingFields(
  live: JsonObject,
  reset: readonly FieldPath[],
  options: FieldManagerOptions,
): ManagedFieldSets {
  const added = filterComparison(compareValues({}, live, options.schema, options.resolver), reset).added;
  const entry: ManagerEntry = {
    manager: BEFORE_FIRST_APPLY_MANAGER,
    operation: 'Update',
    apiVersion: options.apiVersion,
    time: formatManagedTime(options.now),
    set: added,
  };
  return stripServerOwnedFields(
    new Map([[managerIdentity(entry.manager, 'Update', entry.apiVersion), entry]]),
  );
}

/**
 * managedFields after a create, update or patch by `manager` (any non-apply write; pass the
 * stored object as `oldObj`, undefined on create). Fields whose value changed move to
 * `manager`; removed fields leave every owner. Returns the entries to store.
 */
export function trackUpdate(
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  manager: string,
  options: UpdateTrackingOptions,
): ManagedFieldsEntry[] {
  const starting = startingManagedFields(oldObj, newObj, options.subresource);
  const before = oldObj ? viewWithoutManagedFields(oldObj) : {};
  const after = viewWithoutManagedFields(newObj);
  const comparison = filterComparison(
    compareValues(before, after, options.schema, options.resolver),
    resetFieldsFor(options),
  );
  // Server-owned fields change on every write; they neither move ownership nor refresh `time`.
  const changed = comparison.modified.union(comparison.added).difference(SERVER_OWNED_SET);

  let managers: ManagedFieldSets = new Map();
  for (const [id, entry] of starting) {
    const set = entry.set.difference(changed).difference(comparison.removed);
    if (!set.isEmpty()) managers.set(id, { ...entry, set });
  }
  if (!changed.isEmpty()) {
    const id = managerIdentity(manager, 'Update', options.apiVersion, options.subresource);
    managers.set(id, {
      manager,
      operation: 'Update',
      apiVersion: options.apiVersion,
      ...(options.subresource ? { subresource: options.subresource } : {}),
      time: formatManagedTime(options.now),
      set: (managers.get(id)?.set ?? new FieldSet()).union(changed),
    });
  }
  managers = capUpdateManagers(stripServerOwnedFields(managers));
  return encodeManagedFields(managers);
}

/**
 * Which managed fields an update starts from: the ones the client sent, if it sent readable
 * ones (that is how clients edit or reset them; `[{}]` resets), otherwise the stored ones.
 * Subresource writes always start from the stored ones.
 */
function startingManagedFields(
  oldObj: KubeObject | undefined,
  newObj: KubeObject,
  subresource: string | undefined,
): ManagedFieldSets {
  const stored = () => decodeManagedFieldsOrEmpty(oldObj?.metadata?.managedFields);
  if (subresource) return stored();
  const sent: unknown = newObj.metadata?.managedFields;
  if (isResetManagedFields(sent)) return new Map();
  try {
    const decoded = decodeManagedFields(sent);
    if (decoded.size > 0) return decoded;
  } catch {
    // unreadable: keep what is stored
  }
  return stored();
}

function withoutManagedFields(object: KubeObject): JsonObject {
  const copy = cloneJson(object as unknown as JsonObject);
  if (isJsonObject(copy.metadata)) delete copy.metadata.managedFields;
  return copy;
}

/** The object without managedFields, only to compare: two shallow copies, not a deep clone per write. */
function viewWithoutManagedFields(object: KubeObject): JsonObject {
  const copy = { ...(object as unknown as JsonObject) };
  if (isJsonObject(copy.metadata)) {
    const { managedFields: _dropped, ...metadata } = copy.metadata;
    copy.metadata = metadata;
  }
  return copy;
}

function withManagedFields(object: JsonObject, managedFields: ManagedFieldsEntry[]): KubeObject {
  const metadata: JsonObject = isJsonObject(object.metadata) ? { ...object.metadata } : {};
  if (managedFields.length > 0) metadata.managedFields = managedFields as unknown as JsonObject[];
  else delete metadata.managedFields;
  return { ...object, metadata } as unknown as KubeObject;
}
