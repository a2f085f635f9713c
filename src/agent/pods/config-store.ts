/**
 * The ConfigMaps and Secrets the device's pods reference, and nothing else: one name-filtered
 * watch per referenced object (a device never receives other secrets of the namespace), copies
 * persisted in DATA/state so pods start offline, and a change callback for the pods that use them.
 */
import type { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { type KubeClient, ListWatcher, resourcePath } from '../../client/index.js';
import type { AgentState } from '../state/agent-state.js';
import { type ObjectRef, refKey } from './config-refs.js';

export interface ConfigStoreOptions {
  client: KubeClient | undefined;
  state: AgentState;
  onChange(ref: ObjectRef): void;
  log(line: string): void;
}

export class ConfigStore {
  private readonly objects = new Map<string, KubeObject>();
  private readonly watchers = new Map<string, ListWatcher<KubeObject>>();
  private wanted = new Map<string, ObjectRef>();
  /** References whose watch has reported at least once since it started. */
  private readonly synced = new Set<string>();
  private online = false;

  constructor(private readonly options: ConfigStoreOptions) {}

  restore(entries: { kind: ObjectRef['kind']; object: KubeObject }[]): void {
    for (const { kind, object } of entries) {
      this.objects.set(
        refKey({ kind, namespace: object.metadata.namespace!, name: object.metadata.name! }),
        object,
      );
    }
  }

  lookup = (ref: ObjectRef): KubeObject | undefined => this.objects.get(refKey(ref));

  /** Online and still waiting for the first answer about this reference: "missing" would be premature. */
  isPending(ref: ObjectRef): boolean {
    const key = refKey(ref);
    return this.online && this.wanted.has(key) && !this.synced.has(key) && !this.objects.has(key);
  }

  /** The full set of references of all pods on the device; watches follow it. */
  setReferences(refs: ObjectRef[]): void {
    this.wanted = new Map(refs.map((r) => [refKey(r), r]));
    for (const [key, watcher] of this.watchers) {
      if (this.wanted.has(key)) continue;
      void watcher.stop();
      this.watchers.delete(key);
      this.synced.delete(key);
    }
    for (const [key, object] of [...this.objects]) {
      if (this.wanted.has(key)) continue;
      this.objects.delete(key);
      const kind = key.split('/')[0] as ObjectRef['kind'];
      void this.options.state.deleteObject(kind, object.metadata.namespace!, object.metadata.name!);
    }
    if (this.online) this.startWatches();
  }

  /** The link is up: make sure every reference is watched, and retry failed watches now. */
  connected(): void {
    this.online = true;
    this.startWatches();
    for (const watcher of this.watchers.values()) watcher.kick();
  }

  disconnected(): void {
    this.online = false;
    for (const watcher of this.watchers.values()) watcher.restartWatch();
  }

  get watchCount(): number {
    return this.watchers.size;
  }

  async stop(): Promise<void> {
    this.online = false;
    await Promise.all([...this.watchers.values()].map((w) => w.stop()));
    this.watchers.clear();
  }

  private startWatches(): void {
    const client = this.options.client;
    if (!client) return;
    for (const [key, ref] of this.wanted) {
      if (this.watchers.has(key)) continue;
      const watcher = new ListWatcher<KubeObject>({
        client,
        path: resourcePath({ apiVersion: 'v1', resource: ref.kind, namespace: ref.namespace }),
        fieldSelector: `metadata.name=${ref.name}`,
        onSync: (items) => this.set(ref, items[0]),
        onEvent: (event) => this.set(ref, event.type === 'DELETED' ? undefined : event.object),
        onError: (err: ApiError) => {
          if (err.code !== 503) this.options.log(`config: watching ${key} failed: ${err.message}`);
        },
      });
      this.watchers.set(key, watcher);
      watcher.start();
    }
  }

  private set(ref: ObjectRef, object: KubeObject | undefined): void {
    const key = refKey(ref);
    if (!this.wanted.has(key)) return;
    const first = !this.synced.has(key);
    this.synced.add(key);
    const before = this.objects.get(key);
    if (object) {
      if (before && before.metadata.resourceVersion === object.metadata.resourceVersion) return;
      const copy = { ...object, metadata: { ...object.metadata } };
      delete copy.metadata.managedFields;
      this.objects.set(key, copy);
      void this.options.state.saveObject(ref.kind, copy);
    } else {
      if (!before) {
        if (first) this.options.onChange(ref); // pods waiting on it can now report it missing
        return;
      }
      this.objects.delete(key);
      void this.options.state.deleteObject(ref.kind, ref.namespace, ref.name);
    }
    this.options.onChange(ref);
  }
}
