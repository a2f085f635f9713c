/**
 * The half of node restriction that needs the request body: a device may create only its own Node
 * and its own Lease (the authorizer sees the URL, where a create carries no name).
 */
import { forbidden } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { UserInfo } from '../http/server.js';
import type { ResourceType } from '../registry/resource-type.js';
import { nodeNameOf } from './node-authorizer.js';

export function admitNodeCreate(type: ResourceType, obj: KubeObject, user: UserInfo | undefined): void {
  const node = user ? nodeNameOf(user) : undefined;
  if (node === undefined) return;
  const ownNode = type.group === '' && type.kind === 'Node';
  const ownLease = type.group === 'coordination.k8s.io' && type.kind === 'Lease';
  if ((ownNode || ownLease) && obj.metadata.name !== node) {
    throw forbidden(
      `${type.plural} "${obj.metadata.name}" is forbidden: node "${node}" may only create its own ${type.kind}`,
      {
        name: obj.metadata.name,
        kind: type.plural,
        group: type.group || undefined,
      },
    );
  }
}
