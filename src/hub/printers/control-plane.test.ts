import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  certificateSigningRequestPrinter,
  csrCondition,
  customResourceDefinitionPrinter,
  leasePrinter,
  runtimeClassPrinter,
} from './control-plane.js';
import { cellsByName, obj } from './test-support.js';

describe('control-plane printers', () => {
  it('prints a lease holder', () => {
    const lease = obj('coordination.k8s.io/v1', 'Lease', 'edge-1', { spec: { holderIdentity: 'edge-1' } });
    assert.deepEqual(cellsByName(leasePrinter, lease), { Name: 'edge-1', Holder: 'edge-1', Age: '5m' });
    assert.equal(cellsByName(leasePrinter, obj('coordination.k8s.io/v1', 'Lease', 'free')).Holder, '');
  });

  it('prints a CSR with requested duration and condition', () => {
    const csr = obj('certificates.k8s.io/v1', 'CertificateSigningRequest', 'node-csr-1', {
      spec: {
        signerName: 'kubernetes.io/kube-apiserver-client-kubelet',
        username: 'system:node:edge-1',
        expirationSeconds: 86400,
      },
      status: { conditions: [{ type: 'Approved', status: 'True' }], certificate: 'LS0t' },
    });
    assert.deepEqual(cellsByName(certificateSigningRequestPrinter, csr), {
      Name: 'node-csr-1',
      Age: '5m',
      SignerName: 'kubernetes.io/kube-apiserver-client-kubelet',
      Requestor: 'system:node:edge-1',
      RequestedDuration: '24h',
      Condition: 'Approved,Issued',
    });
    const bare = cellsByName(
      certificateSigningRequestPrinter,
      obj('certificates.k8s.io/v1', 'CertificateSigningRequest', 'x'),
    );
    assert.equal(bare.SignerName, '<none>');
    assert.equal(bare.RequestedDuration, '<none>');
    assert.equal(bare.Condition, 'Pending');
  });

  it('orders CSR conditions: decision first, then Failed and Issued', () => {
    const cond = (...types: string[]) => csrCondition({ conditions: types.map((type) => ({ type })) });
    assert.equal(cond('Approved', 'Denied'), 'Denied');
    assert.equal(cond('Approved', 'Failed'), 'Approved,Failed');
    assert.equal(cond('Failed'), 'Pending,Failed');
  });

  it('prints CRDs with Created At and runtime classes with their handler', () => {
    const crd = obj('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'widgets.acme.io', {
      metadata: { creationTimestamp: '2024-01-02T03:04:05Z' },
    });
    assert.deepEqual(cellsByName(customResourceDefinitionPrinter, crd), {
      Name: 'widgets.acme.io',
      'Created At': '2024-01-02T03:04:05Z',
    });
    const rc = obj('node.k8s.io/v1', 'RuntimeClass', 'gvisor', { handler: 'runsc' });
    assert.deepEqual(cellsByName(runtimeClassPrinter, rc), { Name: 'gvisor', Handler: 'runsc', Age: '5m' });
  });
});
