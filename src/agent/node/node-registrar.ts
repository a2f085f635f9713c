/**
 * Creates or updates this device's Node: labels on the object, everything else through the
 * nodes/NAME/status subresource, and small merge patches for annotations and cordoning. Writes
 * happen on (re)connect, on a meaningful change, and as a slow heartbeat; never per lease.
 */
import { isApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { type KubeClient, resourcePath } from '../../client/index.js';
import type { LinkSnapshot } from '../link/link-quality.js';
import { type NodeIdentity, newNodeObject, nodeLabels, nodeStatus } from './node-object.js';

export class NodeRegistrar {
  /** The Node as the hub last returned it. */
  node: KubeObject | undefined;
  private writes = 0;

  constructor(
    private readonly client: KubeClient,
    private readonly identity: NodeIdentity,
    private readonly log: (line: string) => void,
  ) {}

  get path(): string {
    return resourcePath({ apiVersion: 'v1', resource: 'nodes', name: this.identity.name });
  }

  get writeCount(): number {
    return this.writes;
  }

  get uid(): string | undefined {
    return this.node?.metadata.uid;
  }

  /** Makes sure the Node exists with our labels and a fresh status. Returns the Node. */
  async register(link?: LinkSnapshot): Promise<KubeObject> {
    let node: KubeObject;
    try {
      node = await this.client.get(this.path);
    } catch (err) {
      if (!isApiError(err) || err.code !== 404) throw err;
      try {
        node = await this.client.create(
          resourcePath({ apiVersion: 'v1', resource: 'nodes' }),
          newNodeObject(this.identity, { link }),
        );
        this.writes++;
        this.log(`node: registered Node ${this.identity.name}`);
      } catch (createErr) {
        if (!isApiError(createErr) || createErr.code !== 409) throw createErr;
        node = await this.client.get(this.path);
      }
    }
    this.node = node;
    const wanted = nodeLabels(this.identity);
    const labels = node.metadata.labels ?? {};
    const changed = Object.entries(wanted).filter(([k, v]) => labels[k] !== v);
    if (changed.length > 0) {
      this.node = await this.client.patch(
        this.path,
        { metadata: { labels: Object.fromEntries(changed) } },
        'merge',
      );
      this.writes++;
    }
    await this.writeStatus(link);
    return this.node!;
  }

  /** Rewrites the status (conditions with a new heartbeat, capacity, addresses). */
  async writeStatus(link?: LinkSnapshot): Promise<void> {
    const previous = this.node?.status?.conditions;
    const status = nodeStatus(this.identity, { link, previous });
    this.node = await this.client.patch(`${this.path}/status`, { status }, 'strategic');
    this.writes++;
  }

  /** A merge patch on the Node itself (annotations, spec.unschedulable). */
  async patch(body: Record<string, unknown>): Promise<KubeObject> {
    this.node = await this.client.patch(this.path, body, 'merge');
    this.writes++;
    return this.node!;
  }
}
