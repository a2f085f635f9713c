/**
 * Frames multiplexing many streams over one tunnel connection. Streams the hub opens (requests to the
 * device) have ids below 2^31; streams the device opens (its own API connections) have the high bit set,
 * so the two sides never pick the same id.
 */
export const FrameType = {
  /** hub → agent: open a stream; payload is the JSON request head. */
  Open: 1,
  /** agent → hub: the JSON response head (status, headers). */
  Head: 2,
  /** either way: body bytes. */
  Data: 3,
  /** either way: the stream is finished. */
  End: 4,
  /** either way: abandon the stream (client went away, handler failed). */
  Reset: 5,
  /** keep-alive probe and its answer; stream 0. */
  Ping: 6,
  Pong: 7,
  /** agent → hub: open a byte stream that the hub serves as an HTTP/1.1 connection of this device. */
  Connect: 8,
  /** agent → hub: the node lease heartbeat; stream = sequence number, payload = the renew time. */
  Heartbeat: 9,
  /** hub → agent: the heartbeat is stored; stream = its sequence number, payload = "" or a problem. */
  HeartbeatAck: 10,
  /**
   * hub → agent, stream 0: renew no more often than every N ms (payload: N in decimal; "0": as you
   * like). A hub paces a large fleet's heartbeats to what it can take; agents that do not know the
   * frame ignore it.
   */
  HeartbeatPace: 11,
  /**
   * hub → agent: the heartbeat is stored; stream = its sequence number, payload = the ms it spent in
   * the hub (from its arrival, counting the event loop's lag then, to this answer). Sent instead of
   * an empty HeartbeatAck to agents that ask for `heartbeat-timing`, so that a busy hub's delay is
   * not taken for the radio's.
   */
  HeartbeatTimedAck: 12,
} as const;

/** Ids of streams the device opens. */
export const DEVICE_STREAM_BIT = 0x8000_0000;

/**
 * What each side can do beyond hub → device requests: the hub announces its features in the
 * upgrade's response, the agent the answers it understands in the request.
 */
export const FEATURES_HEADER = 'minato-tunnel-features';
export type TunnelFeature = 'connect' | 'heartbeat' | 'heartbeat-timing';

/** The features named in a FEATURES_HEADER value (either side's). */
export function parseFeatures(header: string | string[] | undefined): Set<TunnelFeature> {
  return new Set(
    String(header ?? '')
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean) as TunnelFeature[],
  );
}

export type FrameTypeCode = (typeof FrameType)[keyof typeof FrameType];

export interface Frame {
  type: FrameTypeCode;
  stream: number;
  payload: Buffer;
}

const HEADER = 9;
/** Large enough for log chunks, small enough that one stream cannot starve the others. */
export const MAX_FRAME_PAYLOAD = 64 * 1024;

export function encodeFrame(type: FrameTypeCode, stream: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const out = Buffer.allocUnsafe(HEADER + payload.length);
  out.writeUInt8(type, 0);
  out.writeUInt32BE(stream, 1);
  out.writeUInt32BE(payload.length, 5);
  payload.copy(out, HEADER);
  return out;
}

/** Incremental decoder: feed it socket chunks, get whole frames; rejects oversize frames. */
export class FrameDecoder {
  private buffer: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    while (this.buffer.length >= HEADER) {
      const length = this.buffer.readUInt32BE(5);
      if (length > MAX_FRAME_PAYLOAD)
        throw new Error(`tunnel frame of ${length} bytes exceeds the ${MAX_FRAME_PAYLOAD} byte limit`);
      if (this.buffer.length < HEADER + length) break;
      frames.push({
        type: this.buffer.readUInt8(0) as FrameTypeCode,
        stream: this.buffer.readUInt32BE(1),
        payload: this.buffer.subarray(HEADER, HEADER + length),
      });
      this.buffer = this.buffer.subarray(HEADER + length);
    }
    return frames;
  }
}

export interface TunnelRequestHead {
  method: string;
  path: string;
  headers?: Record<string, string>;
}

export interface TunnelResponseHead {
  status: number;
  headers?: Record<string, string>;
}

/** The HeartbeatAck payload when the device's Lease does not exist: create it over the API. */
export const HEARTBEAT_NO_LEASE = 'no-lease';
