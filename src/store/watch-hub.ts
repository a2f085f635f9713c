import type { Entry, StoreEvent, WatchRoute } from './store.js';

type Listener = (event: StoreEvent) => void;

/**
 * Fans committed events out to watchers. Watchers register under a key prefix that ends with "/";
 * an event is offered to the watchers of every "/"-terminated prefix of its key, so delivery costs
 * one map lookup per key segment, not one check per watcher. A watcher with a route (a field it
 * selects on, e.g. spec.nodeName) is offered only the events whose object has its value before or
 * after the change, so a thousand kubelets watching their own pods cost one lookup per event, not a
 * thousand selector checks.
 */
export class WatchHub {
  private readonly byPrefix = new Map<string, Set<Listener>>();
  /** Routed watchers: prefix → index → value → listeners (see WatchRoute). */
  private readonly routed = new Map<string, Map<string, RoutedIndex>>();

  add(prefix: string, listener: Listener, route?: WatchRoute): () => void {
    if (route) return this.addRouted(prefix, listener, route);
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
    for (const indexes of this.routed.values())
      for (const index of indexes.values()) for (const set of index.byValue.values()) n += set.size;
    return n;
  }

  publish(event: StoreEvent): void {
    const key = event.entry.key;
    for (let i = key.indexOf('/'); i >= 0; i = key.indexOf('/', i + 1)) {
      const prefix = key.slice(0, i + 1);
      const listeners = this.byPrefix.get(prefix);
      if (listeners) for (const listener of listeners) listener(event);
      const indexes = this.routed.get(prefix);
      if (indexes) for (const index of indexes.values()) index.deliver(event);
    }
    const exact = this.byPrefix.get(key);
    if (exact) for (const listener of exact) listener(event);
    const exactRouted = this.routed.get(key);
    if (exactRouted) for (const index of exactRouted.values()) index.deliver(event);
  }

  private addRouted(prefix: string, listener: Listener, route: WatchRoute): () => void {
    let indexes = this.routed.get(prefix);
    if (!indexes) {
      indexes = new Map();
      this.routed.set(prefix, indexes);
    }
    let index = indexes.get(route.index);
    if (!index) {
      index = new RoutedIndex(route.valueIn);
      indexes.set(route.index, index);
    }
    const target = index;
    target.add(route.value, listener);
    return () => {
      target.remove(route.value, listener);
      if (target.empty && this.routed.get(prefix)?.get(route.index) === target) {
        indexes.delete(route.index);
        if (indexes.size === 0) this.routed.delete(prefix);
      }
    };
  }
}

/** Listeners of one index, by the value they want: an event reaches those of its old and new value. */
class RoutedIndex {
  readonly byValue = new Map<string, Set<Listener>>();

  constructor(private readonly valueIn: (entry: Entry) => string) {}

  get empty(): boolean {
    return this.byValue.size === 0;
  }

  add(value: string, listener: Listener): void {
    let set = this.byValue.get(value);
    if (!set) {
      set = new Set();
      this.byValue.set(value, set);
    }
    set.add(listener);
  }

  remove(value: string, listener: Listener): void {
    const set = this.byValue.get(value);
    if (!set) return;
    set.delete(listener);
    if (set.size === 0) this.byValue.delete(value);
  }

  deliver(event: StoreEvent): void {
    const now = this.valueIn(event.entry);
    const nowListeners = this.byValue.get(now);
    if (nowListeners) for (const listener of nowListeners) listener(event);
    if (!event.previous) return;
    const before = this.valueIn(event.previous);
    if (before === now) return;
    const beforeListeners = this.byValue.get(before);
    if (beforeListeners) for (const listener of beforeListeners) listener(event);
  }
}
