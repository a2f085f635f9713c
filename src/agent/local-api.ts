/**
 * The agent's local API: plain HTTP on a loopback address only (it has no authentication, so it
 * must never face a network). Errors are Kubernetes Status objects, like everywhere in Minato.
 *
 *   GET  /healthz                      "ok"
 *   GET  /status                       node, link state and quality, pods (JSON)
 *   POST /depart?in=30s                cordon this Node and announce the departure deadline
 *   POST /return                       clear the departure; uncordon if the departure cordoned it
 *   GET  /logs/NS/POD/CONTAINER?follow=true&tailLines=N&sinceSeconds=S&timestamps=true&limitBytes=B
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { ApiError, badRequest, methodNotAllowed, toApiError } from '../api/errors.js';
import { AgentError } from './errors.js';
import type { LogOptions } from './logs/container-logs.js';
import { parseDuration } from './node/departure.js';

export interface LocalApiBackend {
  status(): unknown;
  depart(inMs: number): Promise<unknown>;
  return(): Promise<unknown>;
  logs(namespace: string, pod: string, container: string, options: LogOptions): Readable;
}

/** "127.0.0.1:10250", "[::1]:10250", "localhost:0"; anything not loopback is refused. */
export function parseLocalAddress(text: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(text.trim());
  if (!m)
    throw new AgentError(
      `--local-api must be HOST:PORT on a loopback address, e.g. 127.0.0.1:10250, got "${text}"`,
    );
  const host = (m[1] ?? m[2])!;
  const port = Number(m[3]);
  const loopback = host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
  if (!loopback) {
    throw new AgentError(
      `--local-api must listen on a loopback address (127.0.0.1, ::1 or localhost), not "${host}": it has no authentication`,
    );
  }
  if (port > 65535) throw new AgentError(`--local-api port ${port} is out of range`);
  return { host, port };
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  res.writeHead(code, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown): void {
  const apiError = err instanceof AgentError ? badRequest(err.message) : toApiError(err);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  sendJson(res, apiError.code, apiError.toStatus());
}

function logOptions(query: URLSearchParams): LogOptions {
  const int = (name: string): number | undefined => {
    const raw = query.get(name);
    if (raw === null) return undefined;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0)
      throw badRequest(`${name} must be a non-negative integer, got "${raw}"`);
    return n;
  };
  const bool = (name: string) => query.get(name) === 'true' || query.get(name) === '1';
  return {
    follow: bool('follow'),
    previous: bool('previous'),
    timestamps: bool('timestamps'),
    tailLines: int('tailLines'),
    sinceSeconds: int('sinceSeconds'),
    limitBytes: int('limitBytes'),
    ...(query.get('sinceTime') ? { sinceTime: query.get('sinceTime')! } : {}),
  };
}

async function handle(backend: LocalApiBackend, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const path = url.pathname.replace(/\/+$/, '') || '/';
  const method = req.method ?? 'GET';
  if (path === '/healthz') {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
    return;
  }
  if (path === '/status') {
    if (method !== 'GET') throw methodNotAllowed(`${method} is not supported on /status`);
    return sendJson(res, 200, backend.status());
  }
  if (path === '/depart' || path === '/return') {
    if (method !== 'POST') throw methodNotAllowed(`use POST ${path}`);
    if (path === '/return') return sendJson(res, 200, await backend.return());
    const inText = url.searchParams.get('in') ?? '30s';
    return sendJson(res, 200, await backend.depart(parseDuration(inText)));
  }
  const logs = /^\/logs\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(path);
  if (logs) {
    if (method !== 'GET') throw methodNotAllowed(`${method} is not supported on logs`);
    const [namespace, pod, container] = logs.slice(1).map(decodeURIComponent) as [string, string, string];
    const stream = backend.logs(namespace, pod, container, logOptions(url.searchParams));
    res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'transfer-encoding': 'chunked' });
    stream.pipe(res);
    res.on('close', () => stream.destroy());
    return;
  }
  throw new ApiError(
    404,
    'NotFound',
    `no such local API path: ${path} (try /status, /healthz, /logs/NS/POD/CONTAINER)`,
  );
}

export async function startLocalApi(
  address: string,
  backend: LocalApiBackend,
): Promise<{ server: Server; url: string }> {
  const { host, port } = parseLocalAddress(address);
  const server = createServer((req, res) => {
    handle(backend, req, res).catch((err) => sendError(res, err));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new AgentError(`--local-api ${address} is already in use: pick another port (or "off")`)
          : err,
      );
    });
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as AddressInfo;
  const shown = bound.family === 'IPv6' ? `[${bound.address}]` : bound.address;
  return { server, url: `http://${shown}:${bound.port}` };
}
