/**
 * metadata.managedFields in memory: one field set per manager identity (manager, operation,
 * apiVersion for updates, subresource), plus its timestamp. Decoding, encoding and the
 * bookkeeping the apiserver applies after every write (stripped metadata, capped update entries).
 */
import type { JsonValue, ManagedFieldsEntry } from '../../api/types.js';
import { type FieldPath, fieldPath } from './field-path.js';
import { FieldSet } from './field-set.js';
import { isJsonObject } from './json-value.js';

export type ManagedOperation = 'Apply' | 'Update';

export interface ManagerEntry {
  manager: string;
  operation: ManagedOperation;
  apiVersion: string;
  subresource?: string;
  /** RFC 3339, seconds precision; absent when the manager never changed the object. */
  time?: string;
  set: FieldSet;
}

/** Keyed by managerIdentity(). Entries are replaced, never mutated, so copies are cheap. */
export type ManagedFieldSets = Map<string, ManagerEntry>;

/**
 * Appliers keep one entry whatever version they apply at; updaters get one entry per version.
 * The spelling mirrors upstream's identifier, so sorting by it orders managers the same way.
 */
export function managerIdentity(
  manager: string,
  operation: ManagedOperation,
  apiVersion: string,
  subresource?: string,
): string {
  const id: Record<string, string> = { manager, operation };
  if (operation === 'Update') id.apiVersion = apiVersion;
  if (subresource) id.subresource = subresource;
  return JSON.stringify(id);
}

export function identityOf(entry: ManagerEntry): string {
  return managerIdentity(entry.manager, entry.operation, entry.apiVersion, entry.subresource);
}

/** `[{}]`: the documented way for a client to wipe managedFields in an update. */
export function isResetManagedFields(entries: unknown): boolean {
  return (
    Array.isArray(entries) &&
    entries.length === 1 &&
    isJsonObject(entries[0]) &&
    Object.keys(entries[0]).length === 0
  );
}

/** Parses managedFields; throws a plain Error describing the first invalid entry. */
export function decodeManagedFields(entries: unknown): ManagedFieldSets {
  const sets: ManagedFieldSets = new Map();
  if (entries === undefined || entries === null) return sets;
  if (!Array.isArray(entries)) throw new Error('managedFields must be a list');
  entries.forEach((raw: unknown, i) => {
    if (!isJsonObject(raw)) throw new Error(`managed fields entry ${i} must be an object`);
    const { manager, operation, apiVersion, time, fieldsType, fieldsV1, subresource } = raw;
    if (operation !== 'Apply' && operation !== 'Update')
      throw new Error('operation must be `Apply` or `Update`');
    if (typeof apiVersion !== 'string' || apiVersion === '') throw new Error('apiVersion must not be empty');
    if (fieldsType === undefined || fieldsType === '')
      throw new Error(`missing fieldsType in managed fields entry ${i}`);
    if (fieldsType !== 'FieldsV1')
      throw new Error(`invalid fieldsType ${JSON.stringify(fieldsType)} in managed fields entry ${i}`);
    const entry: ManagerEntry = {
      manager: typeof manager === 'string' ? manager : '',
      operation,
      apiVersion,
      set: FieldSet.fromFieldsV1(fieldsV1 as JsonValue | undefined),
    };
    if (typeof subresource === 'string' && subresource !== '') entry.subresource = subresource;
    if (typeof time === 'string' && time !== '') entry.time = time;
    sets.set(identityOf(entry), entry);
  });
  return sets;
}

/** Like decodeManagedFields, but unreadable managed fields count as none (as upstream resets them). */
export function decodeManagedFieldsOrEmpty(entries: unknown): ManagedFieldSets {
  try {
    return decodeManagedFields(entries);
  } catch {
    return new Map();
  }
}

function seconds(time: string | undefined): number {
  const ms = time ? Date.parse(time) : Number.NaN;
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Entries in upstream order: appliers first, then oldest first, then by name, version, subresource. */
export function encodeManagedFields(sets: ManagedFieldSets): ManagedFieldsEntry[] {
  const entries = [...sets.values()].filter((e) => !e.set.isEmpty());
  entries.sort(
    (p, q) =>
      compareStrings(p.operation, q.operation) ||
      seconds(p.time) - seconds(q.time) ||
      compareStrings(p.manager, q.manager) ||
      compareStrings(p.apiVersion, q.apiVersion) ||
      compareStrings(p.subresource ?? '', q.subresource ?? ''),
  );
  return entries.map((e) => {
    const out: ManagedFieldsEntry = { manager: e.manager, operation: e.operation, apiVersion: e.apiVersion };
    if (e.time) out.time = e.time;
    out.fieldsType = 'FieldsV1';
    out.fieldsV1 = e.set.toFieldsV1();
    if (e.subresource) out.subresource = e.subresource;
    return out;
  });
}

/** managedFields timestamps carry whole seconds, like metav1.Time. */
export function formatManagedTime(now: Date): string {
  return now.toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Fields the server owns: identity and bookkeeping. Upstream removes exactly these paths (not
 * their children) from every manager after each operation; `metadata` itself is listed so a
 * manager never owns the metadata map as a whole.
 */
export const SERVER_OWNED_FIELDS: readonly FieldPath[] = [
  fieldPath('apiVersion'),
  fieldPath('kind'),
  fieldPath('metadata'),
  fieldPath('metadata', 'name'),
  fieldPath('metadata', 'namespace'),
  fieldPath('metadata', 'creationTimestamp'),
  fieldPath('metadata', 'selfLink'),
  fieldPath('metadata', 'uid'),
  fieldPath('metadata', 'clusterName'),
  fieldPath('metadata', 'generation'),
  fieldPath('metadata', 'managedFields'),
  fieldPath('metadata', 'resourceVersion'),
];

const SERVER_OWNED_SET = FieldSet.of(...SERVER_OWNED_FIELDS);

/** Removes server-owned fields from every manager and drops managers left with nothing. */
export function stripServerOwnedFields(sets: ManagedFieldSets): ManagedFieldSets {
  const out: ManagedFieldSets = new Map();
  for (const [id, entry] of sets) {
    const set = entry.set.difference(SERVER_OWNED_SET);
    if (!set.isEmpty()) out.set(id, { ...entry, set });
  }
  return out;
}

/** Upstream keeps at most this many Update entries; older ones fold into "ancient-changes". */
export const MAX_UPDATE_MANAGERS = 10;
export const ANCIENT_CHANGES_MANAGER = 'ancient-changes';

/**
 * Folds the oldest update entries, per apiVersion, into one "ancient-changes" entry until at
 * most `max` update entries remain, so objects edited by many clients keep bounded metadata.
 */
export function capUpdateManagers(sets: ManagedFieldSets, max = MAX_UPDATE_MANAGERS): ManagedFieldSets {
  const updaters = [...sets.entries()].filter(([, e]) => e.operation === 'Update');
  if (updaters.length <= max) return sets;
  updaters.sort(([idA, a], [idB, b]) => seconds(a.time) - seconds(b.time) || compareStrings(idA, idB));
  const out: ManagedFieldSets = new Map(sets);
  const firstPerVersion = new Map<string, string>();
  let remaining = updaters.length;
  for (const [id, entry] of updaters) {
    if (remaining <= max) break;
    const first = firstPerVersion.get(entry.apiVersion);
    if (first === undefined) {
      firstPerVersion.set(entry.apiVersion, id);
      continue;
    }
    const bucketId = managerIdentity(ANCIENT_CHANGES_MANAGER, 'Update', entry.apiVersion);
    // The first entry of this version seeds the bucket.
    const bucket = out.get(bucketId) ?? out.get(first)!;
    if (!out.has(bucketId)) out.delete(first);
    out.set(bucketId, {
      manager: ANCIENT_CHANGES_MANAGER,
      operation: 'Update',
      apiVersion: entry.apiVersion,
      set: bucket.set.union(entry.set),
      ...(entry.time ? { time: entry.time } : {}),
    });
    out.delete(id);
    remaining--;
  }
  return out;
}
