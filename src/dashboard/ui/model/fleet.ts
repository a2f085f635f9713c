/**
 * The fleet as every page sees it: live Nodes, their Leases, all Pods and the map ConfigMap, each an
 * informer held for the whole session (the sidebar counts and the map need them everywhere), plus the
 * pods-per-device index derived from them.
 */
import type { KubeObject } from '../../../api/types.js';
import type { Informer, InformerCache } from '../api/watch.js';
import { MAP_NAME, MAP_NAMESPACE } from './map-config.js';
import { type DeviceState, deviceState, position, STATES } from './node-state.js';

export const PATHS = {
  nodes: '/api/v1/nodes',
  leases: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases',
  pods: '/api/v1/pods',
  map: `/api/v1/namespaces/${MAP_NAMESPACE}/configmaps?fieldSelector=metadata.name%3D${MAP_NAME}`,
  deployments: '/apis/apps/v1/deployments',
  daemonsets: '/apis/apps/v1/daemonsets',
  events: '/api/v1/events',
} as const;

export class Fleet {
  readonly nodes: Informer;
  readonly leases: Informer;
  readonly pods: Informer;
  readonly map: Informer;
  private byNode: Map<string, KubeObject[]> | undefined;
  private byNodeRevision = -1;

  /** Devices per state and devices without a position, kept up to date incrementally (1,000 devices, every frame). */
  readonly counts = Object.fromEntries(STATES.map((s) => [s.id, 0])) as Record<DeviceState, number>;
  unplaced = 0;
  private readonly known = new Map<string, { state: DeviceState; placed: boolean }>();

  constructor(informers: InformerCache) {
    this.nodes = informers.acquire(PATHS.nodes);
    this.leases = informers.acquire(PATHS.leases);
    this.pods = informers.acquire(PATHS.pods);
    this.map = informers.acquire(PATHS.map);
    // Registered first, so views listening to nodes see the counts of the same frame.
    this.nodes.onChange((c) => this.recount(c.reset ? undefined : c.keys));
  }

  private recount(changed: ReadonlySet<string> | undefined): void {
    const names = changed ?? new Set([...this.nodes.items.keys(), ...this.known.keys()]);
    for (const name of names) {
      const before = this.known.get(name);
      if (before) {
        this.counts[before.state]--;
        if (!before.placed) this.unplaced--;
      }
      const node = this.nodes.items.get(name);
      if (!node) {
        this.known.delete(name);
        continue;
      }
      const now = { state: deviceState(node), placed: position(node) !== undefined };
      this.counts[now.state]++;
      if (!now.placed) this.unplaced++;
      this.known.set(name, now);
    }
  }

  node(name: string): KubeObject | undefined {
    return this.nodes.items.get(name);
  }

  lease(name: string): KubeObject | undefined {
    return this.leases.items.get(`kube-node-lease/${name}`);
  }

  /** Pods bound to a device (spec.nodeName), from the live pod cache. */
  podsOn(name: string): KubeObject[] {
    if (!this.byNode || this.byNodeRevision !== this.pods.revision) {
      this.byNodeRevision = this.pods.revision;
      const index = new Map<string, KubeObject[]>();
      for (const pod of this.pods.items.values()) {
        const node = pod.spec?.nodeName as string | undefined;
        if (!node) continue;
        const list = index.get(node);
        if (list) list.push(pod);
        else index.set(node, [pod]);
      }
      this.byNode = index;
    }
    return this.byNode.get(name) ?? [];
  }

  mapConfigMap(): KubeObject | undefined {
    return this.map.items.get(`${MAP_NAMESPACE}/${MAP_NAME}`);
  }
}
