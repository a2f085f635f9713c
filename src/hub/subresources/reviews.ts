/**
 * Requests that are answered rather than stored: access reviews (`kubectl auth can-i`, with and
 * without --list) and self-subject reviews (`kubectl auth whoami`), answered by the same authorizer
 * that guards every request.
 */
import { badRequest, unauthorized } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { RequestAttributes } from '../auth/attributes.js';
import type { Authorizer } from '../auth/authorize.js';
import type { UserInfo } from '../http/server.js';
import type { ResourceType } from '../registry/resource-type.js';

type Answer = (
  type: ResourceType,
  body: KubeObject,
  user: UserInfo | undefined,
) => Promise<KubeObject> | undefined;

export function createReviews(authorizer: Authorizer): Answer {
  return (type, body, user) => {
    const answer = (status: unknown): Promise<KubeObject> =>
      Promise.resolve({
        ...body,
        apiVersion: `${type.group}/${type.version}`,
        kind: type.kind,
        metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as never,
        status,
      } as KubeObject);
    if (!user) throw unauthorized();
    const spec = body.spec ?? {};
    switch (`${type.group}/${type.kind}`) {
      case 'authorization.k8s.io/SelfSubjectAccessReview':
        return answer(accessReview(authorizer, user, spec));
      case 'authorization.k8s.io/SubjectAccessReview': {
        if (!spec.user && !spec.groups) throw badRequest('spec.user or spec.groups is required');
        const subject = {
          name: String(spec.user ?? ''),
          groups: [...(spec.groups ?? []), 'system:authenticated'],
        };
        return answer(accessReview(authorizer, subject, spec));
      }
      case 'authorization.k8s.io/SelfSubjectRulesReview':
        return answer(rulesReview(authorizer, user, String(spec.namespace ?? '')));
      case 'authentication.k8s.io/SelfSubjectReview':
        return answer({ userInfo: { username: user.name, groups: user.groups } });
      case 'authentication.k8s.io/TokenReview':
        return answer({ authenticated: false, error: 'token reviews are not served by this hub' });
      default:
        return undefined;
    }
  };
}

// biome-ignore lint/suspicious/noExplicitAny: review specs are untyped JSON from the client
function accessReview(authorizer: Authorizer, user: UserInfo, spec: Record<string, any>) {
  const r = spec.resourceAttributes;
  const n = spec.nonResourceAttributes;
  if (!r && !n) throw badRequest('spec.resourceAttributes or spec.nonResourceAttributes is required');
  const attributes: RequestAttributes = r
    ? {
        user,
        verb: String(r.verb ?? ''),
        resourceRequest: true,
        apiGroup: String(r.group ?? ''),
        resource: String(r.resource ?? ''),
        subresource: String(r.subresource ?? ''),
        namespace: String(r.namespace ?? ''),
        name: String(r.name ?? ''),
        path: '',
        fieldSelector: String(r.fieldSelector?.rawSelector ?? ''),
      }
    : {
        user,
        verb: String(n.verb ?? ''),
        resourceRequest: false,
        apiGroup: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
        path: String(n.path ?? ''),
        fieldSelector: '',
      };
  const { allowed, reason } = authorizer.decide(attributes);
  return { allowed, ...(reason ? { reason } : {}) };
}

function rulesReview(authorizer: Authorizer, user: UserInfo, namespace: string) {
  if (user.groups.includes('system:masters')) {
    return {
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    };
  }
  const rules = authorizer.rbac.rulesFor(user, namespace);
  return {
    resourceRules: rules.filter((r) => r.resources).map(({ nonResourceURLs, ...r }) => r),
    nonResourceRules: rules
      .filter((r) => r.nonResourceURLs)
      .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
    // Devices are also governed by node restriction, which these rules do not list.
    incomplete: user.groups.includes('system:nodes'),
  };
}
