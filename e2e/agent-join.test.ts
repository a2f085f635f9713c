/**
 * Joining: a device with the token and CA hash printed by `minato up` becomes a Ready Node with a
 * renewing Lease; a wrong token, a wrong CA hash or an unreachable hub each end the agent within
 * seconds with a message that names the fix; a restart reuses the saved identity.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import type { KubeClient } from '../src/client/index.js';
import {
  type AgentProcess,
  adminClient,
  agentArgs,
  eventually,
  type JoinInfo,
  joinInfo,
  runAgentToExit,
  startAgent,
  startHub,
} from './agent-harness.test.js';
import { type HubProcess, makeTempDir, removeDir } from './support/hub-process.js';

let hub: HubProcess;
let root: string;
let api: KubeClient;
let join_: JoinInfo;
const agents: AgentProcess[] = [];

before(async () => {
  root = makeTempDir('agent-join');
  hub = await startHub({ dataDir: join(root, 'hub') });
  api = adminClient(hub);
  join_ = await joinInfo(hub);
});

after(async () => {
  for (const a of agents) await a.stop();
  api?.close();
  await hub?.stop();
  removeDir(root);
});

test('join with the printed token: Node Ready with labels and nodeInfo, Lease renewing, link quality published', async () => {
  const agent = await startAgent(
    agentArgs(join_, 'truck-1', join(root, 'truck-1'), [
      '--labels',
      'fleet=north',
      '--device-class',
      'vehicle',
      '--lease-interval',
      '500ms',
    ]),
  );
  agents.push(agent);
  await agent.waitFor(/link: connected to/);
  const node = await eventually(async () => {
    const n = await api.get<KubeObject>('/api/v1/nodes/truck-1');
    return n.metadata.annotations?.['minato.dev/link-quality'] ? n : undefined;
  }, 'the Node with link annotations');
  const labels = node.metadata.labels!;
  assert.equal(labels['kubernetes.io/hostname'], 'truck-1');
  assert.equal(labels['minato.dev/device-class'], 'vehicle');
  assert.equal(labels.fleet, 'north');
  assert.match(labels['kubernetes.io/arch']!, /^(amd64|arm64|arm|386|ppc64le|s390x|riscv64)$/);
  const ready = node.status.conditions.find((c: { type: string }) => c.type === 'Ready');
  assert.equal(ready.status, 'True');
  assert.equal(ready.reason, 'KubeletReady');
  assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.32.0-minato');
  assert.equal(node.status.nodeInfo.containerRuntimeVersion, 'minato-wasm://1');
  assert.equal(node.status.capacity.pods, '110');
  assert.deepEqual(
    node.status.addresses.map((a: { type: string }) => a.type),
    ['InternalIP', 'Hostname'],
  );
  assert.ok(
    node.status.conditions.some(
      (c: { type: string; status: string }) => c.type === 'LinkDegraded' && c.status === 'False',
    ),
  );
  assert.ok(Number(node.metadata.annotations!['minato.dev/link-quality']) > 50);

  const path = '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/truck-1';
  const first = await api.get<KubeObject>(path);
  assert.equal(first.spec.holderIdentity, 'truck-1');
  assert.equal(first.spec.leaseDurationSeconds, 2);
  assert.match(first.spec.renewTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.equal(first.metadata.ownerReferences?.[0]?.uid, node.metadata.uid);
  await eventually(
    async () => (await api.get<KubeObject>(path)).spec.renewTime !== first.spec.renewTime,
    'a renewal',
  );

  // The identity is on disk, mode 0600, with a kubeconfig for the node user.
  assert.ok(existsSync(join(root, 'truck-1', 'pki', 'node.key')));
  assert.ok(existsSync(join(root, 'truck-1', 'agent.kubeconfig')));

  // The local API tells the same story.
  const status = await agent.status();
  assert.equal(status.node, 'truck-1');
  assert.equal(status.connected, true);
  assert.ok(status.link.rttMs !== undefined);
  assert.ok((await fetch(`${agent.localApi}/healthz`)).ok);
});

test('local API: depart cordons the node and announces the deadline; return undoes both', async () => {
  const agent = agents[0]!;
  const departed = await fetch(`${agent.localApi}/depart?in=30s`, { method: 'POST' });
  assert.equal(departed.status, 200);
  const { deadline } = (await departed.json()) as { deadline: string };
  assert.ok(Math.abs(Date.parse(deadline) - Date.now() - 30_000) < 5_000);
  let node = await api.get<KubeObject>('/api/v1/nodes/truck-1');
  assert.equal(node.spec.unschedulable, true);
  assert.equal(node.metadata.annotations?.['minato.dev/departing'], deadline);
  assert.equal((await agent.status()).departingUntil, deadline);
  assert.equal((await fetch(`${agent.localApi}/depart?in=soon`, { method: 'POST' })).status, 400);
  assert.equal((await fetch(`${agent.localApi}/depart`)).status, 405);

  const returned = await fetch(`${agent.localApi}/return`, { method: 'POST' });
  assert.equal(returned.status, 200);
  node = await api.get<KubeObject>('/api/v1/nodes/truck-1');
  assert.equal(node.spec.unschedulable, undefined);
  assert.equal(node.metadata.annotations?.['minato.dev/departing'], undefined);
});

test('a Node deleted by an administrator comes back: the agent registers again when its Lease is collected', async () => {
  const before = await api.get<KubeObject>('/api/v1/nodes/truck-1');
  await api.delete('/api/v1/nodes/truck-1');
  const again = await eventually(
    async () => {
      const n = await api.get<KubeObject>('/api/v1/nodes/truck-1');
      return n.metadata.uid !== before.metadata.uid ? n : undefined;
    },
    'the Node to be registered again',
    20_000,
  );
  assert.equal(again.metadata.labels?.fleet, 'north');
  const lease = await eventually(
    async () => {
      const l = await api.get<KubeObject>(
        '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/truck-1',
      );
      return l.metadata.ownerReferences?.[0]?.uid === again.metadata.uid ? l : undefined;
    },
    'a Lease owned by the new Node',
    20_000,
  );
  assert.equal(lease.spec.holderIdentity, 'truck-1');
});

test('a restart reuses the saved certificate (no token needed) and keeps the same Node', async () => {
  const dataDir = join(root, 'truck-2');
  const first = await startAgent(agentArgs(join_, 'truck-2', dataDir));
  await first.waitFor(/link: connected to/);
  const uid = (await api.get<KubeObject>('/api/v1/nodes/truck-2')).metadata.uid;
  await first.stop();
  const second = await startAgent([
    '--server',
    join_.server,
    '--name',
    'truck-2',
    '--data-dir',
    dataDir,
    '--local-api',
    '127.0.0.1:0',
  ]);
  agents.push(second);
  await second.waitFor(/join: using the saved node certificate/);
  await second.waitFor(/link: connected to/);
  assert.equal((await api.get<KubeObject>('/api/v1/nodes/truck-2')).metadata.uid, uid);
});

test('a wrong token ends the agent within seconds, naming "minato token create"', async () => {
  const bad = { ...join_, token: `${join_.token.split('.')[0]}.0000000000000000` };
  const result = await runAgentToExit(agentArgs(bad, 'bad-token', join(root, 'bad-token')));
  assert.equal(result.code, 1, result.output);
  assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
  assert.match(
    result.output,
    /minato agent: the hub rejected the bootstrap token \(401 Unauthorized\).*minato token create/,
  );
  const malformed = await runAgentToExit(
    agentArgs({ ...join_, token: 'not-a-token' }, 'bad-token', join(root, 'bad-token')),
  );
  assert.equal(malformed.code, 1);
  assert.match(malformed.output, /minato agent: --token must look like abcdef\.0123456789abcdef/);
});

test('a wrong CA hash ends the agent within seconds with the expected and presented hashes', async () => {
  const wrong = `sha256:${'0'.repeat(64)}`;
  const result = await runAgentToExit(
    agentArgs({ ...join_, caCertHash: wrong }, 'bad-ca', join(root, 'bad-ca')),
  );
  assert.equal(result.code, 1, result.output);
  assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
  assert.ok(
    result.output.includes(
      `minato agent: the hub's CA does not match --ca-cert-hash (expected ${wrong}, the hub presented ${join_.caCertHash}): check the hash printed by "minato up"`,
    ),
    result.output,
  );
  assert.ok(!existsSync(join(root, 'bad-ca', 'pki', 'node.crt')), 'nothing was saved');
});

test('an unreachable hub on first join is a clear error within seconds, not a silent retry', async () => {
  const result = await runAgentToExit(
    agentArgs({ ...join_, server: 'https://127.0.0.1:1' }, 'lost', join(root, 'lost')),
  );
  assert.equal(result.code, 1, result.output);
  assert.ok(result.ms < 10_000, `took ${result.ms} ms`);
  assert.match(
    result.output,
    /minato agent: cannot reach the hub at https:\/\/127\.0\.0\.1:1: connection refused/,
  );
});
