import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { PassThrough, type Readable } from 'node:stream';
import { serviceUnavailable } from '../api/errors.js';
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

export const TUNNEL_PROTOCOL = 'minato-tunnel/1';
export const TUNNEL_PATH = '/minato/v1/tunnel';

/** What the hub does with what devices send up their tunnels. */
export interface TunnelServerHooks {
  /** A device opened a connection: serve it as HTTP, as that device. */
  onConnection?(socket: Duplex, node: string): void;
  /** A device renewed its lease: resolves with "" once stored, or with the problem. */
  onHeartbeat?(node: string, renewTime: string): Promise<string>;
  /** How late the hub's event loop runs now: a frame waited about this long before it was read. */
  loopLagMs?(): number;
}

interface PendingStream {
  head: (head: TunnelResponseHead) => void;
  fail: (err: Error) => void;
  body: PassThrough;
  gotHead: boolean;
}

class Tunnel {
  private readonly decoder = new FrameDecoder();
  private readonly streams = new Map<number, PendingStream>();
  private readonly deviceStreams = new Map<number, TunnelStreamSocket>();
  private nextStream = 1;
  closed = false;

  constructor(
    readonly node: string,
    private readonly socket: Duplex,
    private readonly hooks: TunnelServerHooks,
    private readonly remoteAddress: string,
    /** The device understands HeartbeatTimedAck. */
    private readonly timedAcks: boolean,
    onClose: () => void,
  ) {
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const frame of this.decoder.push(chunk)) this.onFrame(frame);
      } catch {
        socket.destroy();
      }
    });
    socket.on('close', () => {
      this.closed = true;
      for (const s of this.streams.values()) s.fail(new Error(`the tunnel to ${node} closed`));
      this.streams.clear();
      for (const s of [...this.deviceStreams.values()]) s.lost();
      onClose();
    });
    socket.on('error', () => socket.destroy());
  }

  private send = (type: FrameTypeCode, stream: number, payload?: Buffer): void => {
    if (!this.closed) this.socket.write(encodeFrame(type, stream, payload));
  };

  private onFrame(frame: Frame): void {
    if (frame.type === FrameType.Ping) {
      this.socket.write(encodeFrame(FrameType.Pong, 0));
      return;
    }
    if (frame.type === FrameType.Heartbeat) {
      this.heartbeat(frame);
      return;
    }
    if (frame.stream >= DEVICE_STREAM_BIT) {
      this.onDeviceStreamFrame(frame);
      return;
    }
    const stream = this.streams.get(frame.stream);
    if (!stream) return;
    if (frame.type === FrameType.Head) {
      stream.gotHead = true;
      stream.head(JSON.parse(frame.payload.toString('utf8')) as TunnelResponseHead);
    } else if (frame.type === FrameType.Data) stream.body.write(Buffer.from(frame.payload));
    else if (frame.type === FrameType.End || frame.type === FrameType.Reset) {
      this.streams.delete(frame.stream);
      if (!stream.gotHead) stream.fail(new Error(`the device ${this.node} reset the request`));
      stream.body.end();
    }
  }

  private heartbeat(frame: Frame): void {
    const seq = frame.stream;
    const arrived = performance.now() - (this.hooks.loopLagMs?.() ?? 0);
    const renewTime = frame.payload.toString('utf8');
    const answer = this.hooks.onHeartbeat
      ? this.hooks.onHeartbeat(this.node, renewTime)
      : Promise.resolve('this hub does not take heartbeats');
    answer
      .catch((err: Error) => err.message || 'the heartbeat could not be stored')
      .then((problem) => {
        if (problem === '' && this.timedAcks) {
          const inHubMs = Math.round(performance.now() - arrived);
          this.send(FrameType.HeartbeatTimedAck, seq, Buffer.from(String(inHubMs)));
        } else this.send(FrameType.HeartbeatAck, seq, Buffer.from(problem));
      });
  }

  /** Frames of the connections the device opened (its API calls). */
  private onDeviceStreamFrame(frame: Frame): void {
    const id = frame.stream;
    if (frame.type === FrameType.Connect) {
      if (!this.hooks.onConnection || this.deviceStreams.has(id)) {
        this.send(FrameType.Reset, id);
        return;
      }
      const socket = new TunnelStreamSocket(id, this.send, this.remoteAddress, (gone) =>
        this.deviceStreams.delete(gone),
      );
      this.deviceStreams.set(id, socket);
      this.hooks.onConnection(socket, this.node);
      return;
    }
    this.deviceStreams.get(id)?.receive(frame.type, frame.payload);
  }

  request(
    head: TunnelRequestHead,
    body?: Buffer,
  ): { response: Promise<TunnelResponseHead>; body: Readable; cancel: () => void } {
    const id = this.nextStream;
    this.nextStream = this.nextStream >= DEVICE_STREAM_BIT - 1 ? 1 : this.nextStream + 1;
    const bodyStream = new PassThrough();
    const response = new Promise<TunnelResponseHead>((resolve, reject) => {
      this.streams.set(id, { head: resolve, fail: reject, body: bodyStream, gotHead: false });
    });
    this.socket.write(encodeFrame(FrameType.Open, id, Buffer.from(JSON.stringify(head))));
    for (let i = 0; body && i < body.length; i += MAX_FRAME_PAYLOAD) {
      this.socket.write(encodeFrame(FrameType.Data, id, body.subarray(i, i + MAX_FRAME_PAYLOAD)));
    }
    this.socket.write(encodeFrame(FrameType.End, id));
    const cancel = () => {
      if (!this.streams.delete(id)) return;
      if (!this.closed) this.socket.write(encodeFrame(FrameType.Reset, id));
      bodyStream.end();
    };
    return { response, body: bodyStream, cancel };
  }

  close(): void {
    this.socket.destroy();
  }

  sendPace(intervalMs: number): void {
    this.send(FrameType.HeartbeatPace, 0, Buffer.from(String(intervalMs)));
  }
}

/** The hub's end: one tunnel per node, replaced when the device reconnects. */
export class TunnelServer {
  private readonly tunnels = new Map<string, Tunnel>();
  private readonly features: TunnelFeature[];
  private paceMs = 0;

  constructor(private readonly hooks: TunnelServerHooks = {}) {
    this.features = [
      ...(hooks.onConnection ? (['connect'] as const) : []),
      ...(hooks.onHeartbeat ? (['heartbeat'] as const) : []),
    ];
  }

  /** Accepts an authenticated upgrade from node `node`. */
  accept(req: IncomingMessage, socket: Duplex, node: string): void {
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: ${TUNNEL_PROTOCOL}\r\n` +
        `${FEATURES_HEADER}: ${this.features.join(', ')}\r\n\r\n`,
    );
    this.tunnels.get(node)?.close();
    const timedAcks = parseFeatures(req.headers[FEATURES_HEADER]).has('heartbeat-timing');
    const tunnel: Tunnel = new Tunnel(
      node,
      socket,
      this.hooks,
      req.socket.remoteAddress ?? '',
      timedAcks,
      () => {
        if (this.tunnels.get(node) === tunnel) this.tunnels.delete(node);
      },
    );
    this.tunnels.set(node, tunnel);
    if (this.paceMs > 0) tunnel.sendPace(this.paceMs);
  }

  /** Asks every device, now and as each connects, to renew no more often than every `intervalMs`. */
  setHeartbeatPace(intervalMs: number): void {
    if (intervalMs === this.paceMs) return;
    this.paceMs = intervalMs;
    for (const tunnel of this.tunnels.values()) tunnel.sendPace(intervalMs);
  }

  isConnected(node: string): boolean {
    return this.tunnels.has(node);
  }

  get size(): number {
    return this.tunnels.size;
  }

  /** Sends a request to the device; 503 naming the device when it is not connected. */
  request(node: string, head: TunnelRequestHead, body?: Buffer) {
    const tunnel = this.tunnels.get(node);
    if (!tunnel) {
      throw serviceUnavailable(
        `the device "${node}" is not connected to the hub (out of range?); try again when it is back`,
      );
    }
    return tunnel.request(head, body);
  }

  closeAll(): void {
    for (const t of this.tunnels.values()) t.close();
    this.tunnels.clear();
  }
}
