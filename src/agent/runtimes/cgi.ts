// CGI as WAGI uses it: the request becomes environment variables and arguments, the module's stdout
// becomes the response. Pure functions, no I/O.

export interface CgiRequest {
  method: string;
  /** The request target as sent: path and query, still percent-encoded. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  bodyLength: number;
  remoteAddress: string;
  /** The address the server listens on. */
  serverHost: string;
  serverPort: number;
  httpVersion: string;
}

export interface Route {
  /** Path prefix the handler serves: '/' for everything, '/api' for /api and /api/... */
  prefix: string;
}

export class BadRequest extends Error {}

/** Does `path` (decoded or not) fall under the route? */
export function matchesRoute(route: Route, rawPath: string): boolean {
  const prefix = normalisePrefix(route.prefix);
  return prefix === '' || rawPath === prefix || rawPath.startsWith(`${prefix}/`);
}

function normalisePrefix(prefix: string): string {
  return prefix.replace(/\/+$/, '');
}

/**
 * The CGI/WAGI environment for one request. Header variables (HTTP_*) come first so that a client
 * cannot override the server's own variables with a header of the same name.
 */
export function cgiEnvironment(
  req: CgiRequest,
  route: Route,
  base: Record<string, string>,
): Record<string, string> {
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const query = q === -1 ? '' : req.url.slice(q + 1);
  const prefix = normalisePrefix(route.prefix);
  const rawPathInfo = rawPath.slice(prefix.length);
  let pathInfo: string;
  try {
    pathInfo = decodeURIComponent(rawPathInfo);
  } catch {
    throw new BadRequest(`malformed percent-encoding in path ${JSON.stringify(rawPath)}`);
  }
  const env: Record<string, string> = { ...base };
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    // CONTENT_TYPE and CONTENT_LENGTH carry these; Proxy would let a client set HTTP_PROXY (httpoxy).
    if (lower === 'content-type' || lower === 'content-length' || lower === 'proxy') continue;
    env[`HTTP_${name.toUpperCase().replace(/-/g, '_')}`] = Array.isArray(value) ? value.join(', ') : value;
  }
  const hostHeader =
    typeof req.headers.host === 'string' && req.headers.host !== '' ? req.headers.host : undefined;
  const authority = hostHeader ?? `${bracketIPv6(req.serverHost)}:${req.serverPort}`;
  const contentType = req.headers['content-type'];
  Object.assign(env, {
    AUTH_TYPE: '',
    CONTENT_LENGTH: String(req.bodyLength),
    CONTENT_TYPE: typeof contentType === 'string' ? contentType : '',
    GATEWAY_INTERFACE: 'CGI/1.1',
    PATH_INFO: pathInfo,
    PATH_TRANSLATED: pathInfo,
    QUERY_STRING: query,
    REMOTE_ADDR: req.remoteAddress,
    REMOTE_HOST: req.remoteAddress,
    REMOTE_USER: '',
    REQUEST_METHOD: req.method,
    SCRIPT_NAME: prefix,
    SERVER_NAME: hostname(authority),
    SERVER_PORT: String(req.serverPort),
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
    SERVER_SOFTWARE: 'Minato-WAGI/1',
    X_FULL_URL: `http://${authority}${req.url}`,
    X_MATCHED_ROUTE: prefix === '' ? '/...' : `${prefix}/...`,
    X_RAW_PATH_INFO: rawPathInfo,
  });
  return env;
}

/** WAGI passes the query's parameters as arguments after the program name: `?a=1&b` → a=1 b. */
export function cgiArguments(url: string): string[] {
  const q = url.indexOf('?');
  if (q === -1 || q === url.length - 1) return [];
  return url
    .slice(q + 1)
    .split('&')
    .filter((p) => p !== '')
    .map((p) => {
      try {
        return decodeURIComponent(p.replace(/\+/g, ' '));
      } catch {
        return p;
      }
    });
}

function bracketIPv6(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function hostname(authority: string): string {
  if (authority.startsWith('[')) return authority.slice(0, authority.indexOf(']') + 1);
  const colon = authority.lastIndexOf(':');
  return colon === -1 ? authority : authority.slice(0, colon);
}

export interface CgiResponse {
  status: number;
  statusText?: string;
  /** Header name as printed → values, in order. */
  headers: [string, string][];
  body: Buffer;
}

/** The module's output did not start with CGI headers. */
export class CgiParseError extends Error {}

// Headers the server manages itself.
const DROPPED_HEADERS = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive']);

/**
 * Parses a CGI response: header lines ending with an empty line, then the body. `Status: 404 Not
 * Found` sets the status; a `Location` without a status is a 302; one of Content-Type, Location or
 * Status must be present.
 */
export function parseCgiResponse(output: Buffer): CgiResponse {
  const { headerEnd, bodyStart } = findHeaderEnd(output);
  if (headerEnd === -1) {
    throw new CgiParseError(
      output.length === 0
        ? 'the handler printed nothing'
        : 'the handler printed no CGI headers (header lines, then an empty line)',
    );
  }
  const lines = output.subarray(0, headerEnd).toString('latin1').split(/\r?\n/);
  const headers: [string, string][] = [];
  let status: number | undefined;
  let statusText: string | undefined;
  let location = false;
  let contentType = false;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new CgiParseError(`malformed CGI header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new CgiParseError(`invalid CGI header name ${JSON.stringify(name.slice(0, 80))}`);
    }
    const lower = name.toLowerCase();
    if (lower === 'status') {
      const m = /^(\d{3})(?:\s+(.*))?$/.exec(value);
      const code = m ? Number(m[1]) : Number.NaN;
      if (!m || code < 100 || code > 599)
        throw new CgiParseError(`invalid Status header ${JSON.stringify(value)}`);
      status = code;
      if (m[2]) statusText = m[2];
      continue;
    }
    if (/[\0\r\n]/.test(value)) throw new CgiParseError(`invalid value for header ${name}`);
    if (lower === 'location') location = true;
    if (lower === 'content-type') contentType = true;
    if (DROPPED_HEADERS.has(lower)) continue;
    headers.push([name, value]);
  }
  if (status === undefined && !location && !contentType) {
    throw new CgiParseError('the handler printed headers without Content-Type, Location or Status');
  }
  return {
    status: status ?? (location ? 302 : 200),
    ...(statusText ? { statusText } : {}),
    headers,
    body: output.subarray(bodyStart),
  };
}

function findHeaderEnd(output: Buffer): { headerEnd: number; bodyStart: number } {
  const crlf = output.indexOf('\r\n\r\n');
  const lf = output.indexOf('\n\n');
  if (lf !== -1 && (crlf === -1 || lf < crlf)) return { headerEnd: lf, bodyStart: lf + 2 };
  if (crlf !== -1) return { headerEnd: crlf, bodyStart: crlf + 4 };
  return { headerEnd: -1, bodyStart: -1 };
}
