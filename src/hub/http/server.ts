/**
 * The hub's HTTPS front door: authenticates the caller, routes non-resource paths (health, version,
 * discovery, OpenAPI) and hands resource paths to the ResourceHandler. Every failure leaves as a
 * Kubernetes Status; nothing a client sends may take the process down.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttpServer, STATUS_CODES } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { badRequest, forbidden, toApiError, unauthorized } from '../../api/index.js';
import { TUNNEL_PATH, type TunnelServer } from '../../tunnel/tunnel-server.js';
import type { Discovery } from '../discovery.js';
import type { OpenApiV2Answer } from '../openapi-v2/service.js';
import { negotiateDiscovery } from '../request/negotiate.js';
import { isDiscoveryPath, parseResourcePath } from '../request/request-info.js';
import type { ResourceHandler } from './resource-handler.js';
import { sendError, sendJson, sendRaw } from './respond.js';

export interface UserInfo {
  name: string;
  groups: string[];
}

export interface FrontDoorDeps {
  discovery: Discovery;
  resources: ResourceHandler;
  version: Record<string, string>;
  openapi(path: string, query: URLSearchParams): string | undefined;
  /** /openapi/v2 and /swagger-2.0.0.pb-v1 for kubectl 1.27/1.28: status, headers and (binary) body. */
  openapiV2?(
    path: string,
    accept: string | undefined,
    ifNoneMatch: string | undefined,
  ): OpenApiV2Answer | undefined;
  authenticate(req: IncomingMessage): UserInfo | undefined;
  /** Throws 403 when the user may not make this request. */
  authorize(user: UserInfo, method: string, url: URL): void;
  /** Throws 429 when the hub sheds this request for now (e.g. a new device's join while overloaded). */
  admit?(user: UserInfo, method: string, path: string): void;
  isReady(): boolean;
  /** Devices' reverse tunnels (the agent dials in; the hub sends requests down). */
  tunnels: TunnelServer;
  /** Called for every request once it is authenticated (or found anonymous), e.g. the audit log. */
  onRequest?: (req: IncomingMessage, res: ServerResponse, user: UserInfo | undefined) => void;
  /**
   * The module registry (OCI distribution API under /v2/): it authenticates, authorizes and answers
   * errors itself, in the OCI error format rather than as a Status.
   */
  registry?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<void>;
  /** Extra non-resource routes (e.g. the dashboard later); return true when handled. */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean> | boolean;
  /**
   * The dashboard's static files (GET/HEAD /dashboard/...), served BEFORE authentication because the
   * sign-in page must load without a credential. Static assets only, never API data; return true when
   * a file was served, false to let the request continue to authentication as usual.
   */
  dashboardAssets?: (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
}

const users = new WeakMap<IncomingMessage, UserInfo>();
export const ANONYMOUS: UserInfo = { name: 'system:anonymous', groups: ['system:unauthenticated'] };

/** The authenticated caller of a request (set by the front door before any handler runs). */
export function userOf(req: IncomingMessage): UserInfo | undefined {
  return users.get(req);
}

/** Connections that arrived through a device's tunnel, and the device they belong to. */
const channelUsers = new WeakMap<object, UserInfo>();

/** Paths Kubernetes serves to anonymous callers. */
const PUBLIC_PATHS = new Set(['/healthz', '/livez', '/readyz', '/version']);

export function createFrontDoor(tls: { key: string; cert: string; ca: string }, deps: FrontDoorDeps): Server {
  const server = createServer(
    {
      key: tls.key,
      cert: tls.cert,
      ca: tls.ca,
      requestCert: true,
      // Client certificates are checked per request so that token and anonymous callers get a proper 401.
      rejectUnauthorized: false,
      keepAlive: true,
    },
    (req, res) => {
      handle(req, res, deps).catch((err) => sendError(res, err));
    },
  );
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0; // watches and log streams are long-lived
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    try {
      upgrade(req, socket, deps);
    } catch (err) {
      const status = toApiError(err).toStatus();
      const body = JSON.stringify(status);
      socket.end(
        `HTTP/1.1 ${status.code} ${STATUS_CODES[status.code] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
  });
  server.on('clientError', answerClientError);
  return server;
}

function answerClientError(_err: Error, socket: Duplex): void {
  if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
}

/**
 * Serves the HTTP connections devices open inside their tunnels: the same routes, authorization and
 * audit as the front door, with the caller being the device whose tunnel it is (its certificate was
 * checked when the tunnel was accepted). The TLS of the tunnel protects them.
 */
export function createChannelServer(deps: FrontDoorDeps): { serve(socket: Duplex, user: UserInfo): void } {
  const server = createHttpServer({ keepAlive: true }, (req, res) => {
    handle(req, res, deps).catch((err) => sendError(res, err));
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 70_000;
  server.requestTimeout = 0;
  server.on('clientError', answerClientError);
  return {
    serve(socket, user) {
      channelUsers.set(socket, user);
      server.emit('connection', socket);
    },
  };
}

/** Upgrades: a device's tunnel. exec, attach and port-forward are not served yet and get a clear 400. */
function upgrade(req: IncomingMessage, socket: Duplex, deps: FrontDoorDeps): void {
  const url = new URL(req.url ?? '/', 'https://hub.invalid');
  const user = deps.authenticate(req);
  if (!user) throw unauthorized();
  if (url.pathname === TUNNEL_PATH) {
    const node =
      user.groups.includes('system:nodes') && user.name.startsWith('system:node:')
        ? user.name.slice('system:node:'.length)
        : '';
    if (!node)
      throw forbidden(
        `only devices (system:node:<name> in group system:nodes) may open a tunnel, not "${user.name}"`,
      );
    deps.tunnels.accept(req, socket, node);
    return;
  }
  throw badRequest(
    `${url.pathname.split('/').pop()} over an upgraded connection is not supported by this hub yet`,
  );
}

async function handle(req: IncomingMessage, res: ServerResponse, deps: FrontDoorDeps): Promise<void> {
  const url = new URL(req.url ?? '/', 'https://hub.invalid');
  const path = url.pathname.replace(/\/+$/, '') || '/';

  if (path === '/healthz' || path === '/livez' || path === '/readyz') {
    const ready = path !== '/readyz' || deps.isReady();
    return sendRaw(res, ready ? 200 : 503, ready ? 'ok' : 'not ready', 'text/plain; charset=utf-8');
  }
  if (path === '/version') return sendJson(res, 200, deps.version);
  if (deps.registry && (path === '/v2' || path.startsWith('/v2/'))) return deps.registry(req, res, url);
  // Unauthenticated on purpose: the dashboard's sign-in page, scripts and styles (files only; see above).
  const isAssetRequest = req.method === 'GET' || req.method === 'HEAD';
  if (deps.dashboardAssets && isAssetRequest && (path === '/dashboard' || path.startsWith('/dashboard/'))) {
    if (await deps.dashboardAssets(req, res, url)) return;
  }

  let user: UserInfo | undefined;
  try {
    user = channelUsers.get(req.socket) ?? deps.authenticate(req);
  } finally {
    deps.onRequest?.(req, res, user);
  }
  if (!user) {
    // Anonymous callers get the health paths, and whatever RBAC grants system:anonymous (cluster-info).
    if (!PUBLIC_PATHS.has(path)) {
      try {
        deps.authorize(ANONYMOUS, req.method ?? 'GET', url);
      } catch {
        throw unauthorized();
      }
    }
  } else {
    users.set(req, user);
    deps.authorize(user, req.method ?? 'GET', url);
    deps.admit?.(user, req.method ?? 'GET', path);
  }
  if (deps.extraRoutes && (await deps.extraRoutes(req, res, url))) return;

  if (isDiscoveryPath(path)) {
    const negotiated = negotiateDiscovery(req.headers.accept);
    // /api/v1 and /apis/g/v are always legacy documents; only the roots aggregate.
    const isRoot = path === '/api' || path === '/apis';
    const format = isRoot ? negotiated.format : 'legacy';
    const doc = deps.discovery.document(path, format);
    if (doc !== undefined)
      return sendRaw(res, 200, doc, isRoot ? negotiated.contentType : 'application/json');
  }
  if (path === '/openapi/v3' || path.startsWith('/openapi/v3/')) {
    const doc = deps.openapi(path, url.searchParams);
    if (doc !== undefined) return sendRaw(res, 200, doc);
  }
  if (path === '/openapi/v2' || path === '/swagger-2.0.0.pb-v1') {
    const answer = deps.openapiV2?.(path, req.headers.accept, req.headers['if-none-match']);
    if (answer) {
      res.writeHead(answer.status, answer.headers);
      res.end(answer.body);
      return;
    }
  }
  const target = parseResourcePath(path);
  if (target) return deps.resources.handle(req, res, url, target);
  sendJson(res, 404, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `the server could not find the requested resource`,
    reason: 'NotFound',
    details: {},
    code: 404,
  });
}
