/**
 * A lean HTTPS client for the hub: node:https with keep-alive and the admin client certificate. It
 * reads every response in full and keeps the bytes as they came unless the caller wants text, so the
 * client spends as little CPU as possible next to the hub it measures.
 */
import { Agent, request } from 'node:https';
import type { Credentials } from './hub-process.js';

export const USER_AGENT = 'minato-bench/0.1';

export interface Response {
  status: number;
  /** Total body bytes received. */
  bytes: number;
  /** The body as text, when asked for (or when the status is not 2xx, for the error message). */
  text?: string;
}

export interface RequestOptions {
  method?: string;
  body?: string;
  accept?: string;
  contentType?: string;
  /** Decode the body as UTF-8 text (otherwise only its size is kept). */
  wantText?: boolean;
}

export class HttpError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(`${method} ${path} answered ${status}: ${body.slice(0, 400)}`);
  }
}

export class HubClient {
  readonly agent: Agent;
  private readonly base: URL;

  constructor(
    readonly creds: Credentials,
    maxSockets: number,
  ) {
    this.base = new URL(creds.server);
    this.agent = new Agent({
      ca: creds.ca,
      cert: creds.cert,
      key: creds.key,
      keepAlive: true,
      maxSockets,
      maxFreeSockets: maxSockets,
    });
  }

  /** Sends a request and reads the whole response; non-2xx statuses reject with an HttpError. */
  send(path: string, options: RequestOptions = {}): Promise<Response> {
    const method = options.method ?? 'GET';
    const headers: Record<string, string | number> = {
      accept: options.accept ?? 'application/json',
      'user-agent': USER_AGENT,
    };
    let payload: Buffer | undefined;
    if (options.body !== undefined) {
      payload = Buffer.from(options.body, 'utf8');
      headers['content-type'] = options.contentType ?? 'application/json';
      headers['content-length'] = payload.length;
    }
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.base.hostname, port: this.base.port, path, method, headers, agent: this.agent },
        (res) => {
          const status = res.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          const keep = options.wantText || !ok;
          const chunks: Buffer[] = [];
          let bytes = 0;
          res.on('data', (chunk: Buffer) => {
            bytes += chunk.length;
            if (keep) chunks.push(chunk);
          });
          res.on('error', reject);
          res.on('end', () => {
            const text = keep ? Buffer.concat(chunks, bytes).toString('utf8') : undefined;
            if (!ok) reject(new HttpError(method, path, status, text ?? ''));
            else resolve({ status, bytes, text });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
