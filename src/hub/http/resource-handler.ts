/**
 * HTTP for resource paths: maps verbs and query parameters onto the ObjectService and encodes the
 * answer in the negotiated format (object, list, Table, partial metadata, watch stream).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as toYaml } from 'yaml';
import {
  badRequest,
  type DeleteOptionsLike,
  isPlainObject,
  type KubeObject,
  methodNotAllowed,
  notFound,
} from '../../api/index.js';
import type { FieldValidation, ObjectService, WriteOptions } from '../objects/object-service.js';
import type { ResourceRegistry } from '../registry/resource-registry.js';
import type { ResourceType } from '../registry/resource-type.js';
import { groupVersion } from '../registry/resource-type.js';
import { decodeObjectBody, mediaType, readBody } from '../request/body.js';
import { negotiateObjectFormat, type ObjectFormat } from '../request/negotiate.js';
import type { ResourceRequest } from '../request/request-info.js';
import { addWarnings, sendJson, sendRaw, streamJsonList, successStatus } from './respond.js';
import { userOf } from './server.js';
import { streamWatch } from './watch-stream.js';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

export interface PatchRequest {
  patchType: PatchType;
  body: Buffer;
  options: WriteOptions & { force?: boolean; subresource?: string };
}

export interface TableOptions {
  includeObject: 'None' | 'Metadata' | 'Object';
  resourceVersion: string;
  continueToken?: string;
  remainingItemCount?: number;
}

/** What the resource handler needs from the rest of the hub. */
export interface ResourceHandlerDeps {
  objects: ObjectService;
  registry: ResourceRegistry;
  decodeProtobuf(body: Buffer): unknown;
  table(type: ResourceType, objects: KubeObject[], options: TableOptions): unknown;
  patch(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    request: PatchRequest,
  ): Promise<{ object: KubeObject; warnings: string[]; created: boolean }>;
  /** Subresources with their own semantics (eviction, binding, scale, token, log, approval…). */
  subresource(type: ResourceType, name: string): SubresourceHandler | undefined;
  /** Requests that create a response instead of an object (access reviews, token reviews). */
  virtualCreate(type: ResourceType, body: KubeObject, req: IncomingMessage): Promise<KubeObject> | undefined;
}

export type SubresourceHandler = (ctx: {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  type: ResourceType;
  namespace: string | undefined;
  name: string;
  readObject: () => Promise<Record<string, unknown>>;
}) => Promise<void>;

const PATCH_TYPES: Record<string, PatchType> = {
  'application/json-patch+json': 'json',
  'application/merge-patch+json': 'merge',
  'application/strategic-merge-patch+json': 'strategic',
  'application/apply-patch+yaml': 'apply',
  'application/apply-patch+cbor': 'apply',
};

export class ResourceHandler {
  constructor(private readonly deps: ResourceHandlerDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, target: ResourceRequest): Promise<void> {
    const { registry, objects } = this.deps;
    const type = registry.lookup(target.group, target.version, target.resource);
    if (!type) {
      throw notFound(target.resource, target.group, target.name ?? '').withMessage(
        `the server could not find the requested resource (${target.group ? `${target.resource}.${target.group}` : target.resource})`,
      );
    }
    if (!type.namespaced && target.namespace !== undefined) {
      throw notFound(type.plural, type.group, target.name ?? '').withMessage(
        `the server could not find the requested resource`,
      );
    }
    const namespace = type.namespaced ? target.namespace : undefined;
    const method = req.method ?? 'GET';
    const query = url.searchParams;

    if (target.subresource && !['status'].includes(target.subresource)) {
      const special = target.name ? this.deps.subresource(type, target.subresource) : undefined;
      if (!special)
        throw notFound(type.plural, type.group, target.name ?? '').withMessage(
          'the server could not find the requested resource',
        );
      await special({
        req,
        res,
        url,
        type,
        namespace,
        name: target.name!,
        readObject: () => this.readObject(req),
      });
      return;
    }
    if (target.subresource === 'status' && !type.subresources.status) {
      throw notFound(type.plural, type.group, target.name ?? '').withMessage(
        'the server could not find the requested resource',
      );
    }

    if (!target.name) {
      if (method === 'GET') {
        if (isTrue(query.get('watch'))) return this.watch(req, res, type, namespace, query);
        return this.list(req, res, type, namespace, query);
      }
      if (method === 'POST') return this.create(req, res, type, namespace, query);
      if (method === 'DELETE') return this.deleteCollection(req, res, type, namespace, query);
      throw methodNotAllowed(`${method} is not supported on a collection of ${type.plural}`);
    }

    const name = target.name;
    const writeOptions = this.writeOptions(req, query);
    switch (method) {
      case 'GET': {
        const object = objects.get(type, namespace, name);
        return this.sendObject(req, res, 200, type, object);
      }
      case 'PUT': {
        const body = (await this.readObject(req)) as KubeObject;
        const result = await objects.update(type, namespace, name, body, {
          ...writeOptions,
          subresource: target.subresource,
          allowCreate: false,
        });
        addWarnings(res, result.warnings);
        return this.sendObject(req, res, result.created ? 201 : 200, type, result.object);
      }
      case 'PATCH': {
        const patchType = PATCH_TYPES[mediaType(req.headers['content-type'])];
        if (!patchType) {
          throw badRequest(
            `the patch content type "${req.headers['content-type'] ?? ''}" is not supported; use application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json or application/apply-patch+yaml`,
          ).withCode(415, 'UnsupportedMediaType');
        }
        if (patchType === 'apply' && !writeOptions.fieldManager) {
          throw badRequest(
            'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
          );
        }
        const body = await readBody(req);
        const result = await this.deps.patch(type, namespace, name, {
          patchType,
          body,
          options: { ...writeOptions, force: isTrue(query.get('force')), subresource: target.subresource },
        });
        addWarnings(res, result.warnings);
        return this.sendObject(req, res, result.created ? 201 : 200, type, result.object);
      }
      case 'DELETE': {
        const options = await this.deleteOptions(req, query);
        const result = await objects.delete(type, namespace, name, options, writeOptions.dryRun);
        if (!result.deleted) return this.sendObject(req, res, 200, type, result.object);
        return sendJson(
          res,
          200,
          successStatus({
            name,
            group: type.group || undefined,
            kind: type.plural,
            uid: result.object.metadata.uid,
          }),
        );
      }
      case 'POST':
        throw methodNotAllowed(`POST is not supported on a single ${type.singular}; use PUT or PATCH`);
      default:
        throw methodNotAllowed(`${method} is not supported`);
    }
  }

  private async list(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ) {
    if (!type.verbs.includes('list')) throw methodNotAllowed(`list is not supported on ${type.plural}`);
    const format = negotiateObjectFormat(req.headers.accept);
    const limit = query.get('limit');
    const result = this.deps.objects.list(type, namespace, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit: limit ? parseNonNegative(limit, 'limit') : undefined,
      continue: query.get('continue') ?? undefined,
    });
    const listMeta: Record<string, unknown> = { resourceVersion: result.resourceVersion };
    if (result.continue) {
      listMeta.continue = result.continue;
      listMeta.remainingItemCount = result.remainingItemCount;
    }
    if (format === 'table') {
      const table = this.deps.table(type, result.items, {
        includeObject: includeObjectOf(query),
        resourceVersion: result.resourceVersion,
        continueToken: result.continue,
        remainingItemCount: result.remainingItemCount,
      });
      return sendJson(res, 200, table);
    }
    if (format === 'partial-metadata') {
      return sendJson(res, 200, {
        kind: 'PartialObjectMetadataList',
        apiVersion: 'meta.k8s.io/v1',
        metadata: listMeta,
        items: result.items.map(partialMetadata),
      });
    }
    const head = JSON.stringify({ kind: type.listKind, apiVersion: groupVersion(type), metadata: listMeta });
    const open = `${head.slice(0, -1)},"items":[`;
    if (format === 'yaml') {
      return sendRaw(
        res,
        200,
        toYaml(JSON.parse(`${open}${result.itemsJson.join(',')}]}`)),
        'application/yaml',
      );
    }
    // Splice the cached item JSON into the envelope, streamed in pieces: big lists are never parsed,
    // re-serialised, or copied into one giant buffer.
    streamJsonList(res, open, result.itemsJson);
  }

  private watch(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ) {
    if (!type.verbs.includes('watch')) throw methodNotAllowed(`watch is not supported on ${type.plural}`);
    const format = negotiateObjectFormat(req.headers.accept);
    const timeout = query.get('timeoutSeconds');
    streamWatch({
      req,
      res,
      objects: this.deps.objects,
      type,
      namespace,
      options: {
        resourceVersion: query.get('resourceVersion') ?? undefined,
        labelSelector: query.get('labelSelector') ?? undefined,
        fieldSelector: query.get('fieldSelector') ?? undefined,
      },
      bookmarks: isTrue(query.get('allowWatchBookmarks')),
      timeoutSeconds: timeout ? parseNonNegative(timeout, 'timeoutSeconds') : undefined,
      encodeObject:
        format === 'table'
          ? (object, resourceVersion) =>
              JSON.stringify(
                this.deps.table(type, [object], { includeObject: includeObjectOf(query), resourceVersion }),
              )
          : format === 'partial-metadata'
            ? (object) => JSON.stringify(partialMetadata(object))
            : undefined,
    });
  }

  private async create(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ) {
    if (!type.verbs.includes('create')) throw methodNotAllowed(`create is not supported on ${type.plural}`);
    const body = (await this.readObject(req)) as KubeObject;
    const virtual = this.deps.virtualCreate(type, body, req);
    if (virtual) return sendJson(res, 201, await virtual);
    const result = await this.deps.objects.create(type, namespace, body, this.writeOptions(req, query));
    addWarnings(res, result.warnings);
    return this.sendObject(req, res, 201, type, result.object);
  }

  private async deleteCollection(
    req: IncomingMessage,
    res: ServerResponse,
    type: ResourceType,
    namespace: string | undefined,
    query: URLSearchParams,
  ) {
    if (!type.verbs.includes('deletecollection'))
      throw methodNotAllowed(`deletecollection is not supported on ${type.plural}`);
    const options = await this.deleteOptions(req, query);
    const dryRun = query.getAll('dryRun').includes('All');
    const { items } = this.deps.objects.list(type, namespace, {
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
    });
    const remaining: KubeObject[] = [];
    for (const item of items) {
      try {
        const result = await this.deps.objects.delete(
          type,
          item.metadata.namespace,
          item.metadata.name!,
          options,
          dryRun,
        );
        if (!result.deleted) remaining.push(result.object);
      } catch (err) {
        // Gone in the meantime is what the caller wanted anyway.
        if ((err as { code?: number }).code !== 404) throw err;
      }
    }
    const head = {
      kind: type.listKind,
      apiVersion: groupVersion(type),
      metadata: { resourceVersion: String(this.deps.objects.store.revision) },
    };
    return sendJson(res, 200, { ...head, items: remaining });
  }

  private sendObject(
    req: IncomingMessage,
    res: ServerResponse,
    code: number,
    type: ResourceType,
    object: KubeObject,
  ): void {
    const format: ObjectFormat = negotiateObjectFormat(req.headers.accept);
    if (format === 'table') {
      const url = new URL(req.url ?? '/', 'https://hub');
      const table = this.deps.table(type, [object], {
        includeObject: includeObjectOf(url.searchParams),
        resourceVersion: object.metadata.resourceVersion ?? '',
      });
      sendJson(res, code, table);
    } else if (format === 'partial-metadata') sendJson(res, code, partialMetadata(object));
    else if (format === 'yaml') sendRaw(res, code, toYaml(object), 'application/yaml');
    else sendJson(res, code, object);
  }

  private async readObject(req: IncomingMessage): Promise<Record<string, unknown>> {
    const body = await readBody(req);
    return decodeObjectBody(body, req.headers['content-type'], (buf) => this.deps.decodeProtobuf(buf));
  }

  private writeOptions(req: IncomingMessage, query: URLSearchParams): WriteOptions {
    const dryRun = query.getAll('dryRun');
    if (dryRun.some((d) => d !== 'All'))
      throw badRequest(`dryRun: Unsupported value: "${dryRun.join(',')}": supported values: "All"`);
    const validation = query.get('fieldValidation') ?? 'Warn';
    if (!['Ignore', 'Warn', 'Strict'].includes(validation)) {
      throw badRequest(
        `fieldValidation: Unsupported value: "${validation}": supported values: "Ignore", "Warn", "Strict"`,
      );
    }
    const fieldManager = query.get('fieldManager') ?? undefined;
    if (fieldManager !== undefined && (fieldManager.length > 128 || /[^\x20-\x7e]/.test(fieldManager))) {
      throw badRequest('fieldManager: Invalid value: must be printable and at most 128 characters');
    }
    return {
      user: userOf(req),
      dryRun: dryRun.includes('All'),
      fieldValidation: validation as FieldValidation,
      fieldManager: fieldManager ?? managerFromUserAgent(req.headers['user-agent']),
    };
  }

  private async deleteOptions(req: IncomingMessage, query: URLSearchParams): Promise<DeleteOptionsLike> {
    const body = await readBody(req);
    let options: DeleteOptionsLike = {};
    if (body.length > 0) {
      const decoded = decodeObjectBody(body, req.headers['content-type'], (buf) =>
        this.deps.decodeProtobuf(buf),
      );
      if (!isPlainObject(decoded)) throw badRequest('DeleteOptions must be an object');
      options = decoded as DeleteOptionsLike;
    }
    const grace = query.get('gracePeriodSeconds');
    if (grace !== null) options.gracePeriodSeconds = Number(grace);
    const policy = query.get('propagationPolicy');
    if (policy) options.propagationPolicy = policy as DeleteOptionsLike['propagationPolicy'];
    if (
      options.gracePeriodSeconds !== undefined &&
      (!Number.isFinite(options.gracePeriodSeconds) || options.gracePeriodSeconds < 0)
    ) {
      throw badRequest(
        `gracePeriodSeconds: Invalid value: ${options.gracePeriodSeconds}: must be a non-negative integer`,
      );
    }
    return options;
  }
}

function isTrue(value: string | null): boolean {
  return value === 'true' || value === '1';
}

function parseNonNegative(value: string, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw badRequest(`${name}: Invalid value: "${value}": must be a non-negative integer`);
  return n;
}

function includeObjectOf(query: URLSearchParams): TableOptions['includeObject'] {
  const v = query.get('includeObject');
  if (v === 'None' || v === 'Object') return v;
  return 'Metadata';
}

function partialMetadata(object: KubeObject): unknown {
  const { managedFields, ...metadata } = object.metadata;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

/** Kubernetes derives a default field manager from the client's user agent ("kubectl/v1.32.5 (linux)…" -> "kubectl"). */
function managerFromUserAgent(agent: string | undefined): string {
  if (!agent) return 'unknown';
  return agent.split('/')[0]!.slice(0, 128) || 'unknown';
}
