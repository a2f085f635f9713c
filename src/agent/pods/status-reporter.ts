/**
 * Gets pod status to the hub, and only when it says something new: the latest status per pod is
 * kept, compared with what the hub already has (from the watch) and with what was last sent, and
 * written through pods/NAME/status when the link is up. Deletions are confirmed the kubelet's way
 * (DELETE with gracePeriodSeconds=0, preconditioned on the pod's uid) once its containers are stopped.
 * Offline, nothing is lost: the newest status waits and goes out after the reconnect.
 */
import { isApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { isTransportError, type KubeClient, resourcePath } from '../../client/index.js';

interface Entry {
  namespace: string;
  name: string;
  uid: string;
  status?: Record<string, unknown>;
  /** What the hub is known to have (seen in the watch, or returned by our last write). */
  hubStatus?: Record<string, unknown>;
  confirmDeletion?: boolean;
}

export interface StatusReporterOptions {
  client: KubeClient | undefined;
  /** The hub confirmed a deletion (or the pod is gone): drop the pod's local state. */
  onDeleted(uid: string): void;
  log(line: string): void;
  /** Retry delay after a failure that is not the link (e.g. a 500). Default 2 s. */
  retryMs?: number;
}

/** JSON with sorted keys and without nulls or empty objects, so equal statuses compare equal. */
export function canonicalJson(value: unknown): string {
  const normalize = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(normalize);
    if (v && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const key of Object.keys(v).sort()) {
        const inner = normalize((v as Record<string, unknown>)[key]);
        if (inner === null || inner === undefined) continue;
        if (typeof inner === 'object' && !Array.isArray(inner) && Object.keys(inner as object).length === 0)
          continue;
        out[key] = inner;
      }
      return out;
    }
    return v;
  };
  return JSON.stringify(normalize(value));
}

/**
 * A JSON patch that writes our fields of the status, preconditioned on the pod's uid (a `test` op),
 * so a status can never land on a newer pod that took the same name. Fields others own stay.
 */
export function statusPatch(
  uid: string,
  status: Record<string, unknown>,
  hubStatus: Record<string, unknown> | undefined,
): Record<string, unknown>[] {
  const ops: Record<string, unknown>[] = [{ op: 'test', path: '/metadata/uid', value: uid }];
  if (!hubStatus) ops.push({ op: 'add', path: '/status', value: status });
  else
    for (const [key, value] of Object.entries(status)) ops.push({ op: 'add', path: `/status/${key}`, value });
  return ops;
}

/** Whether the hub already has our status (comparing only the fields we report). */
function hubHas(entry: Entry): boolean {
  if (!entry.status || !entry.hubStatus) return false;
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(entry.status)) if (key in entry.hubStatus) picked[key] = entry.hubStatus[key];
  return canonicalJson(picked) === canonicalJson(entry.status);
}

export class StatusReporter {
  private readonly entries = new Map<string, Entry>();
  private readonly dirty = new Set<string>();
  private online = false;
  private flushing: Promise<void> | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private writes = 0;
  private lastLogged = '';

  constructor(private readonly options: StatusReporterOptions) {}

  /** The status the pod should have now. */
  report(pod: KubeObject, status: Record<string, unknown>): void {
    const entry = this.entry(pod);
    entry.status = status;
    if (hubHas(entry)) return;
    this.dirty.add(entry.uid);
    this.schedule();
  }

  /** What the hub has for the pod, from a watch event or a list. */
  observed(pod: KubeObject): void {
    const entry = this.entry(pod);
    entry.hubStatus = pod.status as Record<string, unknown> | undefined;
    if (entry.status && !hubHas(entry)) {
      this.dirty.add(entry.uid);
      this.schedule();
    }
  }

  /** Write the final status, then confirm the deletion. */
  confirmDeletion(pod: KubeObject): void {
    const entry = this.entry(pod);
    entry.confirmDeletion = true;
    this.dirty.add(entry.uid);
    this.schedule();
  }

  forget(uid: string): void {
    this.entries.delete(uid);
    this.dirty.delete(uid);
  }

  connected(): void {
    this.online = true;
    this.schedule();
  }

  disconnected(): void {
    this.online = false;
  }

  get pending(): number {
    return this.dirty.size;
  }

  get writeCount(): number {
    return this.writes;
  }

  /** Resolves when everything pending has been tried once. */
  async idle(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  stop(): void {
    this.online = false;
    clearTimeout(this.retryTimer);
  }

  private entry(pod: KubeObject): Entry {
    const uid = pod.metadata.uid!;
    let entry = this.entries.get(uid);
    if (!entry) {
      entry = { uid, namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name! };
      this.entries.set(uid, entry);
    }
    return entry;
  }

  private schedule(): void {
    if (!this.online || this.flushing || !this.options.client) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = undefined;
      if (this.online && this.dirty.size > 0 && !this.retryTimer) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    // A microtask's delay lets a burst of container changes become one write.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.online && this.dirty.size > 0) {
      const uid = this.dirty.values().next().value as string;
      this.dirty.delete(uid);
      const entry = this.entries.get(uid);
      if (!entry) continue;
      try {
        await this.send(entry);
      } catch (err) {
        this.dirty.add(uid);
        if (isTransportError(err)) return; // the link is down; the next connect flushes
        const line = `status: pod ${entry.namespace}/${entry.name}: ${(err as Error).message}`;
        if (line !== this.lastLogged) this.options.log(line); // once per distinct problem, not per retry
        this.lastLogged = line;
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.schedule();
        }, this.options.retryMs ?? 2_000);
        this.retryTimer.unref?.();
        return;
      }
    }
  }

  private async send(entry: Entry): Promise<void> {
    const client = this.options.client!;
    const path = resourcePath({
      apiVersion: 'v1',
      resource: 'pods',
      namespace: entry.namespace,
      name: entry.name,
    });
    if (entry.status) {
      if (!hubHas(entry)) {
        try {
          const status = entry.status;
          const updated = await client.patch(
            `${path}/status`,
            statusPatch(entry.uid, status, entry.hubStatus),
            'json',
          );
          this.writes++;
          entry.hubStatus = (updated.status ?? status) as Record<string, unknown>;
        } catch (err) {
          if (this.gone(err, entry)) return;
          throw err;
        }
      }
    }
    if (entry.confirmDeletion) {
      try {
        await client.delete(path, { gracePeriodSeconds: 0, preconditions: { uid: entry.uid } });
      } catch (err) {
        if (this.gone(err, entry)) return;
        throw err;
      }
      this.forget(entry.uid);
      this.options.onDeleted(entry.uid);
    }
  }

  /** 404, or a failed uid precondition: the pod we report on no longer exists; stop reporting. */
  private gone(err: unknown, entry: Entry): boolean {
    if (!isApiError(err) || isTransportError(err)) return false;
    const uidConflict = (err.code === 409 || err.code === 422) && /uid/i.test(err.message);
    if (err.code !== 404 && !uidConflict) return false;
    this.forget(entry.uid);
    if (entry.confirmDeletion) this.options.onDeleted(entry.uid);
    return true;
  }
}
