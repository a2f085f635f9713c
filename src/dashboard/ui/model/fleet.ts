/**
 * The fleet as every page sees it: live Nodes, their Leases, all Pods and the map ConfigMap, each an
 * informer held for the whole session (the sidebar counts and the map need them everywhere), plus the
 * pods-per-device index derived from them.
 */
import type { KubeObject } from '../../../api/types.js';
import type { Informer, InformerCache } from '../api/watch.js';
import { MAP_NAME, MAP_NAMESPACE } from './map-config.js';

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

  constructor(informers: InformerCache) {
    this.nodes = informers.acquire(PATHS.nodes);
    this.leases = informers.acquire(PATHS.leases);
    this.pods = informers.acquire(PATHS.pods);
    this.map = informers.acquire(PATHS.map);
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
        let list = index.get(node);
        if (!list) index.set(node, (list = []));
        list.push(pod);
      }
      this.byNode = index;
    }
    return this.byNode.get(name) ?? [];
  }

  mapConfigMap(): KubeObject | undefined {
    return this.map.items.get(`${MAP_NAMESPACE}/${MAP_NAME}`);
  }
}
