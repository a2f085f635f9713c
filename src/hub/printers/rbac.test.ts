import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roleBindingPrinter, rolePrinter } from './rbac.js';
import { cellsByName, columnNames, obj } from './test-support.js';

describe('rbac printers', () => {
  it('prints roles with an absolute creation time', () => {
    const role = obj('rbac.authorization.k8s.io/v1', 'ClusterRole', 'view', {
      metadata: { creationTimestamp: '2024-05-01T08:30:00Z' },
    });
    assert.deepEqual(cellsByName(rolePrinter, role), { Name: 'view', 'Created At': '2024-05-01T08:30:00Z' });
    assert.equal(rolePrinter.columns[1]?.type, 'date');
  });

  it('prints bindings with their role and subjects', () => {
    assert.deepEqual(columnNames(roleBindingPrinter), {
      normal: ['Name', 'Role', 'Age'],
      wide: ['Users', 'Groups', 'ServiceAccounts'],
    });
    const binding = obj('rbac.authorization.k8s.io/v1', 'RoleBinding', 'edit-team', {
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'User', name: 'bob' },
        { kind: 'Group', name: 'ops' },
        { kind: 'ServiceAccount', name: 'deployer', namespace: 'ci' },
      ],
    });
    assert.deepEqual(cellsByName(roleBindingPrinter, binding), {
      Name: 'edit-team',
      Role: 'ClusterRole/edit',
      Age: '5m',
      Users: 'alice, bob',
      Groups: 'ops',
      ServiceAccounts: 'ci/deployer',
    });
  });
});
