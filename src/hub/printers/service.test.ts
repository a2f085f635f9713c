import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endpointSlicePrinter, endpointsPrinter, servicePrinter } from './service.js';
import { cellsByName, columnNames, obj } from './test-support.js';

const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
  cellsByName(servicePrinter, obj('v1', 'Service', 'web', { spec, status }));

describe('service printer', () => {
  it('has kubectl columns', () => {
    assert.deepEqual(columnNames(servicePrinter), {
      normal: ['Name', 'Type', 'Cluster-IP', 'External-IP', 'Port(s)', 'Age'],
      wide: ['Selector'],
    });
  });

  it('prints a ClusterIP service', () => {
    assert.deepEqual(
      svc({
        type: 'ClusterIP',
        clusterIP: '10.43.0.10',
        clusterIPs: ['10.43.0.10'],
        ports: [
          { port: 53, protocol: 'UDP' },
          { port: 53, protocol: 'TCP' },
        ],
        selector: { tier: 'dns', app: 'coredns' },
      }),
      {
        Name: 'web',
        Type: 'ClusterIP',
        'Cluster-IP': '10.43.0.10',
        'External-IP': '<none>',
        'Port(s)': '53/UDP,53/TCP',
        Age: '5m',
        Selector: 'app=coredns,tier=dns',
      },
    );
  });

  it('shows node ports and defaults the protocol to TCP', () => {
    const row = svc({
      type: 'NodePort',
      clusterIP: '10.43.1.1',
      ports: [{ port: 80, nodePort: 30080 }, { port: 443 }],
    });
    assert.equal(row['Port(s)'], '80:30080/TCP,443/TCP');
    assert.equal(row['Cluster-IP'], '10.43.1.1');
  });

  it('shows load balancer addresses or <pending>', () => {
    assert.equal(svc({ type: 'LoadBalancer', ports: [] })['External-IP'], '<pending>');
    assert.equal(
      svc(
        { type: 'LoadBalancer', externalIPs: ['203.0.113.9'] },
        {
          loadBalancer: {
            ingress: [{ ip: '198.51.100.2' }, { hostname: 'lb.example.net' }, { ip: '198.51.100.2' }],
          },
        },
      )['External-IP'],
      '198.51.100.2,lb.example.net,203.0.113.9',
    );
  });

  it('prints headless, ExternalName and portless services', () => {
    const headless = svc({ clusterIP: 'None', clusterIPs: ['None'] });
    assert.equal(headless['Cluster-IP'], 'None');
    assert.equal(headless['Port(s)'], '<none>');
    assert.equal(headless.Type, 'ClusterIP');
    assert.equal(headless.Selector, '<none>');
    const external = svc({ type: 'ExternalName', externalName: 'db.example.com' });
    assert.equal(external['External-IP'], 'db.example.com');
    assert.equal(external['Cluster-IP'], '<none>');
  });
});

describe('endpoints printer', () => {
  const ep = (subsets: unknown) =>
    cellsByName(endpointsPrinter, obj('v1', 'Endpoints', 'web', { subsets })).Endpoints;

  it('lists address:port pairs and caps them at three', () => {
    assert.equal(ep(undefined), '<none>');
    assert.equal(ep([{ addresses: [{ ip: '10.42.0.5' }], ports: [{ port: 8080 }] }]), '10.42.0.5:8080');
    assert.equal(ep([{ addresses: [{ ip: 'fd00::5' }], ports: [{ port: 80 }] }]), '[fd00::5]:80');
    assert.equal(ep([{ addresses: [{ ip: '10.42.0.5' }, { ip: '10.42.0.6' }] }]), '10.42.0.5,10.42.0.6');
    assert.equal(
      ep([
        {
          addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }],
          ports: [{ port: 80 }, { port: 443 }],
        },
      ]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 3 more...',
    );
  });
});

describe('endpointslice printer', () => {
  it('shows address type, ports and endpoints', () => {
    const slice = obj('discovery.k8s.io/v1', 'EndpointSlice', 'web-abc12', {
      addressType: 'IPv4',
      ports: [{ name: 'http', port: 80 }, { name: 'any' }],
      endpoints: [{ addresses: ['10.42.0.5'] }, { addresses: ['10.42.0.6'] }],
    });
    assert.deepEqual(cellsByName(endpointSlicePrinter, slice), {
      Name: 'web-abc12',
      AddressType: 'IPv4',
      Ports: '80,any',
      Endpoints: '10.42.0.5,10.42.0.6',
      Age: '5m',
    });
    const empty = cellsByName(
      endpointSlicePrinter,
      obj('discovery.k8s.io/v1', 'EndpointSlice', 'e', { addressType: 'IPv6' }),
    );
    assert.equal(empty.Ports, '<unset>');
    assert.equal(empty.Endpoints, '<unset>');
  });
});
