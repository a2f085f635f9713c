/**
 * Lease renewals that devices send as heartbeat frames through their tunnels. Each is the write a
 * device would make with a merge patch of `spec.renewTime` on its own Lease (same validation, same
 * resourceVersion bump, same watch event), without the per-request cost of HTTP, JSON bodies,
 * authorization and the audit log (Kubernetes' own audit policies leave node lease updates out too).
 * Renewals are gathered for a few milliseconds and written in one event-loop turn, so they share one
 * group commit instead of paying one each. They are soft writes: committed (safe from a hub crash)
 * before the answer goes back, but forced to disk at most once a second, since at thousands of
 * devices the fsyncs, not the writes, were the cost, and a renewal lost to a power cut is renewed
 * again by the device (the lifecycle controller forgives silence from before the hub's start).
 */
import { isApiError } from '../api/errors.js';
import { HEARTBEAT_NO_LEASE } from '../tunnel/frames.js';
import type { ObjectService } from './objects/object-service.js';

const LEASE_NAMESPACE = 'kube-node-lease';
/** MicroTime (RFC 3339 with up to nine fractional digits), as the schema requires of spec.renewTime. */
const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

export function createHeartbeatWriter(
  objects: ObjectService,
): (node: string, renewTime: string) => Promise<string> {
  const leases = objects.registry.lookup('coordination.k8s.io', 'v1', 'leases');
  if (!leases) throw new Error('the Lease resource is not registered');
  return async (node, renewTime) => {
    if (!MICRO_TIME.test(renewTime) || Number.isNaN(Date.parse(renewTime)))
      return `spec.renewTime: Invalid value: "${renewTime.slice(0, 64)}": must be an RFC 3339 time`;
    const current = objects.store.get(objects.keyOf(leases, LEASE_NAMESPACE, node));
    if (!current) return HEARTBEAT_NO_LEASE;
    const lease = current.object;
    const next = {
      ...lease,
      metadata: { ...lease.metadata },
      spec: { ...(lease.spec as object), renewTime },
    };
    try {
      await objects.commitUpdate(leases, current, next, {
        user: { name: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] },
        skipManagedFields: true,
        soft: true,
      });
      return '';
    } catch (err) {
      // A concurrent write won (409): the device simply renews again next interval.
      return isApiError(err) ? err.message : String(err);
    }
  };
}
