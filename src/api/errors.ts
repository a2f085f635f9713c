/**
 * Minato's one error model: every failure that crosses a boundary is an ApiError carrying a
 * Kubernetes Status, so kubectl, client libraries, the agent and the dashboard all read the same
 * reason, code and causes. Use the constructors below; never throw bare strings.
 */
import type { Status, StatusCause, StatusDetails } from './types.js';

export type StatusReason =
  | 'BadRequest'
  | 'Unauthorized'
  | 'Forbidden'
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Gone'
  | 'Expired'
  | 'Invalid'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'RequestEntityTooLarge'
  | 'TooManyRequests'
  | 'InternalError'
  | 'ServiceUnavailable'
  | 'Timeout';

const ERROR_NAME = 'MinatoApiError';

export class ApiError extends Error {
  override readonly name = ERROR_NAME;
  readonly code: number;
  readonly reason: StatusReason;
  readonly details: StatusDetails | undefined;

  constructor(
    code: number,
    reason: StatusReason,
    message: string,
    details?: StatusDetails,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  /** The same error with another message, e.g. the generic "could not find the requested resource". */
  withMessage(message: string): ApiError {
    return new ApiError(this.code, this.reason, message, this.details, { cause: this.cause });
  }

  withCode(code: number, reason: StatusReason): ApiError {
    return new ApiError(code, reason, this.message, this.details, { cause: this.cause });
  }

  toStatus(): Status {
    const status: Status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
    if (this.details) status.details = this.details;
    return status;
  }

  /** Rebuilds an ApiError from a Status received over the wire (agent, CLI, tests). */
  static fromStatus(status: Partial<Status>, fallbackCode = 500): ApiError {
    return new ApiError(
      status.code ?? fallbackCode,
      (status.reason as StatusReason | undefined) ?? 'InternalError',
      status.message ?? 'unknown error',
      status.details,
    );
  }
}

/** Identity by name, not instanceof: errors may cross module copies or worker threads. */
export function isApiError(err: unknown): err is ApiError {
  return err instanceof Error && err.name === ERROR_NAME;
}

/** Normalises anything thrown into an ApiError at a boundary; unknown errors become 500s. */
export function toApiError(err: unknown): ApiError {
  if (isApiError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, undefined, { cause: err });
}

/** "pods" or "deployments.apps": how Kubernetes names a resource in messages. */
export function qualifiedResource(resource: string, group: string): string {
  return group ? `${resource}.${group}` : resource;
}

export function notFound(resource: string, group: string, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedResource(resource, group)} "${name}" not found`, {
    name,
    group: group || undefined,
    kind: resource,
  });
}

export function alreadyExists(resource: string, group: string, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualifiedResource(resource, group)} "${name}" already exists`,
    {
      name,
      group: group || undefined,
      kind: resource,
    },
  );
}

export function conflict(resource: string, group: string, name: string, why?: string): ApiError {
  const reasonText =
    why ?? 'the object has been modified; please apply your changes to the latest version and try again';
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource(resource, group)} "${name}": ${reasonText}`,
    { name, group: group || undefined, kind: resource },
  );
}

/** 422 with one cause per bad field; kubectl prints "The Kind "name" is invalid:" and a line per cause. */
export function invalid(kind: string, group: string, name: string, causes: StatusCause[]): ApiError {
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message)).join(', ');
  const message = `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${causes.length > 1 ? `[${summary}]` : summary}`;
  return new ApiError(422, 'Invalid', message, { name, group: group || undefined, kind, causes });
}

export function fieldInvalid(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

export function fieldRequired(field: string, why = 'Required value'): StatusCause {
  return { reason: 'FieldValueRequired', field, message: why };
}

export function fieldNotSupported(field: string, value: unknown, allowed: string[]): StatusCause {
  return {
    reason: 'FieldValueNotSupported',
    field,
    message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}`,
  };
}

export function fieldForbidden(field: string, why: string): StatusCause {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` };
}

export function badRequest(message: string, causes?: StatusCause[]): ApiError {
  return new ApiError(400, 'BadRequest', message, causes ? { causes } : undefined);
}

export function unauthorized(message = 'Unauthorized'): ApiError {
  return new ApiError(401, 'Unauthorized', message);
}

export function forbidden(message: string, details?: StatusDetails): ApiError {
  return new ApiError(403, 'Forbidden', message, details);
}

export function methodNotAllowed(message: string): ApiError {
  return new ApiError(405, 'MethodNotAllowed', message);
}

export function notAcceptable(message: string): ApiError {
  return new ApiError(406, 'NotAcceptable', message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${JSON.stringify(contentType)})`,
  );
}

export function requestEntityTooLarge(limitBytes: number): ApiError {
  return new ApiError(413, 'RequestEntityTooLarge', `Request entity too large: limit is ${limitBytes}`);
}

/** A watch or list from a resourceVersion older than the retained history. */
export function expired(requested: number, oldest: number): ApiError {
  return new ApiError(410, 'Expired', `too old resource version: ${requested} (${oldest})`);
}

export function tooManyRequests(message: string, retryAfterSeconds?: number): ApiError {
  return new ApiError(429, 'TooManyRequests', message, retryAfterSeconds ? { retryAfterSeconds } : undefined);
}

export function internalError(message: string, cause?: unknown): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, undefined, { cause });
}

export function serviceUnavailable(message: string): ApiError {
  return new ApiError(503, 'ServiceUnavailable', message);
}
