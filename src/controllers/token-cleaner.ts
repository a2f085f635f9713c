import { BOOTSTRAP_TOKEN_TYPE, tokenExpiry } from '../hub/auth/bootstrap-tokens.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import { WorkQueue } from './work-queue.js';

/** Deletes bootstrap tokens when they expire, so a leaked old token is not even a record. */
export class TokenCleaner {
  private readonly queue = new WorkQueue((name) => this.reconcile(name), { workers: 1 });
  private stopWatch: (() => void) | undefined;

  constructor(private readonly objects: ObjectService) {}

  private get secrets() {
    return this.objects.registry.lookup('', 'v1', 'secrets')!;
  }

  start(): void {
    this.stopWatch = this.objects.watch(
      this.secrets,
      'kube-system',
      { fieldSelector: `type=${BOOTSTRAP_TOKEN_TYPE}` },
      (e) => {
        if (e.type !== 'DELETED') this.queue.add(e.object.metadata.name!);
      },
    );
  }

  stop(): void {
    this.stopWatch?.();
    this.queue.stop();
  }

  private async reconcile(name: string): Promise<void> {
    const secret = this.objects.find(this.secrets, 'kube-system', name);
    const expiry = secret ? tokenExpiry(secret) : undefined;
    if (!secret || !expiry) return;
    const left = expiry.getTime() - Date.now();
    if (left > 0) {
      // Timers cap out near 24.8 days; a longer wait simply looks again then.
      this.queue.addAfter(name, Math.min(left + 50, 2 ** 31 - 1));
      return;
    }
    try {
      await this.objects.delete(this.secrets, 'kube-system', name, {
        preconditions: { uid: secret.metadata.uid },
      });
    } catch (err) {
      if ((err as { code?: number }).code !== 404 && (err as { code?: number }).code !== 409) throw err;
    }
  }
}
