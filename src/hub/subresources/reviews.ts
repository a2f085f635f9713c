/**
 * Requests that are answered rather than stored: access reviews and self-subject reviews.
 * Authorization is not enforced yet (every authenticated user may do everything), and the answers
 * say exactly that, so `kubectl auth can-i` tells the truth.
 */

import { unauthorized } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { UserInfo } from '../http/server.js';
import type { ResourceType } from '../registry/resource-type.js';

const ALLOW_ALL_REASON = 'minato: every authenticated user is allowed (authorization is not enforced yet)';

export function virtualCreate(
  type: ResourceType,
  body: KubeObject,
  user: UserInfo | undefined,
): Promise<KubeObject> | undefined {
  const answer = (status: unknown): Promise<KubeObject> =>
    Promise.resolve({
      ...body,
      apiVersion: `${type.group}/${type.version}`,
      kind: type.kind,
      metadata: { ...(body.metadata ?? {}), creationTimestamp: null } as never,
      status,
    } as KubeObject);
  if (type.group === 'authorization.k8s.io') {
    if (!user) throw unauthorized();
    if (type.kind === 'SelfSubjectRulesReview') {
      return answer({
        resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
        nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
        incomplete: false,
      });
    }
    return answer({ allowed: true, reason: ALLOW_ALL_REASON });
  }
  if (type.group === 'authentication.k8s.io' && type.kind === 'SelfSubjectReview') {
    if (!user) throw unauthorized();
    return answer({ userInfo: { username: user.name, groups: user.groups } });
  }
  if (type.group === 'authentication.k8s.io' && type.kind === 'TokenReview') {
    return answer({ authenticated: false, error: 'token authentication is not enabled on this hub' });
  }
  return undefined;
}
