import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import {
  DEVICE_STREAM_BIT,
  encodeFrame,
  FEATURES_HEADER,
  type Frame,
  FrameDecoder,
  FrameType,
  type FrameTypeCode,
  MAX_FRAME_PAYLOAD,
  parseFeatures,
  type TunnelFeature,
  type TunnelRequestHead,
  type TunnelResponseHead,
} from './frames.js';
import { TunnelStreamSocket } from './stream-socket.js';
import { TUNNEL_PATH, TUNNEL_PROTOCOL } from './tunnel-server.js';

/** What the agent does with a request the hub sent down the tunnel. */
export type TunnelHandler = (
  head: TunnelRequestHead,
  body: Buffer,
  reply: {
    head(h: TunnelResponseHead): void;
    write(chunk: Buffer): void;
    end(): void;
    onCancel(cb: () => void): void;
  },
) => void | Promise<void>;

export interface TunnelClientOptions {
  server: string;
  ca: string | Buffer;
  cert: string | Buffer;
  key: string | Buffer;
  handler: TunnelHandler;
  /** Called on every (dis)connection, for link-quality accounting and logs. */
  onState?: (state: 'connected' | 'disconnected', detail?: string) => void;
  /** The hub asks for heartbeats no more often than every `intervalMs` (0: no limit). */
  onPace?: (intervalMs: number) => void;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface IncomingStream {
  head?: TunnelRequestHead;
  chunks: Buffer[];
  cancel?: () => void;
}

/** The tunnel cannot carry this now (not connected, or the hub lacks the feature): use plain HTTPS. */
export class TunnelUnavailableError extends Error {
  override readonly name = 'TunnelUnavailableError';
  readonly code = 'ETUNNELDOWN';
}

/** The hub's answer to a heartbeat: "" or its problem, and how long the renewal spent in the hub. */
export interface HeartbeatAnswer {
  problem: string;
  /** 0 when the hub does not say (an older hub, or a problem answer). */
  inHubMs: number;
}

interface PendingHeartbeat {
  resolve(answer: HeartbeatAnswer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
}

/**
 * The agent's end: keeps one tunnel open, redialling with full-jitter exponential backoff. Besides
 * serving the hub's requests it carries the device's own API connections (`openConnection`) and its
 * lease heartbeats, so a device needs one connection to the hub, not one per watch.
 */
export class TunnelClient {
  private socket: Duplex | undefined;
  private stopped = false;
  private dialing = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private features = new Set<TunnelFeature>();
  private readonly connections = new Map<number, TunnelStreamSocket>();
  private nextConnection = 1;
  private readonly heartbeats = new Map<number, PendingHeartbeat>();
  private nextHeartbeat = 1;
  private readonly waiters: { resolve(): void; reject(err: Error): void }[] = [];
  private lastHeardAt = 0;

  constructor(private readonly options: TunnelClientOptions) {}

  start(): void {
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
    this.settleWaiters(new TunnelUnavailableError('the tunnel was stopped'));
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  /** Whether the device's API calls can ride the tunnel now. */
  get carriesConnections(): boolean {
    return this.socket !== undefined && this.features.has('connect');
  }

  /** How long the hub has said nothing on this tunnel (Infinity when not connected). */
  get silentForMs(): number {
    return this.socket ? Date.now() - this.lastHeardAt : Number.POSITIVE_INFINITY;
  }

  /** Gives up on the current tunnel (it looks dead): every stream on it fails and it redials. */
  drop(): void {
    this.socket?.destroy();
  }

  /** Connected now, or dial at once (skipping the backoff wait) and wait up to `timeoutMs`. */
  connectNow(timeoutMs: number): Promise<void> {
    if (this.socket) return Promise.resolve();
    if (this.stopped) return Promise.reject(new TunnelUnavailableError('the tunnel was stopped'));
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new TunnelUnavailableError(`the tunnel did not connect within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err: Error) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.push(waiter);
      if (!this.dialing) {
        if (this.timer) clearTimeout(this.timer);
        this.dial();
      }
    });
  }

  /** A new connection to the hub's API over the tunnel, as this device (for an http.Agent). */
  openConnection(): Duplex {
    const socket = this.socket;
    if (!socket || !this.features.has('connect'))
      throw new TunnelUnavailableError('the tunnel is not connected');
    const id = DEVICE_STREAM_BIT + this.nextConnection;
    this.nextConnection = this.nextConnection >= DEVICE_STREAM_BIT - 1 ? 1 : this.nextConnection + 1;
    const send = (type: FrameTypeCode, stream: number, payload?: Buffer) => {
      if (!socket.destroyed) socket.write(encodeFrame(type, stream, payload));
    };
    const connection = new TunnelStreamSocket(id, send, 'hub', (gone) => this.connections.delete(gone));
    this.connections.set(id, connection);
    send(FrameType.Connect, id);
    return connection;
  }

  /**
   * Renews the lease through the tunnel: resolves once the hub stored it (with the time it spent
   * there), or with the hub's problem (e.g. the Lease is missing). Rejects with TunnelUnavailableError when it cannot be sent,
   * and with an ETIMEDOUT error when no answer came in time. The tunnel stays up: a busy hub answers
   * late, and dropping every device's connection then would only add a reconnect storm to its load.
   * The caller decides, from `silentForMs`, when the link is dead.
   */
  heartbeat(renewTime: string, timeoutMs: number): Promise<HeartbeatAnswer> {
    const socket = this.socket;
    if (!socket || !this.features.has('heartbeat'))
      return Promise.reject(new TunnelUnavailableError('the tunnel is not connected'));
    const seq = this.nextHeartbeat;
    this.nextHeartbeat = this.nextHeartbeat >= 0x7fff_ffff ? 1 : this.nextHeartbeat + 1;
    return new Promise<HeartbeatAnswer>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.heartbeats.delete(seq);
        reject(Object.assign(new Error(`no heartbeat answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      this.heartbeats.set(seq, { resolve, reject, timer });
      socket.write(encodeFrame(FrameType.Heartbeat, seq, Buffer.from(renewTime)));
    });
  }

  private settleWaiters(err?: Error): void {
    for (const w of this.waiters.splice(0)) {
      if (err) w.reject(err);
      else w.resolve();
    }
  }

  private dial(): void {
    if (this.stopped || this.dialing) return;
    this.dialing = true;
    const url = new URL(TUNNEL_PATH, this.options.server);
    const req = httpsRequest(url, {
      method: 'GET',
      ca: this.options.ca,
      cert: this.options.cert,
      key: this.options.key,
      headers: {
        Connection: 'Upgrade',
        Upgrade: TUNNEL_PROTOCOL,
        [FEATURES_HEADER]: 'heartbeat-timing' satisfies TunnelFeature,
      },
      timeout: 10_000,
    });
    req.on('upgrade', (res, socket) => {
      this.dialing = false;
      this.failures = 0;
      this.socket = socket;
      this.lastHeardAt = Date.now();
      this.features = parseFeatures(res.headers[FEATURES_HEADER]);
      socket.setNoDelay(true);
      this.options.onState?.('connected');
      this.serve(socket);
      this.settleWaiters();
    });
    req.on('response', (res) => {
      res.resume();
      this.retry(`the hub refused the tunnel: HTTP ${res.statusCode}`);
    });
    req.on('timeout', () => req.destroy(new Error('tunnel dial timed out')));
    req.on('error', (err) => this.retry(err.message));
    req.end();
  }

  private retry(reason: string): void {
    this.dialing = false;
    this.socket = undefined;
    this.options.onState?.('disconnected', reason);
    this.settleWaiters(new TunnelUnavailableError(reason));
    if (this.stopped) return;
    this.failures++;
    const cap = Math.min(
      this.options.maxBackoffMs ?? 30_000,
      (this.options.minBackoffMs ?? 500) * 2 ** (this.failures - 1),
    );
    this.timer = setTimeout(() => this.dial(), Math.random() * cap);
    this.timer.unref();
  }

  private serve(socket: Duplex): void {
    const decoder = new FrameDecoder();
    const streams = new Map<number, IncomingStream>();
    const keepAlive = setInterval(() => socket.write(encodeFrame(FrameType.Ping, 0)), 15_000);
    keepAlive.unref();
    socket.on('data', (chunk: Buffer) => {
      this.lastHeardAt = Date.now();
      let frames: Frame[];
      try {
        frames = decoder.push(chunk);
      } catch {
        socket.destroy();
        return;
      }
      for (const frame of frames) this.onFrame(socket, streams, frame);
    });
    socket.on('close', () => {
      clearInterval(keepAlive);
      for (const s of streams.values()) s.cancel?.();
      for (const c of [...this.connections.values()]) c.lost();
      for (const [seq, h] of this.heartbeats) {
        clearTimeout(h.timer);
        h.reject(Object.assign(new Error('the tunnel closed'), { code: 'ECONNRESET' }));
        this.heartbeats.delete(seq);
      }
      this.retry('the tunnel closed');
    });
    socket.on('error', () => socket.destroy());
  }

  private onFrame(socket: Duplex, streams: Map<number, IncomingStream>, frame: Frame): void {
    const id = frame.stream;
    if (frame.type === FrameType.HeartbeatPace) {
      const intervalMs = Number(frame.payload.toString('utf8'));
      if (Number.isFinite(intervalMs) && intervalMs >= 0) this.options.onPace?.(intervalMs);
      return;
    }
    if (frame.type === FrameType.HeartbeatAck || frame.type === FrameType.HeartbeatTimedAck) {
      const pending = this.heartbeats.get(id);
      if (!pending) return;
      this.heartbeats.delete(id);
      clearTimeout(pending.timer);
      const text = frame.payload.toString('utf8');
      if (frame.type === FrameType.HeartbeatAck) pending.resolve({ problem: text, inHubMs: 0 });
      else pending.resolve({ problem: '', inHubMs: Math.max(0, Number(text) || 0) });
      return;
    }
    if (id >= DEVICE_STREAM_BIT) {
      this.connections.get(id)?.receive(frame.type, frame.payload);
      return;
    }
    if (frame.type === FrameType.Open) {
      streams.set(id, { head: JSON.parse(frame.payload.toString('utf8')), chunks: [] });
    } else if (frame.type === FrameType.Data) streams.get(id)?.chunks.push(Buffer.from(frame.payload));
    else if (frame.type === FrameType.Reset) {
      streams.get(id)?.cancel?.();
      streams.delete(id);
    } else if (frame.type === FrameType.End) {
      const stream = streams.get(id);
      if (!stream?.head) return;
      let done = false;
      const send = (type: (typeof FrameType)[keyof typeof FrameType], payload?: Buffer) => {
        if (!done && !socket.destroyed) socket.write(encodeFrame(type, id, payload));
      };
      const reply = {
        head: (h: TunnelResponseHead) => send(FrameType.Head, Buffer.from(JSON.stringify(h))),
        write: (chunk: Buffer) => {
          for (let i = 0; i < chunk.length; i += MAX_FRAME_PAYLOAD)
            send(FrameType.Data, chunk.subarray(i, i + MAX_FRAME_PAYLOAD));
        },
        end: () => {
          send(FrameType.End);
          done = true;
          streams.delete(id);
        },
        onCancel: (cb: () => void) => {
          stream.cancel = cb;
        },
      };
      Promise.resolve(this.options.handler(stream.head, Buffer.concat(stream.chunks), reply)).catch(
        (err: Error) => {
          reply.head({ status: 500, headers: { 'content-type': 'text/plain' } });
          reply.write(Buffer.from(`agent error: ${err.message}`));
          reply.end();
        },
      );
    }
  }
}
