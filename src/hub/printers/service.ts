/** Printers for service networking: Service, Endpoints (core/v1) and EndpointSlice (discovery.k8s.io). */
import { age } from './duration.js';
import {
  ageColumn,
  asArray,
  asInt,
  asRecord,
  asString,
  capList,
  column,
  formatLabels,
  nameColumn,
  wide,
} from './format.js';
import type { TablePrinter } from './types.js';

type Rec = Record<string, unknown>;

/** "80/TCP,443:30443/TCP": the node port appears only when one is allocated. */
export function servicePorts(ports: unknown): string {
  const text = asArray(ports)
    .map(asRecord)
    .map((p) => {
      const protocol = asString(p.protocol) || 'TCP';
      const nodePort = asInt(p.nodePort);
      return nodePort > 0 ? `${asInt(p.port)}:${nodePort}/${protocol}` : `${asInt(p.port)}/${protocol}`;
    })
    .join(',');
  return text || '<none>';
}

/** Load balancer ingress points, de-duplicated and sorted as kubectl shows them. */
function loadBalancerAddresses(status: Rec): string[] {
  const found = new Set<string>();
  for (const raw of asArray(asRecord(status.loadBalancer).ingress)) {
    const ingress = asRecord(raw);
    const address = asString(ingress.ip) || asString(ingress.hostname);
    if (address) found.add(address);
  }
  return [...found].sort();
}

function externalIP(spec: Rec, status: Rec): string {
  const externalIPs = asArray(spec.externalIPs).map((ip) => asString(ip));
  switch (asString(spec.type) || 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.join(',') || '<none>';
    case 'LoadBalancer': {
      const all = [...loadBalancerAddresses(status), ...externalIPs];
      // No address yet means the cloud (or the edge load balancer) has not answered.
      return all.join(',') || '<pending>';
    }
    case 'ExternalName':
      return asString(spec.externalName);
    default:
      return '<unknown>';
  }
}

export const servicePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('Type', 'string', 'How the service is exposed.'),
    column('Cluster-IP', 'string', 'Virtual IP of the service inside the cluster; None when headless.'),
    column('External-IP', 'string', 'Addresses reachable from outside the cluster.'),
    column('Port(s)', 'string', 'Service ports, with the node port when one is allocated.'),
    ageColumn,
    wide('Selector', 'string', 'Labels of the pods the service routes to.'),
  ],
  cells(svc, now) {
    const spec = asRecord(svc.spec);
    const status = asRecord(svc.status);
    const clusterIP = asString(asArray(spec.clusterIPs)[0]) || asString(spec.clusterIP) || '<none>';
    return [
      svc.metadata.name ?? '',
      asString(spec.type) || 'ClusterIP',
      clusterIP,
      externalIP(spec, status),
      servicePorts(spec.ports),
      age(svc.metadata.creationTimestamp, now),
      formatLabels(spec.selector),
    ];
  },
};

/** host:port, with IPv6 hosts bracketed. */
function joinHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Every address:port an Endpoints object routes to, capped at three with a "+ N more..." tail. */
export function formatEndpoints(subsets: unknown): string {
  const list = asArray(subsets).map(asRecord);
  if (list.length === 0) return '<none>';
  const all: string[] = [];
  for (const subset of list) {
    const ips = asArray(subset.addresses).map((a) => asString(asRecord(a).ip));
    const ports = asArray(subset.ports).map(asRecord);
    // A headless service may publish addresses without ports.
    if (ports.length === 0) {
      all.push(...ips);
      continue;
    }
    for (const port of ports) {
      for (const ip of ips) all.push(joinHostPort(ip, asInt(port.port)));
    }
  }
  return capList(all);
}

export const endpointsPrinter: TablePrinter = {
  columns: [nameColumn, column('Endpoints', 'string', 'Addresses and ports traffic is sent to.'), ageColumn],
  cells(ep, now) {
    return [ep.metadata.name ?? '', formatEndpoints(ep.subsets), age(ep.metadata.creationTimestamp, now)];
  },
};

function sliceList(items: string[]): string {
  return capList(items) || '<unset>';
}

export const endpointSlicePrinter: TablePrinter = {
  columns: [
    nameColumn,
    column('AddressType', 'string', 'Address family of the endpoints in this slice.'),
    column('Ports', 'string', 'Ports served by every endpoint in the slice; * when any port.'),
    column('Endpoints', 'string', 'Addresses of the endpoints in the slice.'),
    ageColumn,
  ],
  cells(slice, now) {
    const ports = asArray(slice.ports)
      .map(asRecord)
      .map((p) => (typeof p.port === 'number' ? String(asInt(p.port)) : asString(p.name, '*')));
    const addresses = asArray(slice.endpoints).flatMap((e) =>
      asArray(asRecord(e).addresses).map((a) => asString(a)),
    );
    return [
      slice.metadata.name ?? '',
      asString(slice.addressType),
      sliceList(ports),
      sliceList(addresses),
      age(slice.metadata.creationTimestamp, now),
    ];
  },
};
