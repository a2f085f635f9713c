/**
 * How failures reach callers: a reply from the hub becomes the ApiError its Status describes; a
 * request that never got a reply (refused, reset, timed out, TLS failure) becomes a TransportError,
 * which is also an ApiError (503) so that callers handle one error model, yet can tell "the hub
 * said no" from "the link is down".
 */
import { ApiError, isApiError, type StatusReason } from '../api/errors.js';
import type { Status } from '../api/types.js';

export class TransportError extends ApiError {
  /** The system error code when there is one: ECONNREFUSED, ECONNRESET, ETIMEDOUT, ... */
  readonly errno: string | undefined;
  readonly transport = true;

  constructor(server: string, reason: string, errno?: string, cause?: unknown) {
    super(503, 'ServiceUnavailable', `cannot reach the hub at ${server}: ${reason}`, undefined, { cause });
    this.errno = errno;
  }
}

export function isTransportError(err: unknown): err is TransportError {
  return isApiError(err) && (err as Partial<TransportError>).transport === true;
}

const REASON_BY_CODE: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

/** The ApiError for an HTTP error reply: its Status when the body is one, else a Status made from the code. */
export function errorFromResponse(code: number, body: string): ApiError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (parsed && typeof parsed === 'object' && (parsed as Status).kind === 'Status') {
    return ApiError.fromStatus(parsed as Status, code);
  }
  const reason = REASON_BY_CODE[code] ?? 'InternalError';
  const text = body.trim().slice(0, 300);
  return new ApiError(
    code,
    reason,
    text ? `${reason} (${code}): ${text}` : `the server replied ${code} (${reason})`,
  );
}

/** A short human reason for a low-level network error: "connection refused", "timed out after 5 s". */
export function describeNetworkError(err: unknown): { reason: string; errno: string | undefined } {
  const e = err as NodeJS.ErrnoException;
  const errno = typeof e?.code === 'string' ? e.code : undefined;
  const known: Record<string, string> = {
    ECONNREFUSED: 'connection refused (is the hub running and is the port right?)',
    ECONNRESET: 'the connection was reset',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ENOTFOUND: 'the host name does not resolve',
    EAI_AGAIN: 'the host name could not be resolved right now',
    ETIMEDOUT: 'the connection timed out',
    EPIPE: 'the connection was closed',
  };
  if (errno && known[errno]) return { reason: known[errno]!, errno };
  return { reason: e?.message ?? String(err), errno };
}
