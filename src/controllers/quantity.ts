/**
 * Kubernetes resource quantities ("100m", "1.5Gi", "2k", "1e3") as numbers, and the requests a pod
 * asks of a node, as the scheduler and the kubelet's admission count them.
 */
import type { KubeObject } from '../api/types.js';

const BINARY: Record<string, number> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};
const DECIMAL: Record<string, number> = {
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?\d+)?$/;

/** The value of a quantity in base units (cores, bytes, pods), or undefined when it does not parse. */
export function parseQuantity(text: unknown): number | undefined {
  if (typeof text === 'number') return Number.isFinite(text) ? text : undefined;
  if (typeof text !== 'string') return undefined;
  const match = QUANTITY.exec(text.trim());
  if (!match) return undefined;
  const number = Number(match[1]);
  const suffix = match[2] ?? '';
  if (suffix in BINARY) return number * BINARY[suffix]!;
  if (suffix in DECIMAL) return number * DECIMAL[suffix]!;
  return number * 10 ** Number(suffix.slice(1));
}

/** Rounds away float noise (0.1 * 1000 = 100.00000000000001) before rounding up, as Quantity.Value does. */
function ceilClean(value: number): number {
  return Math.ceil(Math.round(value * 1000) / 1000);
}

/**
 * A resource amount in the integer unit the scheduler compares: millicores for cpu, whole units
 * (bytes, pods, devices) for everything else; rounded up.
 */
export function resourceUnits(resource: string, quantity: unknown): number {
  const value = parseQuantity(quantity);
  if (value === undefined) return 0;
  return resource === 'cpu' ? ceilClean(value * 1000) : ceilClean(value);
}

export type ResourceList = Record<string, number>;

function addInto(target: ResourceList, source: ResourceList): void {
  for (const [k, v] of Object.entries(source)) target[k] = (target[k] ?? 0) + v;
}

function maxInto(target: ResourceList, source: ResourceList): void {
  for (const [k, v] of Object.entries(source)) target[k] = Math.max(target[k] ?? 0, v);
}

/** A container's requests; a resource with a limit but no request requests its limit (API defaulting). */
function containerRequests(container: Record<string, unknown>): ResourceList {
  const resources = (container.resources ?? {}) as {
    requests?: Record<string, unknown>;
    limits?: Record<string, unknown>;
  };
  const out: ResourceList = {};
  for (const [name, q] of Object.entries(resources.limits ?? {})) out[name] = resourceUnits(name, q);
  for (const [name, q] of Object.entries(resources.requests ?? {})) out[name] = resourceUnits(name, q);
  return out;
}

/**
 * What a pod asks of a node: the larger of its containers' sum and any one init container, plus
 * its overhead. Units as `resourceUnits`.
 */
export function podRequests(pod: KubeObject): ResourceList {
  const spec = pod.spec ?? {};
  const sum: ResourceList = {};
  for (const c of (spec.containers ?? []) as Record<string, unknown>[]) addInto(sum, containerRequests(c));
  const init: ResourceList = {};
  for (const c of (spec.initContainers ?? []) as Record<string, unknown>[]) {
    const requests = containerRequests(c);
    if (c.restartPolicy === 'Always')
      addInto(sum, requests); // sidecars run alongside
    else maxInto(init, requests);
  }
  maxInto(sum, init);
  const overhead: ResourceList = {};
  for (const [name, q] of Object.entries((spec.overhead ?? {}) as Record<string, unknown>))
    overhead[name] = resourceUnits(name, q);
  addInto(sum, overhead);
  return sum;
}

/** A node's status.allocatable in scheduler units; absent when the node does not report it. */
export function nodeAllocatable(node: KubeObject): ResourceList | undefined {
  const allocatable = node.status?.allocatable ?? node.status?.capacity;
  if (!allocatable || typeof allocatable !== 'object') return undefined;
  const out: ResourceList = {};
  for (const [name, q] of Object.entries(allocatable as Record<string, unknown>))
    out[name] = resourceUnits(name, q);
  return out;
}
