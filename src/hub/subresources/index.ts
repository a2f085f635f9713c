/**
 * Subresources with their own semantics: scale, eviction, binding, namespace finalize and CSR approval.
 * status is handled generically by the resource handler.
 */

import type { IncomingMessage } from 'node:http';
import {
  badRequest,
  conflict,
  fieldInvalid,
  invalid,
  isPlainObject,
  type KubeObject,
  methodNotAllowed,
  notFound,
} from '../../api/index.js';
import type { JsonValue } from '../../api/types.js';
import type { TunnelServer } from '../../tunnel/tunnel-server.js';
import type { ServiceAccountTokens } from '../auth/service-account-tokens.js';
import type { SubresourceHandler } from '../http/resource-handler.js';
import { addWarnings, sendJson, successStatus } from '../http/respond.js';
import { evictPod } from '../objects/eviction.js';
import type { ObjectService } from '../objects/object-service.js';
import { applyJsonPatch } from '../patch/json-patch.js';
import { applyMergePatch } from '../patch/merge-patch.js';
import { mediaType, parseJson, readBody } from '../request/body.js';
import { podLog } from './pod-log.js';
import { serviceAccountToken } from './service-account-token.js';

export function createSubresources(
  objects: ObjectService,
  tunnels: TunnelServer,
  serviceAccountTokens: ServiceAccountTokens,
): {
  get(key: string): SubresourceHandler | undefined;
} {
  const handlers = new Map<string, SubresourceHandler>();
  for (const type of ['apps/deployments', 'apps/replicasets']) handlers.set(`${type}/scale`, scale(objects));
  handlers.set('/pods/eviction', eviction(objects));
  handlers.set('/pods/log', podLog(objects, tunnels));
  handlers.set('/serviceaccounts/token', serviceAccountToken(objects, serviceAccountTokens));
  handlers.set('/pods/binding', binding(objects));
  handlers.set('/namespaces/finalize', finalize(objects));
  handlers.set('certificates.k8s.io/certificatesigningrequests/approval', approval(objects));
  return {
    get(key) {
      if (handlers.has(key)) return handlers.get(key);
      // Custom resources with a scale subresource.
      if (key.endsWith('/scale')) return scale(objects);
      return undefined;
    },
  };
}

function readPath(obj: unknown, path: string): unknown {
  let v: unknown = obj;
  for (const part of path.replace(/^\./, '').split('.')) v = isPlainObject(v) ? v[part] : undefined;
  return v;
}

function writePath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.replace(/^\./, '').split('.');
  let cur: Record<string, unknown> = obj;
  for (const part of parts.slice(0, -1)) {
    if (!isPlainObject(cur[part])) cur[part] = {};
    cur = cur[part] as Record<string, unknown>;
  }
  cur[parts[parts.length - 1]!] = value;
}

/** autoscaling/v1 Scale view of any object with a scale subresource. */
function scale(objects: ObjectService): SubresourceHandler {
  return async ({ req, res, url, type, namespace, name, readObject }) => {
    const spec = type.subresources.scale;
    if (!spec) throw notFound(type.plural, type.group, name);
    const toScale = (obj: KubeObject) => {
      const selector = spec.labelSelectorPath ? readPath(obj, spec.labelSelectorPath) : undefined;
      const specSelector = obj.spec?.selector?.matchLabels as Record<string, string> | undefined;
      return {
        kind: 'Scale',
        apiVersion: 'autoscaling/v1',
        metadata: {
          name,
          namespace,
          uid: obj.metadata.uid,
          resourceVersion: obj.metadata.resourceVersion,
          creationTimestamp: obj.metadata.creationTimestamp,
        },
        spec: { replicas: Number(readPath(obj, spec.specReplicasPath) ?? 0) },
        status: {
          replicas: Number(readPath(obj, spec.statusReplicasPath) ?? 0),
          selector:
            typeof selector === 'string'
              ? selector
              : specSelector
                ? Object.entries(specSelector)
                    .map(([k, v]) => `${k}=${v}`)
                    .join(',')
                : undefined,
        },
      };
    };
    const method = req.method;
    if (method === 'GET') return sendJson(res, 200, toScale(objects.get(type, namespace, name)));
    if (method !== 'PUT' && method !== 'PATCH')
      throw methodNotAllowed(`${method} is not supported on ${type.plural}/scale`);
    const entry = objects.getEntry(type, namespace, name);
    const body = method === 'PUT' ? await readObject() : await patchedScale(req, toScale(entry.object));
    const replicas = readPath(body, 'spec.replicas');
    if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
      throw invalid('Scale', 'autoscaling', name, [
        fieldInvalid('spec.replicas', replicas, 'must be greater than or equal to 0'),
      ]);
    }
    const rv = readPath(body, 'metadata.resourceVersion');
    if (typeof rv === 'string' && rv !== '' && rv !== entry.object.metadata.resourceVersion)
      throw conflict(type.plural, type.group, name);
    const next = structuredClone(entry.object) as KubeObject;
    writePath(next, spec.specReplicasPath, replicas);
    const dryRun = url.searchParams.getAll('dryRun').includes('All');
    const result = await objects.commitUpdate(type, entry, next, {
      dryRun,
      fieldManager: url.searchParams.get('fieldManager') ?? 'kubectl-scale',
      subresource: 'scale',
    });
    addWarnings(res, result.warnings);
    sendJson(res, 200, toScale(result.object));
  };
}

/** A PATCH of the Scale view: JSON patch, or merge/strategic (identical for Scale's plain fields). */
async function patchedScale(req: IncomingMessage, current: unknown): Promise<Record<string, unknown>> {
  const type = mediaType(req.headers['content-type']);
  const patch = parseJson(await readBody(req));
  const result =
    type === 'application/json-patch+json'
      ? applyJsonPatch(current as JsonValue, patch)
      : applyMergePatch(current as JsonValue, patch as JsonValue);
  if (!isPlainObject(result)) throw badRequest('the patched Scale must be an object');
  return result;
}

/** policy/v1 Eviction: deletes the pod unless a PodDisruptionBudget forbids it (429, as kubectl drain expects). */
function eviction(objects: ObjectService): SubresourceHandler {
  return async ({ req, res, type, namespace, name, readObject }) => {
    if (req.method !== 'POST') throw methodNotAllowed('evictions are created with POST');
    const body = await readObject();
    const pod = objects.get(type, namespace, name);
    await evictPod(objects, pod, isPlainObject(body.deleteOptions) ? body.deleteOptions : {});
    sendJson(res, 201, successStatus({ name, kind: 'pods' }));
  };
}

/** core/v1 Binding: assigns a pending pod to a node, once. */
function binding(objects: ObjectService): SubresourceHandler {
  return async ({ req, res, type, namespace, name, readObject }) => {
    if (req.method !== 'POST') throw methodNotAllowed('bindings are created with POST');
    const body = await readObject();
    const nodeName = readPath(body, 'target.name');
    if (typeof nodeName !== 'string' || nodeName === '')
      throw invalid('Binding', '', name, [fieldInvalid('target.name', nodeName, 'must name a node')]);
    const entry = objects.getEntry(type, namespace, name);
    if (entry.object.spec?.nodeName)
      throw conflict(
        'pods',
        '',
        name,
        `pod ${name} is already assigned to node "${entry.object.spec.nodeName}"`,
      );
    const next = structuredClone(entry.object) as KubeObject;
    next.spec.nodeName = nodeName;
    const conditions = (next.status?.conditions ?? []).filter(
      (c: { type: string }) => c.type !== 'PodScheduled',
    );
    next.status = {
      ...next.status,
      conditions: [
        ...conditions,
        {
          type: 'PodScheduled',
          status: 'True',
          lastTransitionTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        },
      ],
    };
    await objects.commitUpdate(type, entry, next, { fieldManager: 'scheduler', subresource: 'binding' });
    sendJson(res, 201, successStatus({ name, kind: 'pods' }));
  };
}

/** Namespace finalize: the only way to change spec.finalizers. */
function finalize(objects: ObjectService): SubresourceHandler {
  return async ({ req, res, type, name, readObject }) => {
    if (req.method !== 'PUT') throw methodNotAllowed('namespaces/finalize takes PUT');
    const body = await readObject();
    const entry = objects.getEntry(type, undefined, name);
    const finalizers = readPath(body, 'spec.finalizers');
    if (finalizers !== undefined && !Array.isArray(finalizers))
      throw badRequest('spec.finalizers must be a list');
    const next = structuredClone(entry.object) as KubeObject;
    next.spec = { ...next.spec, finalizers: finalizers ?? [] };
    const result = await objects.commitUpdate(type, entry, next, {
      fieldManager: 'finalize',
      subresource: 'finalize',
    });
    sendJson(res, 200, result.object);
  };
}

/** CSR approval: only status.conditions change (Approved / Denied). */
function approval(objects: ObjectService): SubresourceHandler {
  return async ({ req, res, type, name, readObject }) => {
    if (req.method === 'GET') return sendJson(res, 200, objects.get(type, undefined, name));
    if (req.method !== 'PUT') throw methodNotAllowed('certificatesigningrequests/approval takes PUT');
    const body = await readObject();
    const entry = objects.getEntry(type, undefined, name);
    const next = structuredClone(entry.object) as KubeObject;
    const conditions = readPath(body, 'status.conditions');
    if (!Array.isArray(conditions)) throw badRequest('status.conditions must be a list');
    next.status = { ...next.status, conditions };
    const result = await objects.commitUpdate(type, entry, next, {
      fieldManager: 'approval',
      subresource: 'approval',
    });
    sendJson(res, 200, result.object);
  };
}
