/**
 * The Node as this device describes itself: labels, capacity, nodeInfo, addresses and conditions.
 * Pure builders; node-registrar.ts does the writing.
 */
import type { KubeObject } from '../../api/types.js';
import type { LinkSnapshot } from '../link/link-quality.js';
import type { HostInfo } from './host-info.js';

export const KUBELET_VERSION = 'v1.32.0-minato';
export const CONTAINER_RUNTIME_VERSION = 'minato-wasm://1';
export const MAX_PODS = 110;

export const ANNOTATIONS = {
  linkRtt: 'minato.dev/link-rtt-ms',
  linkFailures: 'minato.dev/link-failures',
  linkQuality: 'minato.dev/link-quality',
  departing: 'minato.dev/departing',
  cordonedBy: 'minato.dev/cordoned-by',
} as const;

export const DEVICE_CLASSES = ['vehicle', 'drone', 'robot', 'gateway'] as const;
export type DeviceClass = (typeof DEVICE_CLASSES)[number];

export interface NodeIdentity {
  name: string;
  host: HostInfo;
  deviceClass?: DeviceClass;
  /** --labels, applied on top of the standard ones. */
  extraLabels: Record<string, string>;
  /** Port of the local API (daemonEndpoints.kubeletEndpoint). */
  localApiPort: number;
}

export function nodeLabels(id: NodeIdentity): Record<string, string> {
  return {
    'kubernetes.io/hostname': id.name,
    'kubernetes.io/arch': id.host.architecture,
    'kubernetes.io/os': id.host.operatingSystem,
    'beta.kubernetes.io/arch': id.host.architecture,
    'beta.kubernetes.io/os': id.host.operatingSystem,
    ...(id.deviceClass ? { 'minato.dev/device-class': id.deviceClass } : {}),
    ...id.extraLabels,
  };
}

type Condition = {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastHeartbeatTime: string;
  lastTransitionTime: string;
};

function rfc3339(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface NodeStatusInput {
  link?: LinkSnapshot;
  /** The Node's current conditions on the hub, for stable transition times. */
  previous?: Condition[];
  now?: number;
}

export function nodeConditions(input: NodeStatusInput): Condition[] {
  const now = rfc3339(input.now ?? Date.now());
  const previous = input.previous ?? [];
  const make = (type: string, status: Condition['status'], reason: string, message: string): Condition => {
    const before = previous.find((c) => c.type === type);
    return {
      type,
      status,
      reason,
      message,
      lastHeartbeatTime: now,
      lastTransitionTime:
        before?.status === status && before.lastTransitionTime ? before.lastTransitionTime : now,
    };
  };
  const link = input.link;
  const degraded = link?.degraded ?? false;
  return [
    make(
      'MemoryPressure',
      'False',
      'KubeletHasSufficientMemory',
      'minato agent has sufficient memory available',
    ),
    make('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'minato agent has no disk pressure'),
    make('PIDPressure', 'False', 'KubeletHasSufficientPID', 'minato agent has sufficient PID available'),
    make('Ready', 'True', 'KubeletReady', 'minato agent is posting ready status'),
    make(
      'LinkDegraded',
      degraded ? 'True' : 'False',
      degraded ? 'LinkQualityLow' : 'LinkQualityGood',
      link
        ? `link quality ${link.score}/100 (rtt ${link.rttMs ?? '?'} ms, ${link.failures} of the last ${link.attempts} lease renewals failed)`
        : 'no link measurements yet',
    ),
  ];
}

export function nodeStatus(id: NodeIdentity, input: NodeStatusInput = {}): Record<string, unknown> {
  const resources = {
    cpu: String(id.host.cpuCores),
    memory: `${Math.floor(id.host.memoryBytes / 1024)}Ki`,
    pods: String(MAX_PODS),
  };
  return {
    capacity: resources,
    allocatable: resources,
    conditions: nodeConditions(input),
    addresses: [
      { type: 'InternalIP', address: id.host.internalIP },
      { type: 'Hostname', address: id.host.hostname },
    ],
    daemonEndpoints: { kubeletEndpoint: { Port: id.localApiPort } },
    nodeInfo: {
      machineID: id.host.machineID,
      systemUUID: id.host.machineID,
      bootID: id.host.bootID,
      kernelVersion: id.host.kernelVersion,
      osImage: id.host.osImage,
      containerRuntimeVersion: CONTAINER_RUNTIME_VERSION,
      kubeletVersion: KUBELET_VERSION,
      kubeProxyVersion: '',
      operatingSystem: id.host.operatingSystem,
      architecture: id.host.architecture,
    },
  };
}

export function newNodeObject(id: NodeIdentity, input: NodeStatusInput = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: id.name, labels: nodeLabels(id) },
    spec: {},
    status: nodeStatus(id, input),
  };
}

export function linkAnnotations(link: LinkSnapshot): Record<string, string> {
  return {
    [ANNOTATIONS.linkRtt]: String(link.rttMs ?? ''),
    [ANNOTATIONS.linkFailures]: String(link.failures),
    [ANNOTATIONS.linkQuality]: String(link.score),
  };
}
