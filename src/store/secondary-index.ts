/**
 * The keys of one collection grouped by a value derived from each object (pods by node), kept in
 * step with every write, with each group's keys sorted on demand, like the collections themselves.
 */
import type { KubeObject } from '../api/types.js';

export class SecondaryIndex {
  private readonly byValue = new Map<string, { keys: Set<string>; sorted: string[] | undefined }>();

  constructor(
    /** "/group/resource/" */
    readonly collection: string,
    private readonly valueFor: (object: KubeObject) => string | undefined,
  ) {}

  /** An object changed (`before` or `after` undefined: created or deleted). */
  update(key: string, before: KubeObject | undefined, after: KubeObject | undefined): void {
    const was = before ? this.valueFor(before) : undefined;
    const now = after ? this.valueFor(after) : undefined;
    if (was === now) return;
    if (was !== undefined) this.remove(key, was);
    if (now !== undefined) this.add(key, now);
  }

  /** The keys indexed under `value`, sorted. */
  keys(value: string): readonly string[] {
    const bucket = this.byValue.get(value);
    if (!bucket) return [];
    bucket.sorted ??= [...bucket.keys].sort();
    return bucket.sorted;
  }

  private add(key: string, value: string): void {
    let bucket = this.byValue.get(value);
    if (!bucket) {
      bucket = { keys: new Set(), sorted: undefined };
      this.byValue.set(value, bucket);
    }
    bucket.keys.add(key);
    bucket.sorted = undefined;
  }

  private remove(key: string, value: string): void {
    const bucket = this.byValue.get(value);
    if (!bucket?.keys.delete(key)) return;
    bucket.sorted = undefined;
    if (bucket.keys.size === 0) this.byValue.delete(value);
  }
}
