/**
 * The OCI distribution API subset the hub serves under /v2/: the version check, blobs (HEAD/GET),
 * uploads (POST, chunked PATCH, PUT ?digest=, status, cancel), manifests (HEAD/GET/PUT) and tag
 * lists. Callers authenticate as they do for the Kubernetes API; each request is authorized as
 * verb on resource `modules` in API group `registry.minato.dev`, named by the repository. Every
 * failure leaves in the OCI error format.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { RequestAttributes } from '../hub/auth/attributes.js';
import type { UserInfo } from '../hub/http/server.js';
import { registryError, toOciError } from './errors.js';
import {
  checkDigest,
  checkName,
  checkTag,
  looksLikeDigest,
  REGISTRY_API_GROUP,
  REGISTRY_RESOURCE,
} from './reference.js';
import type { RegistryStore } from './store.js';

export interface RegistryHttpDeps {
  store: RegistryStore;
  /** The caller, undefined when anonymous; throws (401) for a bad credential. */
  authenticate(req: IncomingMessage): UserInfo | undefined;
  decide(attributes: RequestAttributes): { allowed: boolean; reason: string };
  /** Told about every request once its caller is known (the audit log). */
  observe?(req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined): void;
  log?(line: string): void;
}

type Route =
  | { kind: 'base' }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'tags'; name: string };

const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };
const ALLOWED_METHODS: Record<Route['kind'], string[]> = {
  base: ['GET', 'HEAD'],
  blob: ['GET', 'HEAD'],
  upload: ['POST', 'PATCH', 'PUT', 'GET', 'DELETE'],
  manifest: ['GET', 'HEAD', 'PUT'],
  tags: ['GET'],
};

export function isRegistryPath(path: string): boolean {
  return path === '/v2' || path.startsWith('/v2/');
}

/** Handles one /v2/ request completely (never throws). */
export function createRegistryHandler(
  deps: RegistryHttpDeps,
): (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void> {
  return async (req, res, url) => {
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    try {
      await handle(deps, req, res, url);
    } catch (err) {
      // A body still arriving (a refused or oversized upload) is not read further: the connection
      // closes after the answer instead of carrying the rest of it.
      if (!req.complete && !res.headersSent) res.setHeader('Connection', 'close');
      sendOciError(res, err, deps.log);
      if (!req.readableEnded) req.resume();
    }
  };
}

async function handle(deps: RegistryHttpDeps, req: IncomingMessage, res: ServerResponse, url: URL) {
  const method = req.method ?? 'GET';
  let user: UserInfo | undefined;
  try {
    user = deps.authenticate(req);
  } catch (err) {
    deps.observe?.(req, res, undefined);
    throw registryError('UNAUTHORIZED', (err as Error).message || 'Unauthorized');
  }
  deps.observe?.(req, res, user);

  const route = parseRoute(url.pathname);
  if (!ALLOWED_METHODS[route.kind].includes(method)) {
    res.setHeader('Allow', ALLOWED_METHODS[route.kind].join(', '));
    throw registryError('UNSUPPORTED', `${method} is not supported on ${url.pathname}`);
  }
  if (route.kind === 'base') {
    if (!user) throw registryError('UNAUTHORIZED', 'authentication required');
    return send(res, 200, { 'Content-Type': 'application/json' }, method === 'HEAD' ? undefined : '{}');
  }
  authorize(deps, user, verbOf(route.kind, method), route.name);
  const store = deps.store;

  switch (route.kind) {
    case 'blob': {
      const blob = await store.statBlob(route.name, route.digest);
      if (!blob) throw registryError('BLOB_UNKNOWN', `blob ${route.digest} is not known in ${route.name}`);
      const headers = {
        'Content-Type': 'application/octet-stream',
        'Content-Length': String(blob.size),
        'Docker-Content-Digest': route.digest,
        ETag: `"${route.digest}"`,
        'Cache-Control': 'max-age=31536000, immutable',
      };
      if (method === 'HEAD') return send(res, 200, headers);
      res.writeHead(200, headers);
      await pipeline(store.openBlob(blob.path), res);
      return;
    }
    case 'upload':
      return upload(store, req, res, url, route.name, route.id, method);
    case 'manifest': {
      if (method === 'PUT') {
        const bytes = await readLimited(req, store.maxManifestBytes, 'manifest');
        const { digest } = await store.putManifest(
          route.name,
          route.reference,
          bytes,
          mediaTypeOf(req.headers['content-type']),
        );
        deps.log?.(
          `registry: ${user?.name ?? 'anonymous'} pushed ${route.name}:${route.reference} (${digest})`,
        );
        return send(res, 201, {
          Location: `/v2/${route.name}/manifests/${digest}`,
          'Docker-Content-Digest': digest,
          'Content-Length': '0',
        });
      }
      const manifest = await store.getManifest(route.name, route.reference);
      const headers = {
        'Content-Type': manifest.mediaType,
        'Content-Length': String(manifest.bytes.length),
        'Docker-Content-Digest': manifest.digest,
        ETag: `"${manifest.digest}"`,
      };
      return send(res, 200, headers, method === 'HEAD' ? undefined : manifest.bytes);
    }
    case 'tags': {
      const all = await store.listTags(route.name);
      const last = url.searchParams.get('last');
      const nParam = url.searchParams.get('n');
      let tags = last ? all.filter((t) => t > last) : all;
      const headers: Record<string, string> = { 'Content-Type': 'application/json' };
      if (nParam !== null) {
        const n = Number(nParam);
        if (!Number.isInteger(n) || n < 0)
          throw registryError('UNSUPPORTED', `n must be a whole number`, 400);
        if (tags.length > n && n > 0) {
          headers.Link = `</v2/${route.name}/tags/list?n=${n}&last=${encodeURIComponent(tags[n - 1]!)}>; rel="next"`;
        }
        tags = tags.slice(0, n);
      }
      return send(res, 200, headers, JSON.stringify({ name: route.name, tags }));
    }
  }
}

async function upload(
  store: RegistryStore,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  name: string,
  id: string,
  method: string,
): Promise<void> {
  const location = (uploadId: string) => `/v2/${name}/blobs/uploads/${uploadId}`;
  const progress = (uploadId: string, size: number, status: number) =>
    send(res, status, {
      Location: location(uploadId),
      Range: `0-${Math.max(0, size - 1)}`,
      'Docker-Upload-UUID': uploadId,
      'Content-Length': '0',
    });
  const created = (digest: string) =>
    send(res, 201, {
      Location: `/v2/${name}/blobs/${digest}`,
      'Docker-Content-Digest': digest,
      'Content-Length': '0',
    });
  const digestParam = url.searchParams.get('digest');

  if (method === 'POST') {
    if (id) throw registryError('UNSUPPORTED', 'POST starts an upload: POST /v2/<name>/blobs/uploads/');
    checkDeclaredSize(req, store.maxBlobBytes);
    const newId = await store.startUpload(name);
    // A single POST with ?digest= carries the whole blob (cross-repository mounts are not offered:
    // the client then uploads as usual, which the spec allows).
    if (digestParam) {
      const blob = await store.finishUpload(name, newId, checkDigest(digestParam), req);
      return created(blob.digest);
    }
    return progress(newId, 0, 202);
  }
  if (!id) throw registryError('BLOB_UPLOAD_UNKNOWN', 'no upload id in the path');
  switch (method) {
    case 'GET':
      return progress(id, await store.uploadSize(name, id), 204);
    case 'DELETE':
      await store.cancelUpload(name, id);
      return send(res, 204, { 'Content-Length': '0' });
    case 'PATCH': {
      checkDeclaredSize(req, store.maxBlobBytes);
      const start = contentRangeStart(req.headers['content-range']);
      const size = await store.appendUpload(name, id, req, start);
      return progress(id, size, 202);
    }
    default: {
      if (!digestParam) throw registryError('DIGEST_INVALID', 'PUT completes an upload and needs ?digest=');
      checkDeclaredSize(req, store.maxBlobBytes);
      const blob = await store.finishUpload(name, id, checkDigest(digestParam), req);
      return created(blob.digest);
    }
  }
}

function authorize(deps: RegistryHttpDeps, user: UserInfo | undefined, verb: string, name: string): void {
  const a: RequestAttributes = {
    user: user ?? ANONYMOUS,
    verb,
    resourceRequest: true,
    apiGroup: REGISTRY_API_GROUP,
    resource: REGISTRY_RESOURCE,
    subresource: '',
    namespace: '',
    name,
    path: '',
    fieldSelector: '',
  };
  if (deps.decide(a).allowed) return;
  if (!user) throw registryError('UNAUTHORIZED', 'authentication required');
  const what = verb === 'get' ? 'pull' : verb === 'create' ? 'push' : verb;
  throw registryError(
    'DENIED',
    `${REGISTRY_RESOURCE}.${REGISTRY_API_GROUP} "${name}" is forbidden: User "${user.name}" cannot ${verb} (${what}) resource "${REGISTRY_RESOURCE}" in API group "${REGISTRY_API_GROUP}" at the cluster scope`,
  );
}

function verbOf(kind: Route['kind'], method: string): string {
  if (kind === 'upload') return 'create';
  if (kind === 'tags') return 'list';
  return method === 'PUT' ? 'create' : 'get';
}

/** /v2/<name>/… split into its route; NAME_INVALID for a bad name, 404 for an unknown path. */
function parseRoute(pathname: string): Route {
  if (pathname === '/v2' || pathname === '/v2/') return { kind: 'base' };
  let m = /^\/v2\/(.+)\/blobs\/uploads(?:\/([^/]*))?$/.exec(pathname);
  if (m) {
    const id = m[2] ?? '';
    return { kind: 'upload', name: checkName(decode(m[1]!)), id };
  }
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(pathname);
  if (m) return { kind: 'blob', name: checkName(decode(m[1]!)), digest: checkDigest(decode(m[2]!)) };
  m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(pathname);
  if (m) {
    const reference = decode(m[2]!);
    if (looksLikeDigest(reference)) checkDigest(reference);
    else checkTag(reference);
    return { kind: 'manifest', name: checkName(decode(m[1]!)), reference };
  }
  m = /^\/v2\/(.+)\/tags\/list$/.exec(pathname);
  if (m) return { kind: 'tags', name: checkName(decode(m[1]!)) };
  throw registryError('NAME_UNKNOWN', `no registry endpoint at ${pathname}`, 404);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function mediaTypeOf(contentType: string | undefined): string | undefined {
  if (!contentType) return undefined;
  return contentType.split(';')[0]!.trim().toLowerCase() || undefined;
}

function checkDeclaredSize(req: IncomingMessage, limit: number): void {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit)
    throw registryError('SIZE_INVALID', `blob is larger than the limit of ${limit} bytes`, 413);
}

/** The first byte of `Content-Range: <start>-<end>` (the OCI form; `bytes ` prefix tolerated). */
function contentRangeStart(header: string | undefined): number | undefined {
  if (!header) return undefined;
  const m = /^(?:bytes )?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1]))
    throw registryError('BLOB_UPLOAD_INVALID', `Content-Range "${header}" is not <start>-<end>`, 416);
  return Number(m[1]);
}

async function readLimited(req: IncomingMessage, limit: number, what: string): Promise<Buffer> {
  const tooLarge = () =>
    registryError('SIZE_INVALID', `${what} is larger than the limit of ${limit} bytes`, 413);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body?: string | Buffer,
): void {
  if (body !== undefined && !headers['Content-Length'])
    headers['Content-Length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

function sendOciError(res: ServerResponse, err: unknown, log?: (line: string) => void): void {
  const { status, body, apiError } = toOciError(err);
  if (status >= 500) {
    const cause = (apiError.cause as Error | undefined)?.stack ?? apiError.message;
    (log ?? ((line: string) => console.error(line)))(`registry: internal error: ${cause}`);
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(text)),
  };
  if (status === 401) headers['WWW-Authenticate'] = 'Bearer realm="minato"';
  res.writeHead(status, headers);
  res.end(text);
}
