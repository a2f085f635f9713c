/**
 * Many Kubernetes watches over one HTTP response. A browser keeps at most six HTTP/1.1 connections
 * per host, and a dashboard needs more live views than that (nodes, leases, pods, workloads, events,
 * plugins) plus room for ordinary requests and log streams. So the browser asks for all its watches
 * at once and this endpoint opens each of them *as that user* against the hub's own Kubernetes API
 * (loopback HTTPS, the caller's Bearer token forwarded), so authentication, RBAC, audit and watch
 * semantics are exactly what kubectl gets. Nothing here reads the store directly.
 *
 * Request:  GET /dashboard/api/watch?w=ID%20PATH&w=…   (PATH: an /api or /apis list path and query)
 * Response: one line per event, `ID <the watch event JSON as the API sent it>`; when a watch ends,
 *           `ID {"type":"CLOSED"}`; when the API refuses it, `ID {"type":"ERROR","object":<Status>}`.
 *           Empty lines are keep-alives.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { badRequest, unauthorized } from '../../api/errors.js';

export const WATCH_MUX_PATH = '/dashboard/api/watch';
const MAX_WATCHES = 32;
const KEEPALIVE_MS = 20_000;
const ID = /^[A-Za-z0-9_.:-]{1,64}$/;

export interface LoopbackTarget {
  host: string;
  port: number;
  /** The cluster CA: the hub's own serving certificate is verified against it. */
  ca: string;
}

export interface WatchSpec {
  id: string;
  /** Path and query of the watch, with watch=true and bookmarks set. */
  path: string;
}

/** Parses and checks the `w` parameters; a bad one is a 400 naming it. */
export function parseWatchSpecs(url: URL): WatchSpec[] {
  const raw = url.searchParams.getAll('w');
  if (raw.length === 0) throw badRequest('give at least one watch: w=ID%20/api/v1/nodes');
  if (raw.length > MAX_WATCHES)
    throw badRequest(`at most ${MAX_WATCHES} watches per stream, got ${raw.length}`);
  const seen = new Set<string>();
  return raw.map((w) => {
    const space = w.indexOf(' ');
    const id = space < 0 ? '' : w.slice(0, space);
    const target = space < 0 ? '' : w.slice(space + 1);
    if (!ID.test(id))
      throw badRequest(`watch "${w}": the id must be 1-64 letters, digits or _.:- before a space`);
    if (seen.has(id)) throw badRequest(`watch id "${id}" is given twice`);
    seen.add(id);
    if (!/^\/apis?\//.test(target) || target.includes('..') || target.includes('//')) {
      throw badRequest(`watch "${id}": the path must be a Kubernetes API path under /api/ or /apis/`);
    }
    const parsed = new URL(target, 'https://hub.invalid');
    parsed.searchParams.set('watch', 'true');
    parsed.searchParams.set('allowWatchBookmarks', 'true');
    return { id, path: `${parsed.pathname}${parsed.search}` };
  });
}

/** Serves one multiplexed watch stream for the caller of `req`. */
export function serveWatchMux(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  target: LoopbackTarget,
): void {
  const authorization = req.headers.authorization;
  if (!authorization?.startsWith('Bearer ')) {
    throw unauthorized('the dashboard watch stream needs a Bearer token (sign in to the dashboard)');
  }
  const specs = parseWatchSpecs(url);
  res.writeHead(200, {
    'Content-Type': 'application/x-ndjson; charset=utf-8',
    'Cache-Control': 'no-cache, private',
    'X-Content-Type-Options': 'nosniff',
  });
  res.flushHeaders();

  const upstreams: IncomingMessage[] = [];
  const requests: ReturnType<typeof httpsRequest>[] = [];
  let closed = false;
  let paused = false;
  // Backpressure: a slow browser pauses every upstream watch until it has caught up.
  const send = (line: string) => {
    if (closed) return;
    if (!res.write(`${line}\n`) && !paused) {
      paused = true;
      for (const u of upstreams) u.pause();
      res.once('drain', () => {
        paused = false;
        for (const u of upstreams) u.resume();
      });
    }
  };
  const keepAlive = setInterval(() => send(''), KEEPALIVE_MS);
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepAlive);
    for (const r of requests) r.destroy();
    if (!res.writableEnded) res.end();
  };
  res.on('close', close);
  res.on('error', close);

  for (const spec of specs) {
    const upstream = httpsRequest({
      host: target.host,
      port: target.port,
      path: spec.path,
      method: 'GET',
      ca: target.ca,
      // The hub calling itself on loopback: the chain is verified against the cluster CA; the name
      // it listens under may not be in its certificate (e.g. --host 0.0.0.0).
      checkServerIdentity: () => undefined,
      headers: { Authorization: authorization, Accept: 'application/json' },
    });
    requests.push(upstream);
    upstream.on('response', (answer) => {
      answer.setEncoding('utf8');
      if (answer.statusCode !== 200) {
        let body = '';
        answer.on('data', (c: string) => {
          body += c;
        });
        answer.on('end', () => send(`${spec.id} ${errorEvent(answer.statusCode ?? 500, body)}`));
        return;
      }
      upstreams.push(answer);
      if (paused) answer.pause();
      let buffered = '';
      answer.on('data', (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf('\n');
        while (nl >= 0) {
          const line = buffered.slice(0, nl).trim();
          buffered = buffered.slice(nl + 1);
          if (line) send(`${spec.id} ${line}`);
          nl = buffered.indexOf('\n');
        }
      });
      answer.on('end', () => send(`${spec.id} {"type":"CLOSED"}`));
      answer.on('error', () => send(`${spec.id} {"type":"CLOSED"}`));
    });
    upstream.on('error', (err) => {
      if (!closed) send(`${spec.id} ${errorEvent(503, JSON.stringify({ message: err.message }))}`);
    });
    upstream.end();
  }
}

/** A watch ERROR event carrying the API's Status (or one built from a non-Status body). */
function errorEvent(code: number, body: string): string {
  let status: Record<string, unknown>;
  try {
    status = JSON.parse(body) as Record<string, unknown>;
  } catch {
    status = {};
  }
  if (status.kind !== 'Status') {
    status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: typeof status.message === 'string' ? status.message : `the watch failed with HTTP ${code}`,
      reason: code === 503 ? 'ServiceUnavailable' : 'InternalError',
      code,
    };
  }
  return JSON.stringify({ type: 'ERROR', object: status });
}
