import type { KubeObject } from '../api/types.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { StoreEvent } from '../store/store.js';
import { refOfKey } from './object-keys.js';
import { WorkQueue } from './work-queue.js';

/**
 * Owner references, as Kubernetes' garbage collector handles them: dependents whose owners are all
 * gone are deleted; `foregroundDeletion` owners wait for their dependents; `orphan` owners release
 * them. Keeps a uid index of every object, built from one watch over all keys.
 */
export class GarbageCollector {
  private readonly queue = new WorkQueue((key) => this.reconcile(key), { workers: 4 });
  private readonly keyByUid = new Map<string, string>();
  private readonly dependentsByOwner = new Map<string, Set<string>>();
  private readonly ownersByKey = new Map<string, string[]>();
  private stopWatch: (() => void) | undefined;

  constructor(private readonly objects: ObjectService) {}

  start(): void {
    const store = this.objects.store;
    for (const type of this.objects.registry.all()) {
      for (const entry of store.list(this.objects.prefixOf(type, undefined)).entries)
        this.index(entry.key, entry.object);
    }
    for (const [key, owners] of this.ownersByKey) if (owners.length > 0) this.queue.add(key);
    this.stopWatch = store.watch('/', store.committedRevision, (event) => this.observe(event));
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  private observe(event: StoreEvent): void {
    const { key, object } = event.entry;
    if (event.type === 'DELETED') {
      this.unindex(key, object);
      for (const dependent of this.dependentsByOwner.get(object.metadata.uid!) ?? [])
        this.queue.add(dependent);
      return;
    }
    this.index(key, object);
    if ((object.metadata.ownerReferences ?? []).length > 0) this.queue.add(key);
    const finalizers = object.metadata.finalizers ?? [];
    if (
      object.metadata.deletionTimestamp &&
      (finalizers.includes('foregroundDeletion') || finalizers.includes('orphan'))
    ) {
      this.queue.add(key);
    }
  }

  private index(key: string, object: KubeObject): void {
    const uid = object.metadata.uid;
    if (uid) this.keyByUid.set(uid, key);
    const previous = this.ownersByKey.get(key) ?? [];
    const owners = (object.metadata.ownerReferences ?? []).map((r) => r.uid);
    for (const o of previous) if (!owners.includes(o)) this.dependentsByOwner.get(o)?.delete(key);
    for (const o of owners) {
      const set = this.dependentsByOwner.get(o) ?? new Set<string>();
      this.dependentsByOwner.set(o, set);
      set.add(key);
    }
    if (owners.length > 0) this.ownersByKey.set(key, owners);
    else this.ownersByKey.delete(key);
  }

  private unindex(key: string, object: KubeObject): void {
    if (object.metadata.uid && this.keyByUid.get(object.metadata.uid) === key)
      this.keyByUid.delete(object.metadata.uid);
    for (const o of this.ownersByKey.get(key) ?? []) this.dependentsByOwner.get(o)?.delete(key);
    this.ownersByKey.delete(key);
  }

  private async reconcile(key: string): Promise<void> {
    const entry = this.objects.store.get(key);
    const ref = refOfKey(this.objects.registry, key);
    if (!entry || !ref) return;
    const object = entry.object;
    const finalizers = object.metadata.finalizers ?? [];
    if (object.metadata.deletionTimestamp && finalizers.includes('orphan'))
      return this.orphanDependents(key, object);
    if (object.metadata.deletionTimestamp && finalizers.includes('foregroundDeletion'))
      return this.deleteDependentsFirst(key, object);
    await this.collectIfOrphaned(key, object);
  }

  private async collectIfOrphaned(key: string, object: KubeObject): Promise<void> {
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.length === 0 || object.metadata.deletionTimestamp) return;
    const live = refs.filter((r) => this.keyByUid.has(r.uid));
    const ref = refOfKey(this.objects.registry, key)!;
    const allOwnersWaitOnUs = live.length > 0 && live.every((r) => this.isForegroundDeleting(r.uid));
    if (live.length === 0 || allOwnersWaitOnUs) {
      await this.ignoreNotFound(
        this.objects.delete(ref.type, ref.namespace, ref.name, {
          propagationPolicy: allOwnersWaitOnUs ? 'Foreground' : 'Background',
          preconditions: { uid: object.metadata.uid },
        }),
      );
      return;
    }
    if (live.length < refs.length) {
      // Some owners are gone, others remain: drop the dangling references, keep the object.
      const entry = this.objects.store.get(key)!;
      const next = structuredClone(entry.object);
      next.metadata.ownerReferences = live;
      await this.objects.commitUpdate(ref.type, entry, next, { fieldManager: 'garbage-collector' });
    }
  }

  private isForegroundDeleting(uid: string): boolean {
    const owner = this.objects.store.get(this.keyByUid.get(uid) ?? '')?.object;
    return Boolean(
      owner?.metadata.deletionTimestamp && owner.metadata.finalizers?.includes('foregroundDeletion'),
    );
  }

  private async deleteDependentsFirst(key: string, owner: KubeObject): Promise<void> {
    const dependents = [...(this.dependentsByOwner.get(owner.metadata.uid!) ?? [])];
    for (const dependentKey of dependents) {
      const dependent = this.objects.store.get(dependentKey)?.object;
      const ref = refOfKey(this.objects.registry, dependentKey);
      if (!dependent || !ref || dependent.metadata.deletionTimestamp) continue;
      await this.ignoreNotFound(
        this.objects.delete(ref.type, ref.namespace, ref.name, { propagationPolicy: 'Foreground' }),
      );
    }
    if (dependents.some((d) => this.objects.store.get(d))) {
      this.queue.addAfter(key, 100);
      return;
    }
    await this.removeFinalizer(key, 'foregroundDeletion');
  }

  private async orphanDependents(key: string, owner: KubeObject): Promise<void> {
    for (const dependentKey of [...(this.dependentsByOwner.get(owner.metadata.uid!) ?? [])]) {
      const entry = this.objects.store.get(dependentKey);
      const ref = refOfKey(this.objects.registry, dependentKey);
      if (!entry || !ref) continue;
      const next = structuredClone(entry.object);
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter(
        (r) => r.uid !== owner.metadata.uid,
      );
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      await this.objects.commitUpdate(ref.type, entry, next, { fieldManager: 'garbage-collector' });
    }
    await this.removeFinalizer(key, 'orphan');
  }

  private async removeFinalizer(key: string, finalizer: string): Promise<void> {
    const entry = this.objects.store.get(key);
    const ref = refOfKey(this.objects.registry, key);
    if (!entry || !ref) return;
    const next = structuredClone(entry.object);
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await this.objects.commitUpdate(ref.type, entry, next, {
      fieldManager: 'garbage-collector',
      subresource: 'finalizers',
    });
  }

  private async ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409) throw err;
    }
  }
}
