/**
 * The audit log: one JSON line per request (audit.k8s.io/v1 Event shape) saying who did what, to
 * which object, with what result. Writes carry their request body, with Secret values and tokens
 * redacted; reads are logged at metadata level. Files rotate by size.
 */
import { randomUUID } from 'node:crypto';
import { createWriteStream, renameSync, statSync, type WriteStream } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { attributesOf } from './auth/attributes.js';
import type { UserInfo } from './http/server.js';

const REDACTED = '<redacted>';
const SENSITIVE_BODIES = new Set(['serviceaccounts/token', 'tokenreviews/', 'certificatesigningrequests/']);

export interface AuditOptions {
  path: string;
  /** Rotate (to <path>.1) past this size. */
  maxBytes?: number;
}

export class AuditLog {
  private stream: WriteStream;
  private written: number;
  private readonly maxBytes: number;

  constructor(private readonly options: AuditOptions) {
    this.maxBytes = options.maxBytes ?? 100 * 1024 * 1024;
    this.written = sizeOf(options.path);
    this.stream = createWriteStream(options.path, { flags: 'a', mode: 0o600 });
  }

  /** Records the request once its response is complete (or the client went away). */
  observe(
    req: IncomingMessage,
    res: ServerResponse,
    user: UserInfo | undefined,
    body: () => Buffer | undefined,
  ): void {
    const received = new Date();
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      this.write(this.event(req, res, user, body(), received));
    };
    res.once('finish', finish);
    res.once('close', finish);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.stream.end(resolve));
  }

  private event(
    req: IncomingMessage,
    res: ServerResponse,
    user: UserInfo | undefined,
    body: Buffer | undefined,
    received: Date,
  ) {
    const url = new URL(req.url ?? '/', 'https://hub.invalid');
    const a = attributesOf(
      user ?? { name: 'system:anonymous', groups: ['system:unauthenticated'] },
      req.method ?? 'GET',
      url,
    );
    const mutating = !['get', 'list', 'watch'].includes(a.verb);
    return {
      kind: 'Event',
      apiVersion: 'audit.k8s.io/v1',
      level: mutating ? 'Request' : 'Metadata',
      auditID: randomUUID(),
      stage: 'ResponseComplete',
      requestURI: req.url,
      verb: a.verb,
      user: { username: a.user.name, groups: a.user.groups },
      sourceIPs: [req.socket.remoteAddress],
      userAgent: req.headers['user-agent'],
      ...(a.resourceRequest
        ? {
            objectRef: {
              resource: a.resource,
              ...(a.subresource ? { subresource: a.subresource } : {}),
              ...(a.namespace ? { namespace: a.namespace } : {}),
              ...(a.name ? { name: a.name } : {}),
              apiGroup: a.apiGroup,
            },
          }
        : {}),
      responseStatus: { code: res.statusCode },
      ...(mutating && body?.length
        ? { requestObject: redactedBody(a.resource, a.subresource, body, req.headers['content-type']) }
        : {}),
      requestReceivedTimestamp: received.toISOString(),
      stageTimestamp: new Date().toISOString(),
    };
  }

  private write(event: unknown): void {
    const line = `${JSON.stringify(event)}\n`;
    this.written += Buffer.byteLength(line);
    this.stream.write(line);
    if (this.written > this.maxBytes) this.rotate();
  }

  private rotate(): void {
    const old = this.stream;
    old.end();
    renameSync(this.options.path, `${this.options.path}.1`);
    this.stream = createWriteStream(this.options.path, { flags: 'a', mode: 0o600 });
    this.written = 0;
  }
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/** The body as the audit log may keep it: secrets' values and tokens never appear. */
export function redactedBody(
  resource: string,
  subresource: string,
  body: Buffer,
  contentType: string | undefined,
): unknown {
  if (SENSITIVE_BODIES.has(`${resource}/${subresource}`)) return REDACTED;
  if (!(contentType ?? 'application/json').includes('json') && !(contentType ?? '').includes('yaml')) {
    return { encoding: contentType, bytes: body.length };
  }
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return { unparsed: true, bytes: body.length };
  }
  return resource === 'secrets' ? redactSecret(value) : value;
}

function redactSecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecret);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if ((k === 'data' || k === 'stringData') && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.keys(v).map((key) => [key, REDACTED]));
    } else if (k === 'value' && typeof v !== 'object')
      out[k] = REDACTED; // JSON patch operations on a secret
    else out[k] = redactSecret(v);
  }
  return out;
}
