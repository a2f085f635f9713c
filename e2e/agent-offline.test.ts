/**
 * Edge autonomy, with real processes and a TCP proxy standing in for the radio link:
 * - a link blip (the proxy drops every connection and refuses new ones) restarts nothing;
 * - an idle agent's traffic is measured and printed (bytes per second on the wire, TLS included);
 * - a hub restart (same port, same data) is followed by a resumed watch, no relist, no second copy;
 * - an agent restarted while the hub is down starts its pods from local state within seconds, and
 *   reconciles when the hub comes back: changes made meanwhile are applied, nothing runs twice.
 */
import assert from 'node:assert/strict';
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
  processesWith,
  processPod,
  startAgent,
  startHub,
  TcpProxy,
} from './agent-harness.test.js';
import { type HubProcess, makeTempDir, removeDir } from './support/hub-process.js';

const NODE = 'drone-1';
const TICKER = "let i = 0; setInterval(() => console.log('beat', i++), 250)";

let root: string;
let hub: HubProcess;
let hubPort: number;
let proxy: TcpProxy;
let api: KubeClient;
let join_: JoinInfo;
let agent: AgentProcess;

const podPath = (name: string) => `/api/v1/namespaces/default/pods/${name}`;
const getPod = (name: string) => api.get<KubeObject>(podPath(name));
const containerOf = async (name: string) => (await getPod(name)).status?.containerStatuses?.[0];

async function restartHub(): Promise<void> {
  api.close();
  hub = await startHub({ dataDir: join(root, 'hub'), port: hubPort });
  api = adminClient(hub);
}

before(async () => {
  root = makeTempDir('agent-offline');
  hub = await startHub({ dataDir: join(root, 'hub') });
  hubPort = hub.port;
  api = adminClient(hub);
  proxy = new TcpProxy({ host: '127.0.0.1', port: hubPort });
  const proxyPort = await proxy.start();
  const printed = await joinInfo(hub);
  // The device reaches the hub through the proxy: the "radio link" the tests cut.
  join_ = { ...printed, server: `https://127.0.0.1:${proxyPort}` };
  agent = await startAgent(agentArgs(join_, NODE, join(root, NODE)));
  await agent.waitFor(/link: connected to/);
  await api.create('/api/v1/namespaces/default/pods', processPod('beacon', NODE, TICKER));
  await eventually(async () => (await containerOf('beacon'))?.ready, 'beacon to run');
});

after(async () => {
  await agent?.stop();
  await proxy?.stop();
  api?.close();
  await hub?.stop();
  removeDir(root);
});

test('idle traffic of one agent with one pod, measured on the wire', async () => {
  // Let the first link-quality writes settle (no node write for longer than the 10 s publish
  // interval), then count 20 s of nothing happening.
  let writes0 = -1;
  for (let i = 0; i < 5; i++) {
    const t = (await agent.status()).traffic;
    const now = t.statusWrites + t.nodeWrites;
    if (now === writes0) break;
    writes0 = now;
    await new Promise((r) => setTimeout(r, 11_000));
  }
  proxy.resetCounters();
  const before = (await agent.status()).traffic;
  const seconds = 20;
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const afterTraffic = (await agent.status()).traffic;
  const up = proxy.bytesUp / seconds;
  const down = proxy.bytesDown / seconds;
  const renewals = afterTraffic.leaseRenewals - before.leaseRenewals;
  const writes =
    afterTraffic.statusWrites - before.statusWrites + (afterTraffic.nodeWrites - before.nodeWrites);
  console.log(
    `# idle agent on the wire: ${up.toFixed(0)} B/s up, ${down.toFixed(0)} B/s down (${(((up + down) * 86_400) / 1e6).toFixed(1)} MB/day); ${renewals} lease renewals and ${writes} other writes in ${seconds} s; lease every 2 s, 1 pod, tunnel open`,
  );
  assert.ok(renewals >= 8 && renewals <= 12, `${renewals} renewals in ${seconds} s`);
  // Nothing but the lease, except at most one link-quality update when a loaded machine moves the
  // measured round-trip time across a publishing threshold; never a write per renewal.
  assert.ok(writes <= 1, `an idle, healthy device wrote ${writes} times besides its lease in ${seconds} s`);
  assert.ok(up + down < 2_000, `${(up + down).toFixed(0)} B/s is over the 2 kB/s budget`);
});

test('a link blip restarts nothing: same container, no restart, the agent resumes by itself', async () => {
  const before = await containerOf('beacon');
  const mark = agent.output().length;
  await proxy.cut();
  await agent.waitFor(/link: lost the hub/, 15_000, mark);
  await new Promise((r) => setTimeout(r, 3_000));
  assert.equal(processesWith('marker-beacon').length, 1, 'the workload kept running offline');
  await proxy.restore();
  await agent.waitFor(/link: back online after/, 40_000, mark);
  const after_ = await containerOf('beacon');
  assert.equal(after_.containerID, before.containerID, 'the same container');
  assert.equal(after_.restartCount, 0);
  assert.equal(processesWith('marker-beacon').length, 1);
  assert.doesNotMatch(agent.output().slice(mark), /pods: listed/, 'the watch resumed; no relist');
  const status = await agent.status();
  assert.equal(status.connected, true);
});

test('a hub restart: the agent reconnects, resumes its watch, and runs no second copy', async () => {
  const before = await containerOf('beacon');
  const mark = agent.output().length;
  await hub.stop();
  await agent.waitFor(/link: lost the hub/, 15_000, mark);
  await restartHub();
  await agent.waitFor(/link: back online after/, 40_000, mark);
  // A change made right after the restart reaches the device through the resumed watch.
  await api.create('/api/v1/namespaces/default/pods', processPod('late', NODE, TICKER));
  await eventually(async () => (await containerOf('late'))?.ready, 'the new pod to run');
  const pods = await api.list<KubeObject>(`/api/v1/pods?fieldSelector=spec.nodeName=${NODE}`);
  assert.deepEqual(pods.items.map((p) => p.metadata.name).sort(), ['beacon', 'late']);
  assert.equal((await containerOf('beacon')).containerID, before.containerID);
  assert.equal(processesWith('marker-beacon').length, 1);
  assert.equal(processesWith('marker-late').length, 1);
  assert.doesNotMatch(agent.output().slice(mark), /pods: listed/);
  const node = await api.get<KubeObject>(`/api/v1/nodes/${NODE}`);
  const ready = node.status.conditions.find((c: { type: string }) => c.type === 'Ready');
  await eventually(
    async () =>
      (await api.get<KubeObject>(`/api/v1/nodes/${NODE}`)).status.conditions.find(
        (c: { type: string }) => c.type === 'Ready',
      ).status === 'True',
    `Ready=True (was ${ready.status})`,
  );
});

test('an agent restarted while the hub is down starts its pods from local state, then reconciles without duplicates', async () => {
  await agent.stop();
  assert.equal(processesWith('marker-beacon').length, 0, 'the agent stopped its containers');
  await hub.stop();

  const started = Date.now();
  agent = await startAgent(agentArgs(join_, NODE, join(root, NODE)));
  await agent.waitFor(/pods: resuming 2 pod\(s\) from local state/);
  await eventually(
    async () => {
      const s = await agent.status();
      return (
        s.pods.length === 2 &&
        s.pods.every((p: { containers: { state: string }[] }) => p.containers[0]!.state === 'running')
      );
    },
    'both pods running offline',
    10_000,
  );
  const offlineMs = Date.now() - started;
  console.log(`# offline restart: 2 pods running from local state ${offlineMs} ms after the agent started`);
  assert.ok(offlineMs < 10_000);
  assert.equal(processesWith('marker-beacon').length, 1);
  const status = await agent.status();
  assert.equal(status.connected, false);
  const logs = await eventually(async () => {
    const text = await (await fetch(`${agent.localApi}/logs/default/beacon/main?tailLines=1`)).text();
    return text || undefined;
  }, 'a log line from the restarted container');
  assert.match(logs, /^beat \d+\n$/);

  // While the device is still away (its link cut), the hub comes back and changes: one pod
  // deleted, one created.
  await proxy.cut();
  await restartHub();
  await api.delete(podPath('late'), { gracePeriodSeconds: 0 });
  await api.create('/api/v1/namespaces/default/pods', processPod('newcomer', NODE, TICKER));

  const mark = agent.output().length;
  await proxy.restore();
  await agent.waitFor(/link: (connected to|back online)/, 40_000, mark);
  await eventually(async () => (await containerOf('newcomer'))?.ready, 'the pod created meanwhile to run');
  await eventually(() => processesWith('marker-late').length === 0, 'the pod deleted meanwhile to stop');
  const beacon = await eventually(async () => {
    const cs = await containerOf('beacon');
    return cs?.restartCount === 1 && cs.ready ? cs : undefined;
  }, 'beacon status reconciled');
  assert.equal(beacon.lastState.terminated.reason, 'Unknown');
  assert.equal(processesWith('marker-beacon').length, 1, 'exactly one copy');
  assert.equal(processesWith('marker-newcomer').length, 1);
  const pods = await api.list<KubeObject>(`/api/v1/pods?fieldSelector=spec.nodeName=${NODE}`);
  assert.deepEqual(pods.items.map((p) => p.metadata.name).sort(), ['beacon', 'newcomer']);
});
