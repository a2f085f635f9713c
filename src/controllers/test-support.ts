/**
 * For the controllers' integration tests: a real hub in-process with a temp data dir, Nodes as a
 * device's agent would register them, a fake agent that runs bound pods (Ready after a short
 * delay, graceful deletions completed) and renews node leases, kubectl and raw HTTPS helpers.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { KubeObject } from '../api/types.js';
import { type HubOptions, type RunningHub, startHub } from '../hub/hub.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const iso = (ms = Date.now()) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface TestHub {
  hub: RunningHub;
  objects: ObjectService;
  dir: string;
  type(group: string, plural: string): ResourceType;
  stop(): Promise<void>;
}

export async function startTestHub(options: Partial<HubOptions> = {}): Promise<TestHub> {
  const dir = mkdtempSync(join(tmpdir(), 'minato-controllers-'));
  let hub: RunningHub;
  try {
    hub = await startHub({
      dataDir: dir,
      port: 0,
      host: '127.0.0.1',
      // Nodes are not judged out of range unless a test asks for it.
      nodeLifecycle: { graceSeconds: 3600 },
      ...options,
    });
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    hub,
    objects: hub.objects,
    dir,
    type: (group, plural) => hub.objects.registry.lookup(group, 'v1', plural)!,
    async stop() {
      try {
        await hub.stop();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

export interface NodeOptions {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: { key: string; value?: string; effect: string }[];
  unschedulable?: boolean;
  ready?: 'True' | 'False' | 'Unknown';
  allocatable?: Record<string, string>;
}

export function nodeObject(name: string, options: NodeOptions = {}): KubeObject {
  const allocatable = options.allocatable ?? { cpu: '4', memory: '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      labels: { 'kubernetes.io/hostname': name, ...options.labels },
      ...(options.annotations ? { annotations: options.annotations } : {}),
    },
    spec: {
      ...(options.taints ? { taints: options.taints } : {}),
      ...(options.unschedulable ? { unschedulable: true } : {}),
    },
    status: {
      capacity: allocatable,
      allocatable,
      conditions: [
        {
          type: 'Ready',
          status: options.ready ?? 'True',
          reason: 'KubeletReady',
          lastHeartbeatTime: iso(),
          lastTransitionTime: iso(),
        },
      ],
    },
  };
}

export async function createNode(h: TestHub, name: string, options: NodeOptions = {}): Promise<KubeObject> {
  return (await h.objects.create(h.type('', 'nodes'), undefined, nodeObject(name, options))).object;
}

/** Reads the stored object, applies `mutate`, writes it back (retrying on conflicts). */
export async function mutate(
  h: TestHub,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
  change: (obj: KubeObject) => void,
  subresource?: string,
): Promise<KubeObject> {
  for (let attempt = 0; ; attempt++) {
    const entry = h.objects.getEntry(type, namespace, name);
    const next = structuredClone(entry.object);
    change(next);
    try {
      return (await h.objects.commitUpdate(type, entry, next, { fieldManager: 'test', subresource })).object;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || attempt > 20) throw err;
    }
  }
}

/** Polls until `probe` returns something truthy. */
export async function waitFor<T>(
  what: string,
  probe: () => T | undefined | null | false,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function podsWith(h: TestHub, namespace: string, labels: Record<string, string>): KubeObject[] {
  return h.objects
    .list(h.type('', 'pods'), namespace)
    .items.filter((p) => Object.entries(labels).every(([k, v]) => p.metadata.labels?.[k] === v));
}

export const isReady = (pod: KubeObject): boolean =>
  ((pod.status?.conditions ?? []) as { type: string; status: string }[]).some(
    (c) => c.type === 'Ready' && c.status === 'True',
  );

/**
 * What agents on devices would do: start bound pods (Running and Ready after `readyDelayMs`),
 * finish graceful deletions, and renew the node leases. Nodes in `offline` do nothing.
 */
export class FakeAgent {
  readonly offline = new Set<string>();
  private stopWatch: (() => void) | undefined;
  private leaseTimer: NodeJS.Timeout | undefined;
  private readonly busy = new Set<string>();
  private stopped = false;

  constructor(
    private readonly h: TestHub,
    private readonly options: { readyDelayMs?: number; renewLeases?: boolean } = {},
  ) {}

  start(): this {
    this.stopWatch = this.h.objects.watch(this.h.type('', 'pods'), undefined, {}, (e) => {
      if (e.type !== 'DELETED') this.handle(e.object);
    });
    if (this.options.renewLeases) {
      this.leaseTimer = setInterval(() => void this.renewLeases().catch(() => {}), 300);
      void this.renewLeases().catch(() => {});
    }
    return this;
  }

  stop(): void {
    this.stopped = true;
    this.stopWatch?.();
    if (this.leaseTimer) clearInterval(this.leaseTimer);
  }

  /** Brings a node back: handles its pods again. */
  online(node: string): void {
    this.offline.delete(node);
    for (const pod of this.h.objects.list(this.h.type('', 'pods'), undefined).items) this.handle(pod);
  }

  private handle(pod: KubeObject): void {
    const node = pod.spec?.nodeName;
    if (!node || this.offline.has(node) || this.stopped) return;
    const key = `${pod.metadata.namespace}/${pod.metadata.name}`;
    if (this.busy.has(key)) return;
    if (pod.metadata.deletionTimestamp) {
      this.busy.add(key);
      void this.finish(pod).finally(() => this.busy.delete(key));
    } else if (!isReady(pod)) {
      this.busy.add(key);
      setTimeout(
        () => void this.start1(pod).finally(() => this.busy.delete(key)),
        this.options.readyDelayMs ?? 30,
      );
    }
  }

  private async finish(pod: KubeObject): Promise<void> {
    try {
      await this.h.objects.delete(this.h.type('', 'pods'), pod.metadata.namespace, pod.metadata.name!, {
        gracePeriodSeconds: 0,
        preconditions: { uid: pod.metadata.uid },
      });
    } catch {
      // already gone
    }
  }

  private async start1(pod: KubeObject): Promise<void> {
    if (this.stopped) return;
    const type = this.h.type('', 'pods');
    const entry = this.h.objects.store.get(
      this.h.objects.keyOf(type, pod.metadata.namespace, pod.metadata.name!),
    );
    if (!entry || entry.object.metadata.deletionTimestamp || this.offline.has(entry.object.spec?.nodeName)) {
      if (entry) this.handle(entry.object);
      return;
    }
    if (isReady(entry.object)) return;
    const next = structuredClone(entry.object);
    const at = iso();
    const kept = ((next.status?.conditions ?? []) as { type: string }[]).filter(
      (c) => c.type === 'PodScheduled',
    );
    next.status = {
      ...next.status,
      phase: 'Running',
      startTime: at,
      conditions: [
        ...kept,
        { type: 'Initialized', status: 'True', lastTransitionTime: at },
        { type: 'ContainersReady', status: 'True', lastTransitionTime: at },
        { type: 'Ready', status: 'True', lastTransitionTime: at },
      ],
    };
    try {
      await this.h.objects.commitUpdate(type, entry, next, {
        fieldManager: 'fake-agent',
        subresource: 'status',
      });
    } catch {
      const again = this.h.objects.store.get(entry.key);
      if (again) setTimeout(() => this.handle(again.object), 10);
    }
  }

  private async renewLeases(): Promise<void> {
    if (this.stopped) return;
    const leases = this.h.type('coordination.k8s.io', 'leases');
    for (const node of this.h.objects.list(this.h.type('', 'nodes'), undefined).items) {
      const name = node.metadata.name!;
      if (this.offline.has(name)) continue;
      const renewTime = new Date().toISOString().replace('Z', '000Z');
      const existing = this.h.objects.find(leases, 'kube-node-lease', name);
      if (existing) {
        await mutate(this.h, leases, 'kube-node-lease', name, (l) => {
          l.spec.renewTime = renewTime;
        });
      } else {
        await this.h.objects.create(leases, 'kube-node-lease', {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name, namespace: 'kube-node-lease' },
          spec: { holderIdentity: name, leaseDurationSeconds: 1, renewTime },
        });
      }
    }
  }
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** The kubectl on PATH against the test hub, with its own discovery cache. */
export function kubectl(h: TestHub, args: string[], timeoutMs = 30_000): Promise<CommandResult> {
  const cacheDir = mkdtempSync(join(h.dir, 'kube-cache-'));
  return new Promise((resolve, reject) => {
    const child = spawn('kubectl', args, {
      env: { ...process.env, KUBECONFIG: h.hub.kubeconfigPath, KUBECACHEDIR: cacheDir },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`kubectl could not run (${err.message}); put kubectl on PATH`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** A raw HTTPS request with the admin client certificate from the hub's kubeconfig. */
export function apiRequest(
  h: TestHub,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  const doc = parse(readFileSync(h.hub.kubeconfigPath, 'utf8'));
  const b64 = (s: string) => Buffer.from(s, 'base64');
  const cluster = doc.clusters[0].cluster;
  const user = doc.users[0].user;
  const url = new URL(path, cluster.server);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        ca: b64(cluster['certificate-authority-data']),
        cert: b64(user['client-certificate-data']),
        key: b64(user['client-key-data']),
        headers: {
          accept: 'application/json',
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}
