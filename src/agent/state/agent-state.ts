/**
 * What the device must remember to run without the hub: the pods bound to it (with their runtime
 * record: restart counts, finished containers), the ConfigMaps and Secrets they reference, and
 * where the pod watch stopped. One JSON file per thing under DATA/state/, written atomically;
 * writes to the same file are coalesced (the newest content wins) and never interleave.
 *
 *   state/meta.json                      { podsResourceVersion, cordonedByAgent, ... }
 *   state/pods/<uid>.json                { pod, runtime }
 *   state/objects/<kind>/<ns>/<name>.json  ConfigMaps and Secrets (mode 0600)
 */
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '../../api/types.js';
import { readJsonIfExists, writeFileAtomic } from '../../common/atomic-file.js';

export interface AgentMeta {
  nodeName?: string;
  /** Where the pod watch can resume after a restart. */
  podsResourceVersion?: string;
  /** The agent cordoned the node for a departure (so it uncordons on return). */
  cordonedByAgent?: boolean;
  /** RFC 3339 deadline of a departure in progress. */
  departingUntil?: string;
}

/** What a container did, as far as restarts and status are concerned. */
export interface ContainerRecord {
  restartCount: number;
  containerID?: string;
  imageID?: string;
  startedAt?: string;
  /** The last finished run, for status.lastState and for "do not run a completed container again". */
  lastTermination?: {
    exitCode: number;
    signal?: string;
    reason: string;
    message?: string;
    startedAt?: string;
    finishedAt: string;
    containerID?: string;
  };
}

export interface PodRuntimeRecord {
  startTime?: string;
  initDone?: boolean;
  containers: Record<string, ContainerRecord>;
  /** The pod reached Succeeded or Failed: it is never started again. */
  finishedPhase?: 'Succeeded' | 'Failed';
  /** Containers stopped after a deletion; the hub still needs the confirming DELETE. */
  terminated?: boolean;
}

export interface PersistedPod {
  pod: KubeObject;
  runtime: PodRuntimeRecord;
}

export type ObjectKind = 'configmaps' | 'secrets';

export interface LoadedState {
  meta: AgentMeta;
  pods: PersistedPod[];
  objects: { kind: ObjectKind; object: KubeObject }[];
}

export class AgentState {
  private readonly pending = new Map<string, { content: string | null; mode: number }>();
  private readonly running = new Map<string, Promise<void>>();
  private meta: AgentMeta = {};

  constructor(
    readonly dir: string,
    private readonly warn: (line: string) => void = () => {},
  ) {}

  async load(): Promise<LoadedState> {
    this.meta = (await readJsonIfExists<AgentMeta>(join(this.dir, 'meta.json'), this.warn)) ?? {};
    const pods: PersistedPod[] = [];
    for (const file of await listFiles(join(this.dir, 'pods'))) {
      if (!file.endsWith('.json')) continue;
      const record = await readJsonIfExists<PersistedPod>(join(this.dir, 'pods', file), this.warn);
      if (record?.pod?.metadata?.uid && record.runtime) pods.push(record);
    }
    const objects: LoadedState['objects'] = [];
    for (const kind of ['configmaps', 'secrets'] as const) {
      for (const ns of await listFiles(join(this.dir, 'objects', kind))) {
        for (const file of await listFiles(join(this.dir, 'objects', kind, ns))) {
          if (!file.endsWith('.json')) continue;
          const object = await readJsonIfExists<KubeObject>(
            join(this.dir, 'objects', kind, ns, file),
            this.warn,
          );
          if (object?.metadata?.name) objects.push({ kind, object });
        }
      }
    }
    return { meta: { ...this.meta }, pods, objects };
  }

  getMeta(): AgentMeta {
    return { ...this.meta };
  }

  updateMeta(change: Partial<AgentMeta>): Promise<void> {
    this.meta = { ...this.meta, ...change };
    for (const [key, value] of Object.entries(change)) {
      if (value === undefined) delete (this.meta as Record<string, unknown>)[key];
    }
    return this.write(join(this.dir, 'meta.json'), JSON.stringify(this.meta), 0o600);
  }

  savePod(record: PersistedPod): Promise<void> {
    return this.write(this.podPath(record.pod.metadata.uid!), JSON.stringify(record), 0o600);
  }

  deletePod(uid: string): Promise<void> {
    return this.write(this.podPath(uid), null, 0);
  }

  saveObject(kind: ObjectKind, object: KubeObject): Promise<void> {
    return this.write(
      this.objectPath(kind, object.metadata.namespace!, object.metadata.name!),
      JSON.stringify(object),
      0o600,
    );
  }

  deleteObject(kind: ObjectKind, namespace: string, name: string): Promise<void> {
    return this.write(this.objectPath(kind, namespace, name), null, 0);
  }

  /** Resolves once every write queued so far is on disk. */
  async flush(): Promise<void> {
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  private podPath(uid: string): string {
    return join(this.dir, 'pods', `${safeName(uid)}.json`);
  }

  private objectPath(kind: ObjectKind, namespace: string, name: string): string {
    return join(this.dir, 'objects', kind, safeName(namespace), `${safeName(name)}.json`);
  }

  /** Queues a write (null deletes); a newer write to the same path replaces a queued one. */
  private write(path: string, content: string | null, mode: number): Promise<void> {
    this.pending.set(path, { content, mode });
    const inFlight = this.running.get(path);
    if (inFlight) return inFlight; // its loop picks up the newest content before it resolves
    const run = (async () => {
      for (;;) {
        const next = this.pending.get(path);
        if (!next) break;
        this.pending.delete(path);
        try {
          if (next.content === null) await rm(path, { force: true });
          else await writeFileAtomic(path, next.content, next.mode);
        } catch (err) {
          this.warn(`state: could not write ${path}: ${(err as Error).message}`);
        }
      }
      this.running.delete(path);
    })();
    this.running.set(path, run);
    return run;
  }
}

/** Names from the API are DNS labels/subdomains; anything else is escaped so it cannot leave the folder. */
function safeName(name: string): string {
  return /^[a-z0-9][a-z0-9.-]*$/i.test(name) && !name.includes('..')
    ? name
    : encodeURIComponent(name).replace(/\./g, '%2E');
}

async function listFiles(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}
