/** Reading and decoding request bodies: size limit, JSON, YAML and Kubernetes protobuf. */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import { badRequest, requestEntityTooLarge, unsupportedMediaType } from '../../api/errors.js';
import { isPlainObject } from '../../api/types.js';

/** Kubernetes rejects bodies above 3 MiB; so do we, before buffering more than that. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

const bodies = new WeakMap<IncomingMessage, Buffer>();

/** The body a request carried, once read (for the audit log). */
export function bodyOf(req: IncomingMessage): Buffer | undefined {
  return bodies.get(req);
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) {
    req.resume();
    throw requestEntityTooLarge(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw requestEntityTooLarge(limit);
    }
    chunks.push(chunk);
  }
  const body = Buffer.concat(chunks);
  bodies.set(req, body);
  return body;
}

export type BodyDecoder = (body: Buffer) => unknown;

export function mediaType(contentType: string | undefined): string {
  return (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
}

/** Parses a JSON body; errors name the position so the user can find the typo. */
export function parseJson(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty; expected a JSON object');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badRequest(`the request body is not valid JSON: ${(err as Error).message}`);
  }
}

export function parseYamlDocument(body: Buffer): unknown {
  const text = body.toString('utf8');
  if (text.trim() === '') throw badRequest('the request body is empty; expected a YAML or JSON object');
  try {
    return parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw badRequest(`the request body is not valid YAML: ${(err as Error).message}`);
  }
}

/**
 * Decodes an object body by content type. Protobuf is decoded by the caller-supplied decoder so this
 * module stays free of the protobuf tables.
 */
export function decodeObjectBody(
  body: Buffer,
  contentType: string | undefined,
  protobuf: BodyDecoder,
): Record<string, unknown> {
  const type = mediaType(contentType);
  let value: unknown;
  if (type === 'application/json' || type === '*/*' || type === '') value = parseJson(body);
  else if (type === 'application/yaml' || type === 'application/apply-patch+yaml')
    value = parseYamlDocument(body);
  else if (type === 'application/vnd.kubernetes.protobuf') value = protobuf(body);
  else throw unsupportedMediaType(type);
  if (!isPlainObject(value))
    throw badRequest(`the request body must be a JSON object, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}
