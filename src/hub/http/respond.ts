/** Writing responses: JSON bodies, Status errors and warnings, always with a JSON content type. */
import type { ServerResponse } from 'node:http';
import { type ApiError, toApiError } from '../../api/index.js';

export function sendJson(
  res: ServerResponse,
  code: number,
  body: unknown,
  contentType = 'application/json',
): void {
  sendRaw(res, code, typeof body === 'string' ? body : JSON.stringify(body), contentType);
}

export function sendRaw(
  res: ServerResponse,
  code: number,
  text: string,
  contentType = 'application/json',
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const payload = Buffer.from(text, 'utf8');
  res.writeHead(code, {
    'Content-Type': contentType,
    'Content-Length': payload.length,
    'Cache-Control': 'no-cache, private',
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, err: unknown): ApiError {
  const apiError = toApiError(err);
  if (apiError.code >= 500)
    console.error('hub: internal error:', (apiError.cause as Error | undefined)?.stack ?? apiError.message);
  if (apiError.code === 429 && apiError.details?.retryAfterSeconds && !res.headersSent) {
    res.setHeader('Retry-After', String(apiError.details.retryAfterSeconds));
  }
  sendJson(res, apiError.code, apiError.toStatus());
  return apiError;
}

const LIST_CHUNK_BYTES = 256 * 1024;

/** `open` + items joined by commas + `]}`, written in ~256 KiB pieces, honouring backpressure. */
export function streamJsonList(res: ServerResponse, open: string, items: string[]): void {
  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private' });
  let i = 0;
  let first = true;
  const pump = () => {
    while (i < items.length) {
      let chunk = first ? open : '';
      first = false;
      while (i < items.length && chunk.length < LIST_CHUNK_BYTES) chunk += (i > 0 ? ',' : '') + items[i++];
      if (!res.write(chunk)) {
        res.once('drain', pump);
        return;
      }
    }
    res.end(`${first ? open : ''}]}`);
  };
  res.on('close', () => {
    i = items.length;
  });
  pump();
}

/** Kubernetes' Warning header format: code 299, agent "-", quoted text. */
export function addWarnings(res: ServerResponse, warnings: string[]): void {
  if (warnings.length === 0 || res.headersSent) return;
  res.setHeader(
    'Warning',
    warnings.map((w) => `299 - "${w.replace(/["\\]/g, (c) => `\\${c}`)}"`),
  );
}

export function successStatus(details: Record<string, unknown>): unknown {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
}
