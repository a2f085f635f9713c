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
  updates: number;
  /** Updates per second. */
  rate: number;
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
  expected: number;
  delivered: number;
  /** Lines that were not the MODIFIED events we wrote (bookmarks, errors). */
  unexpected: number;
  /** Watchers whose stream ended or failed before the end. */
  broken: number;
  writeSeconds: number;
  /** Updates per second actually sent (the schedule may slip when the hub is slow to answer). */
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
  private lastArrival = 0;

  constructor(private readonly o: WatchOptions) {
    this.agent = new Agent({
      ca: o.creds.ca,
      cert: o.creds.cert,
      key: o.creds.key,
      keepAlive: false,
      maxSockets: o.watchers + 16,
    });
    const capacity = o.watchers * o.updates + 1024;
    this.arrivalSeq = new Int32Array(capacity);
    this.arrivalAt = new Float64Array(capacity);
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
    this.lastArrival = now;
  }

  /** Writes the updates at the configured rate (open loop, bounded in flight) and waits for delivery. */
  async run(): Promise<WatchRunResult> {
    const { updates, rate, objects, namespace, client } = this.o;
    const sentAt = new Float64Array(updates);
    const ackAt = new Float64Array(updates).fill(Number.NaN);
    const writeAck = new Samples(updates);
    const maxInFlight = 256;
    let inFlight = 0;
    let failure: unknown;
    let wake: (() => void) | undefined;
    const start = performance.now();
    const interval = 1000 / rate;

    for (let seq = 0; seq < updates && failure === undefined; seq++) {
      const due = start + seq * interval;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      while (inFlight >= maxInFlight) await new Promise<void>((r) => (wake = r));
      const name = `w-${seq % objects}`;
      const sent = performance.now();
      sentAt[seq] = sent;
      const body = JSON.stringify({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name, namespace, labels: { app: 'minato-bench' } },
        data: { seq: String(seq), sentAt: sent.toFixed(3), note: 'watch fan-out update' },
      });
      inFlight++;
      client
        .send(`/api/v1/namespaces/${namespace}/configmaps/${name}`, { method: 'PUT', body })
        .then(
          () => {
            const now = performance.now();
            ackAt[seq] = now;
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
      if (seq % 20 === 0) this.progress(seq + 1);
    }
    while (inFlight > 0) await new Promise<void>((r) => (wake = r));
    if (failure !== undefined) throw failure;
    const writeEnd = performance.now();
    const writeSeconds = (writeEnd - start) / 1000;

    // Wait for every event, or until nothing has arrived for stallMs.
    const expected = this.o.watchers * updates;
    const stallMs = this.o.stallMs ?? 15_000;
    let lastCount = -1;
    let lastChange = performance.now();
    while (this.arrivals < expected) {
      if (this.arrivals !== lastCount) {
        lastCount = this.arrivals;
        lastChange = performance.now();
      } else if (performance.now() - lastChange > stallMs) break;
      this.progress(updates);
      await new Promise((r) => setTimeout(r, 50));
    }

    const n = this.arrivals;
    const ackToEvent = new Float64Array(n);
    const sendToEvent = new Float64Array(n);
    const lastPerSeq = new Float64Array(updates).fill(Number.NaN);
    for (let i = 0; i < n; i++) {
      const seq = this.arrivalSeq[i]!;
      const at = this.arrivalAt[i]!;
      ackToEvent[i] = at - ackAt[seq]!;
      sendToEvent[i] = at - sentAt[seq]!;
      if (!(lastPerSeq[seq]! >= at)) lastPerSeq[seq] = at;
    }
    const fanout = new Samples(updates);
    for (let seq = 0; seq < updates; seq++)
      if (Number.isFinite(lastPerSeq[seq])) fanout.push(lastPerSeq[seq]! - sentAt[seq]!);
    const deliverySeconds = (this.lastArrival - start) / 1000;
    return {
      expected,
      delivered: n,
      unexpected: this.unexpected,
      broken: this.watchers.filter((w) => w.ended).length,
      writeSeconds,
      achievedRate: updates / ((sentAt[updates - 1]! - start) / 1000 || 1),
      deliverySeconds,
      eventsPerSecond: n / deliverySeconds,
      ackToEvent: ackToEvent.sort(),
      sendToEvent: sendToEvent.sort(),
      fanoutComplete: fanout.sorted(),
      writeAck: writeAck.sorted(),
    };
  }

  private progress(sent: number): void {
    const expected = this.o.watchers * this.o.updates;
    this.o.onProgress?.(
      `watch fan-out: ${sent}/${this.o.updates} updates sent · ${this.arrivals.toLocaleString('en-US')}/${expected.toLocaleString('en-US')} events received`,
    );
  }

  close(): void {
    for (const w of this.watchers) w.req.destroy();
    this.agent.destroy();
  }
}
