/**
 * One stream of a tunnel seen as a socket: a Duplex that node:http can use as a connection on either
 * side (the agent's http.Agent creates them; the hub's HTTP server is handed them). Writes become Data
 * frames, `end()` an End frame, `destroy()` a Reset; frames from the other side are pushed in. The
 * socket-only methods node:http calls (timeouts, keep-alive, ref) are provided; timeouts are real,
 * because the HTTP server closes idle keep-alive connections with them.
 */
import { Duplex } from 'node:stream';
import { FrameType, type FrameTypeCode, MAX_FRAME_PAYLOAD } from './frames.js';

export type SendFrame = (type: FrameTypeCode, stream: number, payload?: Buffer) => void;

export class TunnelStreamSocket extends Duplex {
  bytesRead = 0;
  bytesWritten = 0;
  readonly remotePort = 0;
  readonly encrypted = false;
  private finishedRemotely = false;
  private endSent = false;
  private resetRemotely = false;
  private idleTimer: NodeJS.Timeout | undefined;
  private idleMs = 0;

  constructor(
    readonly id: number,
    private readonly send: SendFrame,
    readonly remoteAddress: string,
    private readonly onGone: (id: number) => void,
  ) {
    super({ allowHalfOpen: true });
  }

  // ---- frames from the other side -------------------------------------------------------

  receive(type: FrameTypeCode, payload: Buffer): void {
    this.touch();
    if (type === FrameType.Data) {
      this.bytesRead += payload.length;
      this.push(Buffer.from(payload));
    } else if (type === FrameType.End) {
      this.finishedRemotely = true;
      this.push(null);
      if (this.endSent) this.destroy();
    } else if (type === FrameType.Reset) {
      this.resetRemotely = true;
      this.destroy(Object.assign(new Error('the tunnel stream was reset'), { code: 'ECONNRESET' }));
    }
  }

  /** The tunnel itself went away. */
  lost(): void {
    this.resetRemotely = true;
    this.destroy(Object.assign(new Error('the tunnel closed'), { code: 'ECONNRESET' }));
  }

  // ---- Duplex ---------------------------------------------------------------------------

  override _read(): void {}

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (err?: Error | null) => void): void {
    this.touch();
    for (let i = 0; i < chunk.length; i += MAX_FRAME_PAYLOAD) {
      this.send(FrameType.Data, this.id, chunk.subarray(i, i + MAX_FRAME_PAYLOAD));
    }
    this.bytesWritten += chunk.length;
    done();
  }

  override _final(done: (err?: Error | null) => void): void {
    this.send(FrameType.End, this.id);
    this.endSent = true;
    done();
    if (this.finishedRemotely) queueMicrotask(() => this.destroy());
  }

  override _destroy(err: Error | null, done: (err?: Error | null) => void): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    if (!this.resetRemotely && !(this.endSent && this.finishedRemotely)) {
      this.send(FrameType.Reset, this.id);
    }
    this.onGone(this.id);
    done(err);
  }

  // ---- what node:http expects of a net.Socket -------------------------------------------

  setTimeout(ms: number, onTimeout?: () => void): this {
    if (onTimeout) this.once('timeout', onTimeout);
    this.idleMs = ms;
    this.touch();
    return this;
  }

  setNoDelay(): this {
    return this;
  }

  setKeepAlive(): this {
    return this;
  }

  ref(): this {
    return this;
  }

  unref(): this {
    return this;
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    if (this.idleMs > 0 && !this.destroyed) {
      this.idleTimer = setTimeout(() => this.emit('timeout'), this.idleMs);
      this.idleTimer.unref();
    }
  }
}
