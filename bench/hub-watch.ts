/**
 * Watch fan-out: many watch streams on one namespace, updates written at a steady rate, and for every
 * event at every watcher the delay from the write (its acknowledgement, and its send time carried in
 * the object's data) to the event's arrival.
 */
import type { ClientRequest } from 'node:http';
import { Agent, request } from 'node:https';
import { type HubClient, USER_AGENT } from './https-client.js';
import type { Credentials } from './hub-process.js';
import { Samples } from './stats.js';

export interface WatchOptions {
  client: HubClient;
  creds: Credentials;
  namespace: string;
  watchers: number;
  /** Objects the updates cycle through. */
  objects: number;
  /** From which resourceVersion the watches start (no initial events). */
  resourceVersion: string;
  /** How many watch connections to open at once. */
  connectParallelism?: number;
  /** Give up waiting for missing events after this long without progress. */
  stallMs?: number;
  onProgress?: (text: string) => void;
}

export interface WatchConnectResult {
  connected: number;
  seconds: number;
}

export interface WatchRunResult {
  rate: number;
  updates: number;
  expected: number;
  delivered: number;
  /** Lines that were not the MODIFIED events we wrote (bookmarks, errors). */
  unexpected: number;
  /** Watchers whose stream ended or failed before the end. */
  broken: number;
  /** Updates per second actually sent (the schedule slips when 256 updates are waiting for answers). */
  achievedRate: number;
  /** From the first write sent to the last event received. */
  deliverySeconds: number;
  eventsPerSecond: number;
  /** Arrival minus acknowledgement of the write; negative when the event beat the acknowledgement. */
  ackToEvent: Float64Array;
  /** Arrival minus the send time embedded in the object. */
  sendToEvent: Float64Array;
  /** Per update: last watcher's arrival minus send time (time to reach everyone). */
  fanoutComplete: Float64Array;
  /** Latency of the update requests themselves. */
  writeAck: Float64Array;
}

interface Watcher {
  req: ClientRequest;
  received: number;
  ended: boolean;
}

const SEQ = '"seq":"';
const TYPE_MODIFIED = '{"type":"MODIFIED"';

/** Opens the watches, writes the updates, collects arrivals; closes everything before returning. */
export class WatchFanout {
  private readonly agent: Agent;
  private readonly watchers: Watcher[] = [];
  private arrivalSeq: Int32Array;
  private arrivalAt: Float64Array;
  private arrivals = 0;
  private unexpected = 0;
  private nextSeq = 0;

  constructor(private readonly o: WatchOptions) {
    this.agent = new Agent({
      ca: o.creds.ca,
      cert: o.creds.cert,
      key: o.creds.key,
      keepAlive: false,
      maxSockets: o.watchers + 16,
    });
    this.arrivalSeq = new Int32Array(0);
    this.arrivalAt = new Float64Array(0);
  }

  /** Watches open now. */
  get connected(): number {
    return this.watchers.length;
  }

  async connect(): Promise<WatchConnectResult> {
    const start = performance.now();
    const parallel = this.o.connectParallelism ?? 50;
    let next = 0;
    const worker = async () => {
      while (next < this.o.watchers) {
        next++;
        await this.openOne();
        this.o.onProgress?.(`opening watches: ${this.watchers.length}/${this.o.watchers}`);
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, this.o.watchers) }, worker));
    return { connected: this.watchers.length, seconds: (performance.now() - start) / 1000 };
  }

  private openOne(): Promise<void> {
    const base = new URL(this.o.creds.server);
    const path = `/api/v1/namespaces/${this.o.namespace}/configmaps?watch=true&resourceVersion=${this.o.resourceVersion}`;
    return new Promise((resolve, reject) => {
      const watcher: Watcher = { req: undefined as unknown as ClientRequest, received: 0, ended: false };
      const req = request(
        {
          host: base.hostname,
          port: base.port,
          path,
          method: 'GET',
          agent: this.agent,
          headers: { accept: 'application/json', 'user-agent': USER_AGENT },
        },
        (res) => {
          if (res.statusCode !== 200) {
            let body = '';
            res.setEncoding('utf8').on('data', (c: string) => (body += c));
            res.on('end', () =>
              reject(new Error(`watch ${path} answered ${res.statusCode}: ${body.slice(0, 300)}`)),
            );
            return;
          }
          // The hub flushes the headers once the watch is registered, so from here on no event is missed.
          this.watchers.push(watcher);
          resolve();
          let pending = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.now();
            let text = pending + chunk;
            let from = 0;
            for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
              this.onLine(watcher, text, from, nl, now);
              from = nl + 1;
            }
            text = text.slice(from);
            pending = text;
          });
          const end = () => {
            watcher.ended = true;
          };
          res.on('end', end);
          res.on('error', end);
          res.on('close', end);
        },
      );
      watcher.req = req;
      req.on('error', (err) => {
        watcher.ended = true;
        reject(err);
      });
      req.end();
    });
  }

  /** Reads the sequence number out of one event line without parsing the whole object. */
  private onLine(watcher: Watcher, text: string, from: number, to: number, now: number): void {
    const at = text.indexOf(SEQ, from);
    if (at < 0 || at > to || !text.startsWith(TYPE_MODIFIED, from)) {
      this.unexpected++;
      return;
    }
    const seq = Number.parseInt(text.slice(at + SEQ.length, text.indexOf('"', at + SEQ.length)), 10);
    if (this.arrivals < this.arrivalSeq.length) {
      this.arrivalSeq[this.arrivals] = seq;
      this.arrivalAt[this.arrivals] = now;
      this.arrivals++;
    }
    watcher.received++;
  }

  /**
   * Writes `updates` updates at `rate` per second (open loop: the schedule does not wait for answers,
   * at most 256 in flight) and waits until every watcher has every event, or until nothing has
   * arrived for stallMs. Can be called again on the same watches at another rate.
   */
  async run(rate: number, updates: number): Promise<WatchRunResult> {
    const { objects, namespace, client } = this.o;
    const base = this.nextSeq;
    this.nextSeq += updates;
    this.arrivals = 0;
    this.unexpected = 0;
    const capacity = this.watchers.length * updates + 1024;
    if (this.arrivalSeq.length < capacity) {
      this.arrivalSeq = new Int32Array(capacity);
      this.arrivalAt = new Float64Array(capacity);
    }
    const sentAt = new Float64Array(updates);
    const ackAt = new Float64Array(updates).fill(Number.NaN);
    const writeAck = new Samples(updates);
    const maxInFlight = 256;
    let inFlight = 0;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const start = performance.now();
    const interval = 1000 / rate;
    const expected = this.watchers.length * updates;
    const progress = (sent: number) =>
      this.o.onProgress?.(
        `watch @${rate}/s: ${sent}/${updates} updates sent · ${this.arrivals.toLocaleString('en-US')}/${expected.toLocaleString('en-US')} events received`,
      );

    for (let i = 0; i < updates && failure === undefined; i++) {
      const wait = start + i * interval - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      while (inFlight >= maxInFlight) await new Promise<void>((r) => (wake = r));
      const name = `w-${i % objects}`;
      const sent = performance.now();
      sentAt[i] = sent;
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, labels: { app: 'minato-bench' } },
        data: { seq: String(base + i), sentAt: sent.toFixed(3), note: 'watch fan-out update' },
      });
      inFlight++;
      client
        .send(`/api/v1/namespaces/${namespace}/configmaps/${name}`, { method: 'PUT', body })
        .then(
          () => {
            const now = performance.now();
            ackAt[i] = now;
            writeAck.push(now - sent);
          },
          (err: unknown) => {
            failure ??= err;
          },
        )
        .finally(() => {
          inFlight--;
          wake?.();
          wake = undefined;
        });
      if (i % 10 === 0) progress(i + 1);
    }
    while (inFlight > 0) await new Promise<void>((r) => (wake = r));
    if (failure !== undefined) throw failure;
    const lastSent = sentAt[updates - 1]!;

    const stallMs = this.o.stallMs ?? 15_000;
    let lastCount = -1;
    let lastChange = performance.now();
    while (this.arrivals < expected) {
      if (this.arrivals !== lastCount) {
        lastCount = this.arrivals;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > stallMs) break;
      progress(updates);
      await new Promise((r) => setTimeout(r, 50));
    }

    let n = 0;
    let lastArrival = start;
    const ackToEvent = new Float64Array(this.arrivals);
    const sendToEvent = new Float64Array(this.arrivals);
    const lastPerUpdate = new Float64Array(updates).fill(Number.NaN);
    for (let k = 0; k < this.arrivals; k++) {
      const i = this.arrivalSeq[k]! - base;
      if (i < 0 || i >= updates) continue; // a straggler from an earlier rate
      const at = this.arrivalAt[k]!;
      ackToEvent[n] = at - ackAt[i]!;
      sendToEvent[n] = at - sentAt[i]!;
      n++;
      if (!(lastPerUpdate[i]! >= at)) lastPerUpdate[i] = at;
      if (at > lastArrival) lastArrival = at;
    }
    const fanout = new Samples(updates);
    for (let i = 0; i < updates; i++) {
      if (Number.isFinite(lastPerUpdate[i])) fanout.push(lastPerUpdate[i]! - sentAt[i]!);
    }
    const deliverySeconds = (lastArrival - start) / 1000;
    return {
      rate,
      updates,
      expected,
      delivered: n,
      unexpected: this.unexpected + (this.arrivals - n),
      broken: this.watchers.filter((w) => w.ended).length,
      achievedRate: updates > 1 ? (updates - 1) / ((lastSent - start) / 1000) : rate,
      deliverySeconds,
      eventsPerSecond: n / deliverySeconds,
      ackToEvent: ackToEvent.subarray(0, n).sort(),
      sendToEvent: sendToEvent.subarray(0, n).sort(),
      fanoutComplete: fanout.sorted(),
      writeAck: writeAck.sorted(),
    };
  }

  close(): void {
    for (const w of this.watchers) w.req.destroy();
    this.agent.destroy();
  }
}
