/**
 * Serves GET /openapi/v2 (protobuf or JSON, by Accept) and the legacy /swagger-2.0.0.pb-v1 (always
 * protobuf). Nothing is built until the first request; the document and each encoding are then kept
 * until the resource registry changes (a CRD is added or removed), and carry an ETag so a client
 * that already has the current document gets a 304.
 */
import { createHash } from 'node:crypto';
import { notAcceptable } from '../../api/index.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { SchemaRegistry } from '../schema/schema-registry.js';
import { encodeMessage } from './encode.js';
import { documentMessage } from './gnostic.js';
import { type SwaggerDocument, type SwaggerInfo, swaggerDocument } from './swagger.js';

/** What kubectl (client-go) asks for, and the same type spelled without "@". */
export const PROTOBUF_MEDIA_TYPES = [
  'application/com.github.proto-openapi.spec.v2@v1.0+protobuf',
  'application/com.github.proto-openapi.spec.v2.v1.0+protobuf',
] as const;
/**
 * The Content-Type of the answer is always the spelling without "@": "@" is not a MIME token
 * character, and client-go fails the request (mime.ParseMediaType) when the response carries it.
 */
export const PROTOBUF_CONTENT_TYPE = PROTOBUF_MEDIA_TYPES[1];
export const OPENAPI_V2_PATHS = ['/openapi/v2', '/swagger-2.0.0.pb-v1'] as const;

export type Encoding = 'protobuf' | 'json';

export interface OpenApiV2Answer {
  status: 200 | 304;
  headers: Record<string, string | number>;
  /** Empty for a 304. */
  body: Buffer;
}

interface Encoded {
  body: Buffer;
  etag: string;
}

/**
 * Picks protobuf or JSON from an Accept header: the highest q wins, the earlier listed on a tie.
 * No header means JSON; undefined when nothing listed can be served (a 406).
 */
export function negotiate(accept: string | undefined): Encoding | undefined {
  if (accept === undefined || accept.trim() === '') return 'json';
  let best: { encoding: Encoding; q: number } | undefined;
  for (const range of accept.split(',')) {
    const [rawType, ...params] = range.split(';').map((part) => part.trim());
    const type = rawType!.toLowerCase();
    let q = 1;
    for (const param of params) {
      const m = /^q\s*=\s*([\d.]+)$/i.exec(param);
      if (m) q = Number(m[1]);
    }
    if (!(q > 0)) continue;
    let encoding: Encoding | undefined;
    if ((PROTOBUF_MEDIA_TYPES as readonly string[]).includes(type)) encoding = 'protobuf';
    else if (type === 'application/json' || type === 'application/*' || type === '*/*') encoding = 'json';
    if (encoding && (!best || q > best.q)) best = { encoding, q };
  }
  return best?.encoding;
}

function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('hex').toUpperCase()}"`;
}

/** True when If-None-Match names this ETag (weak or strong) or is "*". */
function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t.replace(/^W\//, '') === etag;
  });
}

export class OpenApiV2Service {
  private builtAt = -1;
  private document: SwaggerDocument | undefined;
  private readonly encoded = new Map<Encoding, Encoded>();

  constructor(
    private readonly registry: ResourceRegistry,
    private readonly schemas: SchemaRegistry,
    private readonly info: SwaggerInfo = { title: 'Minato', version: 'unversioned' },
  ) {}

  /** The answer for one of OPENAPI_V2_PATHS; undefined for any other path. Throws a 406 ApiError. */
  serve(path: string, accept: string | undefined, ifNoneMatch?: string): OpenApiV2Answer | undefined {
    let encoding: Encoding | undefined;
    if (path === '/swagger-2.0.0.pb-v1') encoding = 'protobuf';
    else if (path === '/openapi/v2') encoding = negotiate(accept);
    else return undefined;
    if (!encoding) {
      throw notAcceptable(
        `only the following media types are accepted: ${[...PROTOBUF_MEDIA_TYPES, 'application/json'].join(', ')}`,
      );
    }
    const { body, etag } = this.encode(encoding);
    const headers: Record<string, string | number> = {
      'Content-Type': encoding === 'protobuf' ? PROTOBUF_CONTENT_TYPE : 'application/json',
      ETag: etag,
      Vary: 'Accept',
      'Cache-Control': 'no-cache, private',
    };
    if (matches(ifNoneMatch, etag)) return { status: 304, headers, body: Buffer.alloc(0) };
    headers['Content-Length'] = body.length;
    return { status: 200, headers, body };
  }

  /** The current Swagger 2.0 document (built if the registry changed since the last call). */
  swagger(): SwaggerDocument {
    if (this.builtAt !== this.registry.version || !this.document) {
      this.document = swaggerDocument(this.registry, this.schemas, this.info);
      this.builtAt = this.registry.version;
      this.encoded.clear();
    }
    return this.document;
  }

  private encode(encoding: Encoding): Encoded {
    const doc = this.swagger();
    let done = this.encoded.get(encoding);
    if (!done) {
      const body =
        encoding === 'protobuf'
          ? encodeMessage('Document', documentMessage(doc))
          : Buffer.from(JSON.stringify(doc), 'utf8');
      done = { body, etag: etagOf(body) };
      this.encoded.set(encoding, done);
    }
    return done;
  }
}
