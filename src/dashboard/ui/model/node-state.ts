/**
 * What a device's Node object says about it, in the terms operators use: its state (one of six, in a
 * fixed priority), link quality and round-trip time, class, position on the map and departure time.
 * Pure functions of the object, so the map, the table and plugins always agree.
 */
import type { KubeObject } from '../../../api/types.js';

export const ANNOTATIONS = {
  linkQuality: 'minato.dev/link-quality',
  linkRtt: 'minato.dev/link-rtt-ms',
  departing: 'minato.dev/departing',
  position: 'minato.dev/position',
} as const;
export const DEVICE_CLASS_LABEL = 'minato.dev/device-class';
export const UNREACHABLE_TAINT = 'node.kubernetes.io/unreachable';
export const LINK_DEGRADED_TAINT = 'minato.dev/link-degraded';

export type DeviceState = 'ready' | 'degraded' | 'not-ready' | 'departing' | 'cordoned' | 'out-of-range';

export interface StateInfo {
  id: DeviceState;
  label: string;
  help: string;
}

/** Display order (also the legend's). */
export const STATES: readonly StateInfo[] = [
  { id: 'ready', label: 'In range', help: 'Ready, lease renewed, link healthy' },
  {
    id: 'degraded',
    label: 'Degraded link',
    help: `Tainted ${LINK_DEGRADED_TAINT}: no new pods until the link recovers`,
  },
  { id: 'not-ready', label: 'Not ready', help: 'In range but reporting Ready=False' },
  {
    id: 'departing',
    label: 'Departing',
    help: `Annotated ${ANNOTATIONS.departing}: drained before it leaves`,
  },
  { id: 'cordoned', label: 'Cordoned', help: 'spec.unschedulable: takes no new pods' },
  { id: 'out-of-range', label: 'Out of range', help: 'No lease renewal: Ready=Unknown, tainted unreachable' },
];

export const DEVICE_CLASSES = ['vehicle', 'drone', 'robot', 'gateway'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number] | 'device';

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastHeartbeatTime?: string;
  lastTransitionTime?: string;
}
interface Taint {
  key: string;
  effect: string;
  value?: string;
  timeAdded?: string;
}

export function conditions(obj: KubeObject): Condition[] {
  return Array.isArray(obj.status?.conditions) ? (obj.status.conditions as Condition[]) : [];
}

export function taints(node: KubeObject): Taint[] {
  return Array.isArray(node.spec?.taints) ? (node.spec.taints as Taint[]) : [];
}

export function readyCondition(node: KubeObject): Condition | undefined {
  return conditions(node).find((c) => c.type === 'Ready');
}

const hasTaint = (node: KubeObject, key: string) => taints(node).some((t) => t.key === key);

/**
 * The one state a device is shown in. Out of range wins (nothing else matters while it is away), then
 * a departure under way, a cordon, a Ready=False report, a degraded link; otherwise it is in range.
 */
export function deviceState(node: KubeObject): DeviceState {
  const ready = readyCondition(node);
  if (hasTaint(node, UNREACHABLE_TAINT) || ready?.status === 'Unknown') return 'out-of-range';
  if (node.metadata.annotations?.[ANNOTATIONS.departing]) return 'departing';
  if (node.spec?.unschedulable) return 'cordoned';
  if (ready && ready.status === 'False') return 'not-ready';
  if (hasTaint(node, LINK_DEGRADED_TAINT)) return 'degraded';
  return 'ready';
}

export function stateInfo(state: DeviceState): StateInfo {
  return STATES.find((s) => s.id === state)!;
}

function numberAnnotation(node: KubeObject, key: string): number | undefined {
  const raw = node.metadata.annotations?.[key];
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

/** Link quality 0–100, clamped; undefined when the device does not report it. */
export function linkQuality(node: KubeObject): number | undefined {
  const q = numberAnnotation(node, ANNOTATIONS.linkQuality);
  return q === undefined ? undefined : Math.max(0, Math.min(100, q));
}

export function linkRttMs(node: KubeObject): number | undefined {
  return numberAnnotation(node, ANNOTATIONS.linkRtt);
}

export function deviceClass(node: KubeObject): DeviceClass {
  const c = node.metadata.labels?.[DEVICE_CLASS_LABEL];
  return (DEVICE_CLASSES as readonly string[]).includes(c ?? '') ? (c as DeviceClass) : 'device';
}

export interface Position {
  x: number;
  y: number;
}

/** `minato.dev/position: "<x>,<y>"` in metres; undefined when missing or malformed. */
export function parsePosition(raw: string | undefined): Position | undefined {
  if (!raw) return undefined;
  const parts = raw.split(',');
  if (parts.length !== 2) return undefined;
  const x = Number(parts[0]);
  const y = Number(parts[1]);
  if (parts[0]!.trim() === '' || parts[1]!.trim() === '' || !Number.isFinite(x) || !Number.isFinite(y))
    return undefined;
  return { x, y };
}

export function position(node: KubeObject): Position | undefined {
  return parsePosition(node.metadata.annotations?.[ANNOTATIONS.position]);
}

/** When a departing device expects to lose its link; undefined when it is not departing. */
export function departingAt(node: KubeObject): Date | undefined {
  const raw = node.metadata.annotations?.[ANNOTATIONS.departing];
  if (!raw) return undefined;
  const t = Date.parse(raw);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Seconds since the device's Lease was renewed (kube-node-lease/<name>), or undefined without one. */
export function leaseAgeSeconds(lease: KubeObject | undefined, nowMs: number): number | undefined {
  const renew = lease?.spec?.renewTime;
  if (typeof renew !== 'string') return undefined;
  const t = Date.parse(renew);
  return Number.isNaN(t) ? undefined : Math.max(0, (nowMs - t) / 1000);
}

/** Counts of devices per state, every state present (zero included). */
export function countStates(nodes: Iterable<KubeObject>): Record<DeviceState, number> {
  const counts = Object.fromEntries(STATES.map((s) => [s.id, 0])) as Record<DeviceState, number>;
  for (const n of nodes) counts[deviceState(n)]++;
  return counts;
}
