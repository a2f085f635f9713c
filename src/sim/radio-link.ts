/**
 * A device's simulated radio link: a user-space TCP proxy on 127.0.0.1 between the device's agent and
 * the hub. The agent is given the proxy's address as the hub's; TLS passes through untouched (the
 * hub's certificate names 127.0.0.1). While the link is up, every chunk in each direction waits for
 * the link to be free (its size over the bandwidth), then half the round-trip latency, plus a
 * retransmission timeout for each time it is "lost" (TCP still delivers it, late and in order, as a
 * real lossy radio does). While the device is out of coverage the link is down: every connection is
 * reset at once and new ones are reset as they arrive.
 */
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { Random } from './prng.js';

export interface LinkShape {
  up: boolean;
  /** Round-trip time added, ms. */
  latencyMs: number;
  /** Probability that a packet (about 1,400 bytes) is lost and sent again. */
  loss: number;
  /** 0 or Infinity: no limit. */
  bandwidthBytesPerSecond: number;
}

export const PERFECT_LINK: LinkShape = {
  up: true,
  latencyMs: 0,
  loss: 0,
  bandwidthBytesPerSecond: Number.POSITIVE_INFINITY,
};

export interface RadioLinkOptions {
  target: { host: string; port: number };
  /**
   * The device's own address, the source of its connections to the hub. Thousands of devices sharing
   * 127.0.0.1 would share one source address's ~28k ephemeral ports towards the hub, and a fleet
   * reconnecting at once (TIME_WAIT included) runs out of them.
   */
  localAddress?: string;
  /** Seed of the loss draws. */
  seed?: number;
  /** The extra delay of one retransmission, besides the link's latency. Default 200 ms (TCP's minimum RTO). */
  retransmitMs?: number;
  /** Queued bytes per direction above which the sender is paused. Default 256 KiB. */
  highWaterBytes?: number;
}

const PACKET = 1400;

/** One direction of one connection: serialisation, latency and loss, in order. */
class Lane {
  private readonly queue: { at: number; chunk: Buffer }[] = [];
  private queued = 0;
  private busyUntil = 0;
  private lastAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private ended = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly link: RadioLink,
    private readonly count: (n: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    // A half-close travels like data: after everything sent before it.
    from.on('end', () => {
      this.ended = true;
      this.endIfDone();
    });
  }

  private endIfDone(): void {
    if (this.ended && this.queue.length === 0 && !this.closed && !this.to.destroyed) this.to.end();
  }

  private push(chunk: Buffer): void {
    if (this.closed) return;
    const shape = this.link.shape;
    const now = performance.now();
    const bw = shape.bandwidthBytesPerSecond;
    const sendDone =
      bw > 0 && Number.isFinite(bw) ? Math.max(now, this.busyUntil) + (chunk.length / bw) * 1000 : now;
    this.busyUntil = sendDone;
    let extra = 0;
    if (shape.loss > 0) {
      const packets = Math.ceil(chunk.length / PACKET);
      const pChunk = 1 - (1 - shape.loss) ** packets;
      for (let i = 0; i < 6 && this.link.random.chance(pChunk); i++)
        extra += this.link.retransmitMs + shape.latencyMs;
    }
    const at = Math.max(sendDone + shape.latencyMs / 2 + extra, this.lastAt);
    this.lastAt = at;
    if (at <= now && this.queue.length === 0) {
      this.deliver(chunk);
      return;
    }
    this.queue.push({ at, chunk });
    this.queued += chunk.length;
    if (this.queued > this.link.highWaterBytes) this.from.pause();
    this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.at - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, wait);
  }

  private flush(): void {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.at <= now + 0.5) {
      const { chunk } = this.queue.shift()!;
      this.queued -= chunk.length;
      this.deliver(chunk);
    }
    if (this.queued <= this.link.highWaterBytes / 4 && this.from.isPaused()) this.from.resume();
    this.schedule();
    this.endIfDone();
  }

  private deliver(chunk: Buffer): void {
    if (this.closed || this.to.destroyed) return;
    this.count(chunk.length);
    if (!this.to.write(chunk)) {
      this.from.pause();
      this.to.once('drain', () => {
        if (this.queued <= this.link.highWaterBytes / 4) this.from.resume();
      });
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export class RadioLink {
  /** Bytes carried from the device to the hub and back (TLS records: what the radio carries above TCP). */
  bytesUp = 0;
  bytesDown = 0;
  /** Connections accepted while up, and reset because the link was down. */
  connections = 0;
  refused = 0;
  private current: LinkShape = { ...PERFECT_LINK, up: false };
  private server: Server | undefined;
  private readonly pairs = new Set<{ client: Socket; upstream: Socket; lanes: Lane[] }>();
  readonly random: Random;
  readonly retransmitMs: number;
  readonly highWaterBytes: number;
  port = 0;

  constructor(private readonly options: RadioLinkOptions) {
    this.random = new Random(options.seed ?? 1);
    this.retransmitMs = options.retransmitMs ?? 200;
    this.highWaterBytes = options.highWaterBytes ?? 256 * 1024;
  }

  get shape(): LinkShape {
    return this.current;
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  get openConnections(): number {
    return this.pairs.size;
  }

  /** Listens on 127.0.0.1 (port 0: any free port); the link starts down until `set`. */
  async start(): Promise<number> {
    const server = createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    server.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.port;
  }

  /** New conditions for new chunks; going down resets every connection. */
  set(shape: LinkShape): void {
    const wasUp = this.current.up;
    this.current = shape;
    if (wasUp && !shape.up) this.dropAll();
  }

  async close(): Promise<void> {
    this.current = { ...this.current, up: false };
    this.dropAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (!this.current.up) {
      this.refused++;
      client.on('error', () => {});
      client.resetAndDestroy();
      return;
    }
    this.connections++;
    client.setNoDelay(true);
    const upstream = tcpConnect({
      host: this.options.target.host,
      port: this.options.target.port,
      ...(this.options.localAddress ? { localAddress: this.options.localAddress } : {}),
      allowHalfOpen: true,
    });
    upstream.setNoDelay(true);
    const pair = {
      client,
      upstream,
      lanes: [
        new Lane(client, upstream, this, (n) => {
          this.bytesUp += n;
        }),
        new Lane(upstream, client, this, (n) => {
          this.bytesDown += n;
        }),
      ],
    };
    this.pairs.add(pair);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      for (const lane of pair.lanes) lane.close();
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close);
    upstream.on('error', close);
    client.on('close', close);
    upstream.on('close', close);
  }

  private dropAll(): void {
    for (const pair of [...this.pairs]) {
      for (const lane of pair.lanes) lane.close();
      this.pairs.delete(pair);
      pair.client.on('error', () => {});
      pair.upstream.on('error', () => {});
      pair.client.resetAndDestroy();
      pair.upstream.resetAndDestroy();
    }
  }
}
