/**
 * Pods by their controlling owner, kept from a pod watch (an informer's index, as client-go's
 * `controller` index): a controller syncing one DaemonSet reads that DaemonSet's pods, not every pod
 * in the namespace. Pods without a controller are kept per namespace, for adoption. The stored
 * objects are the store's frozen ones; nothing is copied.
 */
import type { KubeObject } from '../api/types.js';
import { getOrCreate } from '../common/maps.js';
import { controllerRef } from './workload-util.js';

export class OwnedPodIndex {
  private readonly byOwner = new Map<string, Map<string, KubeObject>>();
  private readonly orphansByNamespace = new Map<string, Map<string, KubeObject>>();
  /** Pod key → the owner uid (or namespace, for orphans) it is filed under. */
  private readonly filedUnder = new Map<string, { owner?: string; namespace?: string }>();

  /** Applies one watch event. */
  apply(type: string, pod: KubeObject): void {
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    this.remove(key);
    if (type === 'DELETED') return;
    const owner = controllerRef(pod)?.uid;
    if (owner) {
      getOrCreate(this.byOwner, owner, () => new Map<string, KubeObject>()).set(key, pod);
      this.filedUnder.set(key, { owner });
    } else {
      const namespace = pod.metadata.namespace ?? '';
      getOrCreate(this.orphansByNamespace, namespace, () => new Map<string, KubeObject>()).set(key, pod);
      this.filedUnder.set(key, { namespace });
    }
  }

  /** Pods whose controller is the object with this uid. */
  owned(uid: string): Iterable<KubeObject> {
    return this.byOwner.get(uid)?.values() ?? [];
  }

  /** Pods in the namespace that no controller owns. */
  orphans(namespace: string): Iterable<KubeObject> {
    return this.orphansByNamespace.get(namespace)?.values() ?? [];
  }

  private remove(key: string): void {
    const was = this.filedUnder.get(key);
    if (!was) return;
    this.filedUnder.delete(key);
    const map = was.owner ? this.byOwner : this.orphansByNamespace;
    const name = (was.owner ?? was.namespace)!;
    const pods = map.get(name);
    pods?.delete(key);
    if (pods?.size === 0) map.delete(name);
  }
}
