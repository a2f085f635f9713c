/**
 * The agent behind a real (virtual) link: the agent runs in its own network namespace joined to the
 * hub by a veth pair, so the test can (1) count every byte on the link, Ethernet, IP and TCP headers,
 * ACKs and keep-alives included, and (2) take the link down silently (no RST, packets vanish), the
 * way a device drives out of radio range. Needs root and iproute2; skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import { KubeClient } from '../src/client/index.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { eventually, processesWith, processPod } from './agent-harness.test.js';
import { CLI_PATH, makeTempDir, removeDir } from './support/hub-process.js';

const id = process.pid % 10_000;
const NS = `minato-e2e-${id}`;
const HOST_IF = `mzh${id}`;
const DEV_IF = `mzd${id}`;
const NET = `10.${77 + (id % 100)}.${id % 250}`;
const HUB_IP = `${NET}.1`;
const DEV_IP = `${NET}.2`;
const NODE = 'netns-device';

function whyNotPossible(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (process.getuid?.() !== 0) return 'creating a network namespace needs root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return 'iproute2 ("ip") is not installed';
  }
  return undefined;
}
const skip = whyNotPossible();

const ip = (...args: string[]) => execFileSync('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const counter = (name: string) =>
  Number(readFileSync(`/sys/class/net/${HOST_IF}/statistics/${name}`, 'utf8'));

interface Proc {
  child: ChildProcess;
  output(): string;
  exited: Promise<unknown>;
}

function run(command: string, args: string[]): Proc {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (c) => {
    out += c;
  });
  child.stderr!.on('data', (c) => {
    out += c;
  });
  return { child, output: () => out, exited: new Promise((r) => child.once('exit', r)) };
}

async function stop(p: Proc | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 10_000);
  await p.exited;
  clearTimeout(timer);
}

let root: string;
let hub: Proc | undefined;
let agent: Proc | undefined;
let api: KubeClient;

before(async () => {
  if (skip) return;
  root = makeTempDir('agent-netns');
  ip('netns', 'add', NS);
  ip('link', 'add', HOST_IF, 'type', 'veth', 'peer', 'name', DEV_IF);
  ip('link', 'set', DEV_IF, 'netns', NS);
  ip('addr', 'add', `${HUB_IP}/24`, 'dev', HOST_IF);
  ip('link', 'set', HOST_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'addr', 'add', `${DEV_IP}/24`, 'dev', DEV_IF);
  ip('netns', 'exec', NS, 'ip', 'link', 'set', DEV_IF, 'up');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', 'lo', 'up');

  const hubDir = join(root, 'hub');
  hub = run(process.execPath, [
    CLI_PATH,
    'up',
    '--data-dir',
    hubDir,
    '--port',
    '0',
    '--host',
    HUB_IP,
    '--advertise',
    HUB_IP,
  ]);
  const joinLine = await eventually(
    () => /minato agent (--server \S+ --token \S+ --ca-cert-hash \S+)/.exec(hub!.output()) ?? undefined,
    `the hub's join line:\n${hub.output()}`,
    30_000,
  );
  api = new KubeClient(loadKubeconfig(join(hubDir, 'admin.kubeconfig')));
  const args = joinLine[1]!.split(' ');
  agent = run('ip', [
    'netns',
    'exec',
    NS,
    process.execPath,
    CLI_PATH,
    'agent',
    ...args,
    '--name',
    NODE,
    '--data-dir',
    join(root, 'device'),
    '--local-api',
    'off',
  ]);
  await eventually(
    () => /link: connected to/.test(agent!.output()),
    `the agent to connect:\n${agent.output()}`,
    30_000,
  );
  await api.create('/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'beacon-config' },
    data: { every: '1000' },
  });
  const pod = processPod(
    'radio-beacon',
    NODE,
    "setInterval(() => console.log('beep'), Number(process.env.EVERY))",
  );
  pod.spec.containers[0].env = [
    { name: 'EVERY', valueFrom: { configMapKeyRef: { name: 'beacon-config', key: 'every' } } },
  ];
  await api.create('/api/v1/namespaces/default/pods', pod);
  await eventually(
    async () =>
      (await api.get<KubeObject>('/api/v1/namespaces/default/pods/radio-beacon')).status
        ?.containerStatuses?.[0]?.ready,
    'the pod to run',
  );
});

after(async () => {
  if (skip) return;
  await stop(agent);
  api?.close();
  await stop(hub);
  try {
    ip('netns', 'delete', NS); // also removes the veth pair
  } catch {
    // already gone
  }
  try {
    ip('link', 'delete', HOST_IF);
  } catch {
    // removed with the namespace
  }
  removeDir(root);
});

test('idle link traffic, every byte on the veth (frames, TCP/IP headers, ACKs, keep-alives)', {
  skip,
}, async () => {
  await new Promise((r) => setTimeout(r, 15_000)); // let the first link-quality writes settle
  const seconds = 30;
  const start = {
    rx: counter('rx_bytes'),
    tx: counter('tx_bytes'),
    rxp: counter('rx_packets'),
    txp: counter('tx_packets'),
  };
  await new Promise((r) => setTimeout(r, seconds * 1000));
  // On the hub's side of the veth: rx is what the device sent, tx what it received.
  const up = (counter('rx_bytes') - start.rx) / seconds;
  const down = (counter('tx_bytes') - start.tx) / seconds;
  const packets = (counter('rx_packets') - start.rxp + counter('tx_packets') - start.txp) / seconds;
  console.log(
    `# idle agent, real link: ${up.toFixed(0)} B/s up, ${down.toFixed(0)} B/s down, ${packets.toFixed(1)} packets/s (${(((up + down) * 86_400) / 1e6).toFixed(1)} MB/day); lease every 2 s, 1 pod, 1 ConfigMap watch, pod watch, tunnel`,
  );
  assert.ok(up + down < 2_500, `${(up + down).toFixed(0)} B/s`);
});

test('the link goes silent for 10 s (no RST, packets dropped): nothing restarts, the agent comes back by itself', {
  skip,
}, async () => {
  const before = (await api.get<KubeObject>('/api/v1/namespaces/default/pods/radio-beacon')).status
    .containerStatuses[0];
  const mark = agent!.output().length;
  ip('netns', 'exec', NS, 'ip', 'link', 'set', DEV_IF, 'down');
  await eventually(
    () => /link: lost the hub/.test(agent!.output().slice(mark)),
    'the agent to notice',
    20_000,
  );
  await new Promise((r) => setTimeout(r, 5_000));
  assert.equal(processesWith('marker-radio-beacon').length, 1, 'the pod kept running');
  ip('netns', 'exec', NS, 'ip', 'link', 'set', DEV_IF, 'up');
  await eventually(
    () => /link: back online after/.test(agent!.output().slice(mark)),
    'the agent to reconnect',
    45_000,
  );
  const after_ = (await api.get<KubeObject>('/api/v1/namespaces/default/pods/radio-beacon')).status
    .containerStatuses[0];
  assert.equal(after_.containerID, before.containerID);
  assert.equal(after_.restartCount, 0);
  assert.equal(processesWith('marker-radio-beacon').length, 1);
  const node = await eventually(async () => {
    const n = await api.get<KubeObject>(`/api/v1/nodes/${NODE}`);
    const ready = n.status.conditions.find((c: { type: string }) => c.type === 'Ready');
    return ready.status === 'True' ? n : undefined;
  }, 'Ready=True again');
  assert.ok(
    Number(node.metadata.annotations?.['minato.dev/link-failures'] ?? 0) >= 1,
    'the failures were published',
  );
});
