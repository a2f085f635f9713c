import type { StoreEvent } from './store.js';

type Listener = (event: StoreEvent) => void;

/**
 * Fans committed events out to watchers. Watchers register under a key prefix that ends with "/";
 * an event is offered to the watchers of every "/"-terminated prefix of its key, so delivery costs
 * one map lookup per key segment, not one check per watcher.
 */
export class WatchHub {
  private readonly byPrefix = new Map<string, Set<Listener>>();

  add(prefix: string, listener: Listener): () => void {
    let set = this.byPrefix.get(prefix);
    if (!set) {
      set = new Set();
      this.byPrefix.set(prefix, set);
    }
    set.add(listener);
    return () => {
      const current = this.byPrefix.get(prefix);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) this.byPrefix.delete(prefix);
    };
  }

  get size(): number {
    let n = 0;
    for (const set of this.byPrefix.values()) n += set.size;
    return n;
  }

  publish(event: StoreEvent): void {
    const key = event.entry.key;
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const listeners = this.byPrefix.get(key.slice(0, i + 1));
      if (!listeners) continue;
      for (const listener of listeners) listener(event);
    }
    const exact = this.byPrefix.get(key);
    if (exact) for (const listener of exact) listener(event);
  }
}
