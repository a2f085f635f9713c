import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import { JoinAdmission } from './join-admission.js';

const CSRS = '/apis/certificates.k8s.io/v1/certificatesigningrequests';
const bootstrapper = {
  name: 'system:bootstrap:abcdef',
  groups: ['system:bootstrappers', 'system:authenticated'],
};
const device = { name: 'system:node:car-1', groups: ['system:nodes', 'system:authenticated'] };
const admin = { name: 'admin', groups: ['system:masters', 'system:authenticated'] };

test('while the loop lags, only a new device submitting its CSR is told to come back (429 + Retry-After)', () => {
  const lag = { lagMs: 250 };
  const admission = new JoinAdmission(lag, { maxLagMs: 100, retryAfterSeconds: 7 });
  assert.throws(
    () => admission.admit(bootstrapper, 'POST', CSRS),
    (err) =>
      isApiError(err) &&
      err.code === 429 &&
      err.details?.retryAfterSeconds === 7 &&
      /the hub is busy \(its event loop runs 250 ms late\)/.test(err.message),
  );
  assert.equal(admission.refusals, 1);
  // Everything else goes through: a joining device polling its CSR, devices, people.
  admission.admit(bootstrapper, 'GET', `${CSRS}/node-csr-abcde`);
  admission.admit(device, 'POST', CSRS);
  admission.admit(admin, 'POST', CSRS);
  admission.admit(device, 'PATCH', '/api/v1/nodes/car-1/status');
  lag.lagMs = 40;
  admission.admit(bootstrapper, 'POST', CSRS);
  assert.equal(admission.refusals, 1, 'a calm hub takes joins again');
});
