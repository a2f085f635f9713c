/**
 * Authorization as it stands today: bootstrap tokens may only ask for (and read) certificates;
 * every other authenticated user may do everything. RBAC enforcement replaces this.
 */
import { forbidden } from '../../api/errors.js';
import type { UserInfo } from '../http/server.js';
import { isDiscoveryPath, type ResourceRequest } from '../request/request-info.js';
import { BOOTSTRAPPERS_GROUP } from './bootstrap-tokens.js';

export function authorize(
  user: UserInfo,
  method: string,
  target: ResourceRequest | undefined,
  path: string,
): void {
  if (!user.groups.includes(BOOTSTRAPPERS_GROUP)) return;
  if (isDiscoveryPath(path) && method === 'GET') return;
  const csr =
    target?.group === 'certificates.k8s.io' &&
    target.resource === 'certificatesigningrequests' &&
    !target.subresource;
  if (csr && (method === 'POST' || method === 'GET')) return;
  const what = target ? `${target.resource}${target.group ? `.${target.group}` : ''}` : path;
  throw forbidden(
    `${what} is forbidden: User "${user.name}" may only create and read certificate signing requests`,
    {
      kind: target?.resource,
      group: target?.group || undefined,
      name: target?.name,
    },
  );
}
