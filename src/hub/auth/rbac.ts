/**
 * Role-based access control as Kubernetes defines it: ClusterRoleBindings grant ClusterRoles
 * everywhere; RoleBindings grant a Role (or a ClusterRole) within their namespace. Rules match
 * verbs, API groups, resources (plain, with a subresource, or wildcards), resource names and non-resource URLs.
 */
import type { KubeObject } from '../../api/types.js';
import type { UserInfo } from '../http/server.js';
import type { ObjectService } from '../objects/object-service.js';
import type { ResourceType } from '../registry/resource-type.js';
import type { RequestAttributes } from './attributes.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

function subjectMatches(subject: Subject, user: UserInfo, bindingNamespace: string): boolean {
  if (subject.kind === 'User') return subject.name === user.name;
  if (subject.kind === 'Group') return user.groups.includes(subject.name);
  if (subject.kind === 'ServiceAccount') {
    return user.name === `system:serviceaccount:${subject.namespace ?? bindingNamespace}:${subject.name}`;
  }
  return false;
}

const has = (list: string[] | undefined, value: string) => (list ?? []).some((v) => v === '*' || v === value);

function resourceMatches(rule: PolicyRule, resource: string, subresource: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some((r) => {
    if (r === '*' || r === combined) return true;
    // "*/scale" matches the scale subresource of anything.
    return subresource !== '' && r === `*/${subresource}`;
  });
}

function urlMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (u) => u === '*' || u === path || (u.endsWith('*') && path.startsWith(u.slice(0, -1))),
  );
}

export function ruleAllows(rule: PolicyRule, a: RequestAttributes): boolean {
  if (!has(rule.verbs, a.verb)) return false;
  if (!a.resourceRequest) return urlMatches(rule, a.path);
  if (!has(rule.apiGroups, a.apiGroup) || !resourceMatches(rule, a.resource, a.subresource)) return false;
  const names = rule.resourceNames ?? [];
  return names.length === 0 || names.includes(a.name);
}

export class RbacAuthorizer {
  constructor(private readonly objects: ObjectService) {}

  private type(plural: string): ResourceType {
    return this.objects.registry.lookup('rbac.authorization.k8s.io', 'v1', plural)!;
  }

  /** Every rule that applies to `user` in `namespace` (cluster-wide rules included). */
  rulesFor(user: UserInfo, namespace: string): PolicyRule[] {
    const rules: PolicyRule[] = [];
    for (const binding of this.objects.list(this.type('clusterrolebindings'), undefined).items) {
      if (this.bound(binding, user, '')) rules.push(...this.roleRules(binding, ''));
    }
    if (namespace) {
      for (const binding of this.objects.list(this.type('rolebindings'), namespace).items) {
        if (this.bound(binding, user, namespace)) rules.push(...this.roleRules(binding, namespace));
      }
    }
    return rules;
  }

  allows(a: RequestAttributes): boolean {
    return this.rulesFor(a.user, a.namespace).some((rule) => ruleAllows(rule, a));
  }

  private bound(binding: KubeObject, user: UserInfo, namespace: string): boolean {
    return ((binding.subjects ?? []) as Subject[]).some((s) => subjectMatches(s, user, namespace));
  }

  private roleRules(binding: KubeObject, namespace: string): PolicyRule[] {
    const ref = binding.roleRef ?? {};
    const role =
      ref.kind === 'ClusterRole'
        ? this.objects.find(this.type('clusterroles'), undefined, ref.name)
        : namespace
          ? this.objects.find(this.type('roles'), namespace, ref.name)
          : undefined;
    return (role?.rules ?? []) as PolicyRule[];
  }
}
