import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import {
  encodeFrame,
  type Frame,
  FrameDecoder,
  FrameType,
  MAX_FRAME_PAYLOAD,
  type TunnelRequestHead,
  type TunnelResponseHead,
} from './frames.js';
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
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

interface IncomingStream {
  head?: TunnelRequestHead;
  chunks: Buffer[];
  cancel?: () => void;
}

/** The agent's end: keeps one tunnel open, redialling with full-jitter exponential backoff. */
export class TunnelClient {
  private socket: Duplex | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: TunnelClientOptions) {}

  start(): void {
    this.dial();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket?.destroy();
  }

  get connected(): boolean {
    return this.socket !== undefined;
  }

  private dial(): void {
    if (this.stopped) return;
    const url = new URL(TUNNEL_PATH, this.options.server);
    const req = httpsRequest(url, {
      method: 'GET',
      ca: this.options.ca,
      cert: this.options.cert,
      key: this.options.key,
      headers: { Connection: 'Upgrade', Upgrade: TUNNEL_PROTOCOL },
      timeout: 10_000,
    });
    req.on('upgrade', (_res, socket) => {
      this.failures = 0;
      this.socket = socket;
      socket.setNoDelay(true);
      this.options.onState?.('connected');
      this.serve(socket);
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
    this.socket = undefined;
    this.options.onState?.('disconnected', reason);
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
      this.retry('the tunnel closed');
    });
    socket.on('error', () => socket.destroy());
  }

  private onFrame(socket: Duplex, streams: Map<number, IncomingStream>, frame: Frame): void {
    const id = frame.stream;
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
