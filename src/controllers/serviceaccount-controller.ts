import type { ObjectService } from '../hub/objects/object-service.js';
import { WorkQueue } from './work-queue.js';

/** Every active namespace has a `default` ServiceAccount, as in Kubernetes. */
export class ServiceAccountController {
  private readonly queue = new WorkQueue((ns) => this.reconcile(ns), { workers: 1 });
  private stopWatch: (() => void) | undefined;

  constructor(private readonly objects: ObjectService) {}

  start(): void {
    const namespaces = this.objects.registry.lookup('', 'v1', 'namespaces')!;
    const accounts = this.objects.registry.lookup('', 'v1', 'serviceaccounts')!;
    this.stopWatch = this.objects.watch(namespaces, undefined, {}, (e) => {
      if (e.type !== 'DELETED') this.queue.add(e.object.metadata.name!);
    });
    // A deleted default account comes back.
    const stopAccounts = this.objects.watch(
      accounts,
      undefined,
      { fieldSelector: 'metadata.name=default' },
      (e) => {
        if (e.type === 'DELETED') this.queue.add(e.object.metadata.namespace!);
      },
    );
    const stopNamespaces = this.stopWatch;
    this.stopWatch = () => {
      stopNamespaces();
      stopAccounts();
    };
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  private async reconcile(namespace: string): Promise<void> {
    const ns = this.objects.find(this.objects.registry.lookup('', 'v1', 'namespaces')!, undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const accounts = this.objects.registry.lookup('', 'v1', 'serviceaccounts')!;
    if (this.objects.find(accounts, namespace, 'default')) return;
    try {
      await this.objects.create(
        accounts,
        namespace,
        { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default' } },
        {
          fieldManager: 'serviceaccount-controller',
        },
      );
    } catch (err) {
      const code = (err as { code?: number }).code;
      if (code !== 409 && code !== 403 && code !== 404) throw err;
    }
  }
}
