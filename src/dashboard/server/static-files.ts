/**
 * Serves files from fixed folders, safely: a URL can never reach outside its folder (`..`, encoded
 * slashes and symlinks included), only known file types are served, and every answer carries an ETag
 * so browsers revalidate (a changed plugin is picked up on reload) without downloading it again.
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
};

/** The content type served for a file name, or undefined for types that are never served. */
export function contentTypeOf(path: string): string | undefined {
  return CONTENT_TYPES[extname(path).toLowerCase()];
}

/**
 * Splits a URL path remainder (still percent-encoded, e.g. "battery-overlay/index.js") into decoded
 * segments; undefined when any segment is empty, "." or "..", or decodes to a slash, backslash or NUL.
 */
export function safeSegments(encoded: string): string[] | undefined {
  const parts = encoded.split('/');
  const out: string[] = [];
  for (const part of parts) {
    let s: string;
    try {
      s = decodeURIComponent(part);
    } catch {
      return undefined;
    }
    if (!s || s === '.' || s === '..' || /[/\\\0]/.test(s)) return undefined;
    out.push(s);
  }
  return out.length > 0 ? out : undefined;
}

/** The real path of a regular file inside `root` (after resolving symlinks), or undefined. */
export async function fileInside(root: string, segments: string[]): Promise<string | undefined> {
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, ...segments));
    if (!real.startsWith(realRoot + sep)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends a file with its content type, an ETag (size and modification time) and `no-cache` (always
 * revalidate); answers 304 when the browser's copy is current. HEAD gets the headers only.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  headers: Record<string, string> = {},
): Promise<void> {
  const info = await stat(path);
  const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
  const common = {
    ETag: etag,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, {
    ...common,
    'Content-Type': contentTypeOf(path) ?? 'application/octet-stream',
    'Content-Length': String(info.size),
  });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await new Promise<void>((resolve) => {
    const stream = createReadStream(path);
    stream.on('error', () => {
      res.destroy();
      resolve();
    });
    stream.on('end', resolve);
    stream.pipe(res);
  });
}
