/**
 * Registry failures in Minato's one error model: an ApiError whose first cause names the OCI error
 * code. At the registry's HTTP boundary any ApiError becomes the OCI error body
 * `{"errors":[{"code","message"}]}`; a client turns that body back into the same ApiError.
 */
import { ApiError, type StatusReason, toApiError } from '../api/errors.js';

/** The OCI distribution error codes and the status each is answered with by default. */
export const OCI_ERROR_STATUS = {
  BLOB_UNKNOWN: 404,
  BLOB_UPLOAD_INVALID: 400,
  BLOB_UPLOAD_UNKNOWN: 404,
  DIGEST_INVALID: 400,
  MANIFEST_BLOB_UNKNOWN: 400,
  MANIFEST_INVALID: 400,
  MANIFEST_UNKNOWN: 404,
  NAME_INVALID: 400,
  NAME_UNKNOWN: 404,
  SIZE_INVALID: 400,
  UNAUTHORIZED: 401,
  DENIED: 403,
  UNSUPPORTED: 405,
  TOOMANYREQUESTS: 429,
  /** Not in the spec's table: a server-side failure (5xx). */
  UNKNOWN: 500,
} as const;

export type OciErrorCode = keyof typeof OCI_ERROR_STATUS;

/** The cause field that marks a cause as carrying an OCI code. */
const OCI_FIELD = 'oci.code';

const REASON_BY_STATUS: Record<number, StatusReason> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  429: 'TooManyRequests',
  503: 'ServiceUnavailable',
};

export function isOciErrorCode(value: unknown): value is OciErrorCode {
  return typeof value === 'string' && Object.hasOwn(OCI_ERROR_STATUS, value);
}

/** An ApiError carrying an OCI code; `status` overrides the code's default (e.g. 413, 416). */
export function registryError(code: OciErrorCode, message: string, status?: number): ApiError {
  const http = status ?? OCI_ERROR_STATUS[code];
  const reason = REASON_BY_STATUS[http] ?? (http >= 500 ? 'InternalError' : 'BadRequest');
  return new ApiError(http, reason, message, {
    group: 'registry.minato.dev',
    kind: 'modules',
    causes: [{ reason: code, field: OCI_FIELD, message }],
  });
}

/** The OCI code of an error: the one it carries, else the closest to its status. */
export function ociCodeOf(err: ApiError): OciErrorCode {
  const carried = err.details?.causes?.find((c) => c.field === OCI_FIELD)?.reason;
  if (isOciErrorCode(carried)) return carried;
  switch (err.code) {
    case 401:
      return 'UNAUTHORIZED';
    case 403:
      return 'DENIED';
    case 404:
      return 'NAME_UNKNOWN';
    case 413:
      return 'SIZE_INVALID';
    case 429:
      return 'TOOMANYREQUESTS';
    default:
      return err.code >= 500 ? 'UNKNOWN' : 'UNSUPPORTED';
  }
}

export interface OciErrorBody {
  errors: { code: OciErrorCode; message: string; detail?: unknown }[];
}

/** What the registry answers for anything thrown: status and OCI body (5xx hide internals). */
export function toOciError(err: unknown): { status: number; body: OciErrorBody; apiError: ApiError } {
  const apiError = toApiError(err);
  const code = ociCodeOf(apiError);
  const message = apiError.code >= 500 ? 'internal error in the module registry' : apiError.message;
  return { status: apiError.code, body: { errors: [{ code, message }] }, apiError };
}

/** Rebuilds the ApiError from an OCI error response (clients: `minato push`, the agent). */
export function fromOciError(status: number, text: string): ApiError {
  let first: { code?: unknown; message?: unknown } | undefined;
  try {
    first = (JSON.parse(text) as OciErrorBody).errors?.[0];
  } catch {
    first = undefined;
  }
  const message =
    typeof first?.message === 'string' && first.message
      ? first.message
      : `the registry answered HTTP ${status}${text && !first ? `: ${text.slice(0, 200)}` : ''}`;
  if (isOciErrorCode(first?.code)) return registryError(first.code, message, status);
  return registryError(status >= 500 ? 'UNKNOWN' : 'UNSUPPORTED', message, status);
}
