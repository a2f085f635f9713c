/**
 * Printers for rbac.authorization.k8s.io. Roles have no printer upstream and fall back to the
 * generic Name / Created At table, so kubectl users see exactly that here too.
 */

import { createdAtPrinter } from './default.js';
import { age } from './duration.js';
import { ageColumn, asArray, asRecord, asString, column, nameColumn, wide } from './format.js';
import type { TablePrinter } from './types.js';

export const rolePrinter: TablePrinter = createdAtPrinter;

/** Subjects split into users, groups and "namespace/name" service accounts, as the wide columns show. */
function subjectCells(subjects: unknown): [string, string, string] {
  const users: string[] = [];
  const groups: string[] = [];
  const serviceAccounts: string[] = [];
  for (const raw of asArray(subjects)) {
    const s = asRecord(raw);
    const name = asString(s.name);
    if (s.kind === 'User') users.push(name);
    else if (s.kind === 'Group') groups.push(name);
    else if (s.kind === 'ServiceAccount') serviceAccounts.push(`${asString(s.namespace)}/${name}`);
  }
  return [users.join(', '), groups.join(', '), serviceAccounts.join(', ')];
}

export const roleBindingPrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Role', 'string', 'The Role or ClusterRole granted, as Kind/name.'),
    ageColumn,
    wide('Users', 'string', 'Users bound.'),
    wide('Groups', 'string', 'Groups bound.'),
    wide('ServiceAccounts', 'string', 'Service accounts bound, as namespace/name.'),
  ],
  cells(binding, now) {
    const ref = asRecord(binding.roleRef);
    return [
      binding.metadata.name ?? '',
      `${asString(ref.kind)}/${asString(ref.name)}`,
      age(binding.metadata.creationTimestamp, now),
      ...subjectCells(binding.subjects),
    ];
  },
};
