/**
 * What an agent costs the device, measured and printed: resident memory (VmRSS) idle, and with N
 * long-running WASI pods (the telemetry example, one worker thread each), and how long the pods
 * take to be Running. Budgets are loose; the printed figures are the point.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/api/types.js';
import type { KubeClient } from '../src/client/index.js';
import {
  type AgentProcess,
  adminClient,
  agentArgs,
  eventually,
  joinInfo,
  startAgent,
  startHub,
} from './agent-harness.test.js';
import { type HubProcess, makeTempDir, removeDir } from './support/hub-process.js';

const TELEMETRY = fileURLToPath(new URL('../../examples/telemetry/build/telemetry.wasm', import.meta.url));
const NODE = 'gateway-1';
const PODS = Number(process.env.MINATO_FOOTPRINT_PODS ?? 10);

let root: string;
let hub: HubProcess;
let api: KubeClient;
let agent: AgentProcess;

const rssMiB = (pid: number) => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) / 1024;
};

before(async () => {
  root = makeTempDir('agent-footprint');
  hub = await startHub({ dataDir: join(root, 'hub') });
  api = adminClient(hub);
  agent = await startAgent(
    agentArgs(await joinInfo(hub), NODE, join(root, NODE), ['--device-class', 'gateway']),
  );
  await agent.waitFor(/link: connected to/);
});

after(async () => {
  await agent?.stop();
  api?.close();
  await hub?.stop();
  removeDir(root);
});

test(`agent memory idle and with ${PODS} WASI pods`, async () => {
  await new Promise((r) => setTimeout(r, 3_000));
  const idleJoined = rssMiB(agent.pid);
  // The steady state of a device: restarted with its saved identity (no X.509 library loaded).
  await agent.stop();
  agent = await startAgent([
    '--server',
    (await joinInfo(hub)).server,
    '--name',
    NODE,
    '--data-dir',
    join(root, NODE),
    '--local-api',
    '127.0.0.1:0',
  ]);
  await agent.waitFor(/link: connected to/);
  await new Promise((r) => setTimeout(r, 3_000));
  const idle = rssMiB(agent.pid);
  const started = Date.now();
  for (let i = 0; i < PODS; i++) {
    await api.create('/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `telemetry-${i}` },
      spec: {
        nodeName: NODE,
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          {
            name: 'telemetry',
            image: `file://${TELEMETRY}`,
            env: [{ name: 'INTERVAL_MS', value: '1000' }],
            volumeMounts: [{ name: 'data', mountPath: '/data' }],
            resources: { limits: { memory: '16Mi' } },
          },
        ],
      },
    });
  }
  await eventually(
    async () => {
      const list = await api.list<KubeObject>(`/api/v1/pods?fieldSelector=spec.nodeName=${NODE}`);
      return list.items.filter((p) => p.status?.containerStatuses?.[0]?.ready).length === PODS;
    },
    `${PODS} pods ready`,
    60_000,
  );
  const readyMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 5_000));
  const loaded = rssMiB(agent.pid);
  const status = await agent.status();
  assert.equal(status.pods.length, PODS);
  const restarts = status.pods.reduce(
    (n: number, p: { containers: { restartCount: number }[] }) => n + p.containers[0]!.restartCount,
    0,
  );
  console.log(
    `# agent RSS: ${idleJoined.toFixed(0)} MiB idle right after joining, ${idle.toFixed(0)} MiB idle after a restart; ${loaded.toFixed(0)} MiB with ${PODS} WASI service pods (${((loaded - idle) / PODS).toFixed(1)} MiB per pod); ${PODS} pods Running ${readyMs} ms after the first create`,
  );
  assert.equal(restarts, 0);
  assert.ok(idle < 150, `idle RSS ${idle.toFixed(0)} MiB`);
});
