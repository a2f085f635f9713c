/**
 * Who may do what: system:masters may do everything; devices are held to node restriction; everyone
 * else (users, service accounts, bootstrap tokens) gets exactly what RBAC grants them.
 */
import { forbidden } from '../../api/errors.js';
import type { UserInfo } from '../http/server.js';
import type { ObjectService } from '../objects/object-service.js';
import { attributesOf, describeRequest, type RequestAttributes } from './attributes.js';
import { nodeDecision, nodeNameOf } from './node-authorizer.js';
import { RbacAuthorizer } from './rbac.js';

export interface Authorizer {
  /** Throws 403 naming what was refused. */
  authorize(user: UserInfo, method: string, url: URL): void;
  decide(attributes: RequestAttributes): { allowed: boolean; reason: string };
  rbac: RbacAuthorizer;
}

export function createAuthorizer(objects: ObjectService): Authorizer {
  const rbac = new RbacAuthorizer(objects);
  const decide = (a: RequestAttributes) => {
    if (a.user.groups.includes('system:masters'))
      return { allowed: true, reason: 'member of system:masters' };
    const node = nodeNameOf(a.user);
    if (node !== undefined && a.resourceRequest) {
      const verdict = nodeDecision(node, a, objects);
      if (verdict === 'allow')
        return { allowed: true, reason: `node ${node} may ${a.verb} its own ${a.resource}` };
      if (verdict === 'deny')
        return { allowed: false, reason: `node restriction: ${a.user.name} may not ${describeRequest(a)}` };
    }
    if (rbac.allows(a)) return { allowed: true, reason: 'RBAC: allowed by a role binding' };
    return { allowed: false, reason: '' };
  };
  return {
    rbac,
    decide,
    authorize(user, method, url) {
      const a = attributesOf(user, method, url);
      if (decide(a).allowed) return;
      const what = a.resourceRequest
        ? `${a.resource}${a.apiGroup ? `.${a.apiGroup}` : ''}${a.name ? ` "${a.name}"` : ''}`
        : '';
      throw forbidden(
        `${what ? `${what} is ` : ''}forbidden: User "${user.name}" cannot ${describeRequest(a)}`,
        {
          name: a.name || undefined,
          group: a.apiGroup || undefined,
          kind: a.resource || undefined,
        },
      );
    },
  };
}
