/**
 * The 409 an apply gets when it would change fields another manager owns, worded exactly as the
 * apiserver words it: kubectl prints the message, and tools parse details.causes.
 */
import { ApiError } from '../../api/errors.js';
import type { StatusCause } from '../../api/types.js';
import { type FieldPath, formatPath } from './field-path.js';
import { identityOf, type ManagerEntry } from './managed-fields.js';

export interface ApplyConflict {
  /** The manager that owns the field (its entry before the apply). */
  owner: ManagerEntry;
  path: FieldPath;
}

/**
 * `"kubectl-client-side-apply" using apps/v1` for updaters, `"kubectl"` for appliers (their
 * identity has no version), with ` with subresource "status"` when the entry came from one.
 */
export function describeManager(entry: ManagerEntry): string {
  let text = JSON.stringify(entry.manager);
  if (entry.subresource) text += ` with subresource ${JSON.stringify(entry.subresource)}`;
  if (entry.operation === 'Update') text += ` using ${entry.apiVersion}`;
  return text;
}

/** Groups conflicts by manager (sorted by identity, as upstream does); paths keep their order. */
export function applyConflictError(conflicts: readonly ApplyConflict[]): ApiError {
  const byManager = new Map<string, { owner: ManagerEntry; paths: FieldPath[] }>();
  for (const { owner, path } of conflicts) {
    const id = identityOf(owner);
    const group = byManager.get(id) ?? { owner, paths: [] };
    group.paths.push(path);
    byManager.set(id, group);
  }
  const groups = [...byManager.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, g]) => g);

  const causes: StatusCause[] = [];
  const lines: string[] = [];
  for (const { owner, paths } of groups) {
    const who = describeManager(owner);
    lines.push(`conflicts with ${who}:`);
    for (const path of paths) {
      const field = formatPath(path);
      causes.push({ reason: 'FieldManagerConflict', message: `conflict with ${who}`, field });
      lines.push(`- ${field}`);
    }
  }
  const message =
    causes.length === 1
      ? `Apply failed with 1 conflict: ${causes[0]!.message}: ${causes[0]!.field}`
      : `Apply failed with ${causes.length} conflicts: ${lines.join('\n')}`;
  return new ApiError(409, 'Conflict', message, { causes });
}
