/**
 * Kubernetes protobuf request bodies (Content-Type application/vnd.kubernetes.protobuf) to the
 * plain JSON object the same request would have carried as application/json. kubectl 1.32+
 * sends protobuf for its typed create/auth/token/drain calls and never falls back to JSON.
 */
import { ApiError, badRequest, isApiError, toApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { decodeMessage } from './decode.js';
import { encodeMessage } from './encode.js';
import { hasProtobufMagic, readEnvelope, writeEnvelope } from './envelope.js';
import { messageForKind } from './kinds.js';
import { WireError } from './wire.js';

export { supportedKinds } from './kinds.js';

export const PROTOBUF_CONTENT_TYPE = 'application/vnd.kubernetes.protobuf';

/** True when the body starts with the "k8s\0" prefix every Kubernetes protobuf body carries. */
export function isProtobufBody(buf: Buffer): boolean {
  return hasProtobufMagic(buf);
}

/**
 * Decodes a protobuf body into a JSON-shaped object with apiVersion and kind from its envelope.
 * Throws ApiError: 400 BadRequest for malformed or truncated bytes, 415 UnsupportedMediaType for
 * a kind (or content encoding) we have no table for.
 */
export function decodeProtobufObject(buf: Buffer): KubeObject {
  try {
    const env = readEnvelope(buf);
    if (!env.kind) throw new WireError('the envelope names no kind');
    if (env.contentEncoding) {
      throw unsupported(
        `protobuf bodies with content encoding ${JSON.stringify(env.contentEncoding)} are not supported`,
      );
    }
    const spec = messageForKind(env.apiVersion, env.kind);
    if (!spec) {
      throw unsupported(
        `protobuf bodies for ${env.apiVersion}, Kind=${env.kind} are not supported; send it as application/json ` +
          '(with kubectl: --dry-run=client -o yaml | kubectl create -f -)',
      );
    }
    const body = decodeMessage(spec, env.raw);
    return { kind: env.kind, apiVersion: env.apiVersion, ...body } as KubeObject;
  } catch (err) {
    if (isApiError(err)) throw err;
    // Malformed input (or a stack blown by crafted nesting) is the client's fault; anything
    // else is a bug in our tables and must not hide behind a 400.
    if (err instanceof WireError || err instanceof RangeError) {
      throw badRequest(`the body of the request could not be decoded: ${err.message}`);
    }
    throw toApiError(err);
  }
}

/** The mirror of decodeProtobufObject, for tests and fixtures only; the hub answers in JSON. */
export function encodeProtobufObject(obj: KubeObject): Buffer {
  const spec = messageForKind(obj.apiVersion, obj.kind);
  if (!spec) throw new TypeError(`no protobuf table for ${obj.apiVersion}/${obj.kind}`);
  const { apiVersion, kind, ...body } = obj;
  return writeEnvelope(apiVersion, kind, encodeMessage(spec, body));
}

function unsupported(message: string): ApiError {
  return new ApiError(415, 'UnsupportedMediaType', message);
}
