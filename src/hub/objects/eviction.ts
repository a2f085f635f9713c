/**
 * Evicting a pod with PodDisruptionBudgets respected: refused with 429 when a budget has no
 * disruption left; otherwise each matching budget's `disruptionsAllowed` is spent at once (so a fast
 * drain cannot evict more than allowed before the budget controller recounts), then the pod goes.
 */
import { type DeleteOptionsLike, type KubeObject, tooManyRequests } from '../../api/index.js';
import { fromLabelSelectorObject, matchesLabels } from '../request/selectors.js';
import type { ObjectService } from './object-service.js';

export async function evictPod(
  objects: ObjectService,
  pod: KubeObject,
  deleteOptions: DeleteOptionsLike = {},
): Promise<void> {
  const pods = objects.registry.lookup('', 'v1', 'pods')!;
  const budgets = objects.registry.lookup('policy', 'v1', 'poddisruptionbudgets')!;
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  const matching = objects
    .list(budgets, pod.metadata.namespace)
    .items.filter(
      (pdb) =>
        pdb.spec?.selector && matchesLabels(fromLabelSelectorObject(pdb.spec.selector), pod.metadata.labels),
    );
  if (!terminal) {
    for (const pdb of matching) {
      if (Number(pdb.status?.disruptionsAllowed ?? 0) <= 0) {
        throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10);
      }
    }
    for (const pdb of matching) {
      const entry = objects.getEntry(budgets, pdb.metadata.namespace, pdb.metadata.name!);
      const next = structuredClone(entry.object);
      // Recorded as disrupted so the budget controller does not count the pod as healthy before its deletion lands.
      next.status = {
        ...next.status,
        disruptionsAllowed: Number(next.status?.disruptionsAllowed ?? 0) - 1,
        disruptedPods: {
          ...next.status?.disruptedPods,
          [pod.metadata.name!]: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      };
      await objects.commitUpdate(budgets, entry, next, { subresource: 'status', fieldManager: 'eviction' });
    }
  }
  await objects.delete(pods, pod.metadata.namespace, pod.metadata.name!, {
    ...deleteOptions,
    preconditions: { uid: pod.metadata.uid, ...deleteOptions.preconditions },
  });
}
