/**
 * Records core/v1 Events about objects, as client-go's event recorder: one Event per distinct
 * (object, type, reason, message, component), repeated occurrences raise its count and
 * lastTimestamp instead of creating new Events. And like client-go's spam filter, each involved
 * object gets a burst of 25 events, then one per 5 minutes: a DaemonSet rolling out to thousands of
 * devices would otherwise write an Event per pod it creates and deletes, doubling the hub's writes
 * exactly when it is busiest. Recording never fails the caller.
 */
import type { KubeObject } from '../api/types.js';
import { nowTimestamp } from '../hub/objects/object-meta.js';
import type { ObjectService } from '../hub/objects/object-service.js';
import type { ResourceType } from '../hub/registry/resource-type.js';

export type EventType = 'Normal' | 'Warning';

/** Occurrences remembered for deduplication; the oldest are forgotten first. */
const MAX_REMEMBERED = 4096;
/** client-go's EventSourceObjectSpamFilter defaults: a burst of 25, then one every 300 s. */
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 300_000;

export class EventRecorder {
  private readonly eventType: ResourceType;
  /** dedupe key → the Event's namespace/name */
  private readonly seen = new Map<string, { namespace: string; name: string }>();
  /** Writes per dedupe key run one after another, so a burst counts up instead of racing. */
  private readonly chains = new Map<string, Promise<void>>();
  private closed = false;
  /** Involved object → its spam-filter bucket; the oldest are forgotten first. */
  private readonly budgets = new Map<string, { tokens: number; at: number }>();
  private dropped = 0;

  constructor(
    private readonly objects: ObjectService,
    readonly component: string,
  ) {
    this.eventType = objects.registry.lookup('', 'v1', 'events')!;
  }

  /** Records an event in the background. */
  event(object: KubeObject, type: EventType, reason: string, message: string): void {
    if (this.closed) return;
    const involved = {
      kind: object.kind,
      namespace: object.metadata.namespace,
      name: object.metadata.name,
      uid: object.metadata.uid,
      apiVersion: object.apiVersion,
      resourceVersion: object.metadata.resourceVersion,
    };
    if (!this.allow(`${involved.kind}/${involved.namespace}/${involved.name}/${involved.uid}`)) {
      this.dropped++;
      return;
    }
    const key = JSON.stringify([
      involved.kind,
      involved.namespace,
      involved.name,
      involved.uid,
      type,
      reason,
      message,
    ]);
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous
      .then(() => this.write(key, involved, type, reason, message))
      .catch(() => {
        // Events are best effort: a hub shutting down or a namespace going away drops them.
      })
      .finally(() => {
        if (this.chains.get(key) === next) this.chains.delete(key);
      });
    this.chains.set(key, next);
  }

  /** Events dropped by the spam filter so far. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** The spam filter: a token bucket per involved object. */
  private allow(object: string, now = Date.now()): boolean {
    const bucket = this.budgets.get(object) ?? { tokens: SPAM_BURST, at: now };
    bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + (now - bucket.at) / SPAM_REFILL_MS);
    bucket.at = now;
    this.budgets.delete(object);
    this.budgets.set(object, bucket);
    if (this.budgets.size > MAX_REMEMBERED) this.budgets.delete(this.budgets.keys().next().value!);
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  /** Waits for the events recorded so far to be written (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.chains.values()]);
  }

  close(): void {
    this.closed = true;
  }

  private async write(
    key: string,
    involved: Record<string, string | undefined>,
    type: EventType,
    reason: string,
    message: string,
  ): Promise<void> {
    if (this.closed) return;
    const now = nowTimestamp();
    const namespace = involved.namespace || 'default';
    const known = this.seen.get(key);
    if (known) {
      const entry = this.objects.store.get(this.objects.keyOf(this.eventType, known.namespace, known.name));
      if (entry) {
        const next = structuredClone(entry.object);
        next.count = (Number(next.count) || 1) + 1;
        next.lastTimestamp = now;
        await this.objects.commitUpdate(this.eventType, entry, next, { fieldManager: this.component });
        this.remember(key, known);
        return;
      }
    }
    const name = `${involved.name}.${(BigInt(Date.now()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1e6))).toString(16)}`;
    const involvedObject = Object.fromEntries(Object.entries(involved).filter(([, v]) => v !== undefined));
    await this.objects.create(
      this.eventType,
      namespace,
      {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject,
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.component },
        reportingComponent: this.component,
        reportingInstance: '',
      },
      { fieldManager: this.component },
    );
    this.remember(key, { namespace, name });
  }

  private remember(key: string, ref: { namespace: string; name: string }): void {
    this.seen.delete(key);
    this.seen.set(key, ref);
    if (this.seen.size > MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
  }
}
