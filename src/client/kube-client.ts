/**
 * A small Kubernetes API client over node:https: one keep-alive connection pool, JSON in and out,
 * every failure an ApiError (TransportError when no reply came), every request bounded by a timeout.
 * Watches live in watch.ts; this file is the request/response half.
 */
import type { IncomingMessage } from 'node:http';
import { Agent, type RequestOptions, request } from 'node:https';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { createSecureContext } from 'node:tls';
import type { KubeObject } from '../api/types.js';
import { describeNetworkError, errorFromResponse, TransportError } from './errors.js';
import { withQuery } from './paths.js';
import { type WatchHandle, type WatchOptions, watchPath } from './watch.js';

export interface ClientOptions {
  /** https://host:port of the hub. */
  server: string;
  /** PEM of the only CA to trust for the hub's serving certificate. */
  caPem: string;
  /** Client certificate and key (PEM), or a bearer token. */
  certPem?: string;
  keyPem?: string;
  token?: string;
  /** Per-request timeout (whole request, reply included); watches are exempt. Default 15 s. */
  timeoutMs?: number;
  userAgent?: string;
  /** Idle time before TCP keep-alive probes start on pooled sockets. Default 30 s. */
  tcpKeepAliveMs?: number;
}

export type PatchType = 'merge' | 'strategic' | 'json' | 'apply';

const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

/** Another way to the hub, e.g. a device's tunnel: opens connections that speak HTTP/1.1 to the API. */
export interface ConnectionChannel {
  /** Whether new connections can be opened through it now. */
  readonly carriesConnections: boolean;
  openConnection(): Duplex;
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  timeoutMs?: number;
}

export interface DeleteOptions extends CallOptions {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: 'Orphan' | 'Background' | 'Foreground';
}

export interface ListResult<T> {
  apiVersion: string;
  kind: string;
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

/** Bytes on the wire (TLS records included) and request counts, for link budgets. */
export interface TrafficCounters {
  bytesSent: number;
  bytesReceived: number;
  requests: number;
  failures: number;
}

export interface RawReply {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

export class KubeClient {
  readonly server: string;
  private agent: Agent;
  private channel: { via: ConnectionChannel; agent: Agent } | undefined;
  private readonly timeoutMs: number;
  private readonly baseHeaders: Record<string, string>;
  private readonly openSockets = new Set<Socket>();
  private readonly closedTraffic = { sent: 0, received: 0 };
  private requestCount = 0;
  private failureCount = 0;
  private closed = false;

  constructor(readonly options: ClientOptions) {
    const url = new URL(options.server);
    if (url.protocol !== 'https:')
      throw new Error(`the hub URL must start with https://, got ${options.server}`);
    this.server = url.origin;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.agent = this.newAgent();
    this.baseHeaders = { 'user-agent': options.userAgent ?? 'minato-client' };
    if (options.token) this.baseHeaders.authorization = `Bearer ${options.token}`;
  }

  /**
   * Switches to a new client certificate (rotation) without a restart: new connections use it,
   * pooled idle ones are dropped, requests in flight finish on the old one.
   */
  setClientCertificate(certPem: string, keyPem: string): void {
    const old = this.agent;
    this.options.certPem = certPem;
    this.options.keyPem = keyPem;
    this.agent = this.newAgent();
    old.destroy();
  }

  /**
   * Sends requests through `channel` whenever it can carry them (a device's tunnel: one connection
   * for everything), and over direct HTTPS connections otherwise; undefined goes back to direct only.
   */
  useChannel(via: ConnectionChannel | undefined): void {
    this.channel?.agent.destroy();
    if (!via) {
      this.channel = undefined;
      return;
    }
    const agent = new Agent({ keepAlive: true, maxFreeSockets: 4, scheduling: 'lifo' });
    // The channel is already authenticated and encrypted; its streams stand in for TLS sockets.
    (agent as unknown as { createConnection: () => Duplex }).createConnection = () => via.openConnection();
    this.channel = { via, agent };
  }

  get<T = KubeObject>(path: string, options: CallOptions = {}): Promise<T> {
    return this.json<T>('GET', path, undefined, undefined, options);
  }

  list<T = KubeObject>(path: string, options: CallOptions = {}): Promise<ListResult<T>> {
    return this.json<ListResult<T>>('GET', path, undefined, undefined, options);
  }

  create<T = KubeObject>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.json<T>('POST', path, body, 'application/json', options);
  }

  update<T = KubeObject>(path: string, body: unknown, options: CallOptions = {}): Promise<T> {
    return this.json<T>('PUT', path, body, 'application/json', options);
  }

  patch<T = KubeObject>(
    path: string,
    body: unknown,
    type: PatchType = 'merge',
    options: CallOptions = {},
  ): Promise<T> {
    return this.json<T>('PATCH', path, body, PATCH_CONTENT_TYPES[type], options);
  }

  /** DELETE with DeleteOptions in the body, as kubectl and the kubelet send them. */
  delete<T = KubeObject>(path: string, options: DeleteOptions = {}): Promise<T> {
    const body: Record<string, unknown> = { apiVersion: 'v1', kind: 'DeleteOptions' };
    if (options.gracePeriodSeconds !== undefined) body.gracePeriodSeconds = options.gracePeriodSeconds;
    if (options.preconditions) body.preconditions = options.preconditions;
    if (options.propagationPolicy) body.propagationPolicy = options.propagationPolicy;
    return this.json<T>('DELETE', path, body, 'application/json', options);
  }

  /** Watches a collection path; see watch.ts for resume and error semantics. */
  watch<T extends KubeObject = KubeObject>(path: string, options: WatchOptions<T>): WatchHandle {
    return watchPath<T>(this, path, options);
  }

  /** JSON request; 2xx replies are parsed, others become ApiErrors. */
  async json<T>(
    method: string,
    path: string,
    body: unknown,
    contentType: string | undefined,
    options: CallOptions = {},
  ): Promise<T> {
    const reply = await this.raw(method, withQuery(path, options.query), {
      body: body === undefined ? undefined : JSON.stringify(body),
      contentType,
      timeoutMs: options.timeoutMs,
    });
    if (reply.status < 200 || reply.status >= 300) throw errorFromResponse(reply.status, reply.body);
    try {
      return JSON.parse(reply.body) as T;
    } catch {
      throw errorFromResponse(502, `the hub sent a reply that is not JSON: ${reply.body.slice(0, 200)}`);
    }
  }

  /** One request with a whole-request timeout; resolves with any HTTP status, rejects with TransportError. */
  raw(
    method: string,
    path: string,
    options: { body?: string; contentType?: string; timeoutMs?: number; accept?: string } = {},
  ): Promise<RawReply> {
    return new Promise((resolve, reject) => {
      const req = this.open(method, path, {
        contentType: options.contentType,
        accept: options.accept,
        body: options.body,
      });
      const timeoutMs = options.timeoutMs ?? this.timeoutMs;
      const timer = setTimeout(() => {
        req.destroy(Object.assign(new Error(`no reply within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, timeoutMs);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          });
        });
        res.on('error', (err) => {
          clearTimeout(timer);
          reject(this.transportError(err));
        });
      });
      req.on('error', (err) => {
        clearTimeout(timer);
        reject(this.transportError(err));
      });
      req.end(options.body);
    });
  }

  /**
   * Starts a request and hands back the ClientRequest; used by watches and log streams, which read
   * the reply as a stream. The caller owns timeouts and error handling.
   */
  open(method: string, path: string, options: { body?: string; contentType?: string; accept?: string } = {}) {
    if (this.closed) throw new TransportError(this.server, 'the client is closed', 'ECLIENTCLOSED');
    this.requestCount++;
    const headers: Record<string, string> = {
      ...this.baseHeaders,
      accept: options.accept ?? 'application/json',
    };
    if (options.body !== undefined) {
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = String(Buffer.byteLength(options.body));
    }
    const agent = this.channel?.via.carriesConnections ? this.channel.agent : this.agent;
    const requestOptions: RequestOptions = { method, headers, agent };
    const req = request(new URL(path, this.server), requestOptions);
    req.on('socket', (socket) => this.track(socket));
    return req;
  }

  transportError(err: unknown): TransportError {
    this.failureCount++;
    const { reason, errno } = describeNetworkError(err);
    return new TransportError(this.server, reason, errno, err);
  }

  traffic(): TrafficCounters {
    let sent = this.closedTraffic.sent;
    let received = this.closedTraffic.received;
    for (const socket of this.openSockets) {
      sent += socket.bytesWritten;
      received += socket.bytesRead;
    }
    return {
      bytesSent: sent,
      bytesReceived: received,
      requests: this.requestCount,
      failures: this.failureCount,
    };
  }

  /** Drops every pooled connection (e.g. after the link was lost); in-flight requests fail. */
  resetConnections(): void {
    for (const socket of this.openSockets) socket.destroy();
  }

  close(): void {
    this.closed = true;
    this.agent.destroy();
    this.channel?.agent.destroy();
    this.resetConnections();
  }

  private newAgent(): Agent {
    // One TLS context for every connection of this credential set: building one parses the key and
    // the CA (about a millisecond), which a reconnecting device would otherwise pay per connection.
    const secureContext = createSecureContext({
      ca: this.options.caPem,
      cert: this.options.certPem,
      key: this.options.keyPem,
    });
    return new Agent({
      secureContext,
      keepAlive: true,
      keepAliveMsecs: this.options.tcpKeepAliveMs ?? 30_000,
      maxFreeSockets: 2,
      scheduling: 'lifo',
    });
  }

  private track(socket: Socket): void {
    if (this.openSockets.has(socket)) return;
    this.openSockets.add(socket);
    socket.once('close', () => {
      this.openSockets.delete(socket);
      this.closedTraffic.sent += socket.bytesWritten;
      this.closedTraffic.received += socket.bytesRead;
    });
  }
}
