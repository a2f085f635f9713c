import type { ObjectService } from '../hub/objects/object-service.js';
import { isVirtual } from '../hub/registry/builtin-types.js';
import { WorkQueue } from './work-queue.js';

/**
 * Empties namespaces that are being deleted. Level-triggered: each pass deletes what is left and
 * re-queues itself until the namespace is empty, then releases the `kubernetes` finalizer.
 */
export class NamespaceController {
  private readonly queue = new WorkQueue((name) => this.reconcile(name), { workers: 2 });
  private stopWatch: (() => void) | undefined;

  constructor(private readonly objects: ObjectService) {}

  start(): void {
    const nsType = this.objects.registry.lookup('', 'v1', 'namespaces')!;
    this.stopWatch = this.objects.watch(nsType, undefined, {}, (event) => {
      if (event.object.metadata.deletionTimestamp) this.queue.add(event.object.metadata.name!);
    });
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const registry = this.objects.registry;
    const nsType = registry.lookup('', 'v1', 'namespaces')!;
    const entry = this.objects.store.get(this.objects.keyOf(nsType, undefined, name));
    if (!entry?.object.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const type of registry.all()) {
      if (!type.namespaced || isVirtual(type)) continue;
      for (const item of this.objects.list(type, name).items) {
        remaining++;
        if (item.metadata.deletionTimestamp) continue;
        try {
          // Pods get no grace here: the namespace is going and nothing must keep it alive.
          await this.objects.delete(type, name, item.metadata.name!, {
            propagationPolicy: 'Background',
            gracePeriodSeconds: 0,
          });
        } catch (err) {
          if ((err as { code?: number }).code !== 404) throw err;
        }
      }
    }
    if (remaining > 0) {
      this.queue.addAfter(name, 200);
      return;
    }
    const next = structuredClone(entry.object);
    next.spec = {
      ...next.spec,
      finalizers: (next.spec?.finalizers ?? []).filter((f: string) => f !== 'kubernetes'),
    };
    await this.objects.commitUpdate(nsType, entry, next, {
      subresource: 'finalize',
      fieldManager: 'namespace-controller',
    });
  }
}
