/**
 * Device certificates rotate while the agent runs: the hub signs short-lived certificates (45 s here,
 * a year by default), the agent renews at 80 % of the lifetime through a CSR signed with its current
 * certificate, switches without a restart, and keeps its lease going past the first certificate's expiry.
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AgentProcess,
  adminClient,
  agentArgs,
  eventually,
  joinInfo,
  startAgent,
} from './agent-harness.test.js';
import { type HubProcess, makeTempDir, removeDir, startHubProcess } from './support/hub-process.js';

let hub: HubProcess;
let agent: AgentProcess;
let root: string;

/** The certificate the agent keeps in its data dir (the only .crt besides the CA). */
function agentCertificate(dataDir: string): X509Certificate {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (/\.(crt|pem)$/.test(f) && !/ca/.test(f)) files.push(p);
    }
  };
  walk(join(dataDir, 'pki'));
  assert.ok(files.length >= 1, `no client certificate under ${dataDir}/pki`);
  return new X509Certificate(readFileSync(files[0]!));
}

before(async () => {
  root = makeTempDir('rotation');
  hub = await startHubProcess({ dataDir: join(root, 'hub'), extraArgs: ['--node-cert-ttl', '45s'] });
  agent = await startAgent(
    agentArgs(await joinInfo(hub), 'rotor-1', join(root, 'agent'), ['--lease-interval', '1s']),
  );
});

after(async () => {
  await agent?.stop();
  await hub?.stop();
  removeDir(root);
});

test('the agent renews its certificate before it expires and keeps working past the old expiry', async () => {
  const first = agentCertificate(join(root, 'agent'));
  const lifetime = Date.parse(first.validTo) - Date.parse(first.validFrom);
  assert.ok(lifetime < 60_000, `the hub signed a short-lived certificate (${lifetime} ms)`);
  assert.equal(first.subject.includes('CN=system:node:rotor-1'), true, first.subject);

  const renewed = await eventually(
    () => {
      const current = agentCertificate(join(root, 'agent'));
      return current.serialNumber !== first.serialNumber ? current : undefined;
    },
    'a renewed certificate',
    60_000,
  );
  assert.ok(
    Date.parse(renewed.validTo) > Date.parse(first.validTo),
    'the new certificate outlives the old one',
  );
  assert.ok(Date.now() < Date.parse(first.validTo), 'renewed before the old certificate expired');

  // Past the first certificate's expiry the device still renews its lease with the new one.
  const wait = Date.parse(first.validTo) - Date.now() + 2_000;
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const client = adminClient(hub);
  const renewTime = async () =>
    Date.parse(
      (
        await client.get<{ spec: { renewTime: string } }>(
          '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/rotor-1',
        )
      ).spec.renewTime,
    );
  const before = await renewTime();
  await eventually(
    async () => ((await renewTime()) > before ? true : undefined),
    'a lease renewal after the old certificate expired',
    10_000,
  );
  const node = await client.get<{ status: { conditions: { type: string; status: string }[] } }>(
    '/api/v1/nodes/rotor-1',
  );
  assert.equal(node.status.conditions.find((c) => c.type === 'Ready')?.status, 'True');
  assert.match(agent.output(), /renewed the node certificate/);
});
