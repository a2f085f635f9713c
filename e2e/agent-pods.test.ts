/**
 * Pods on a device: a WASI job and a native process run with their ConfigMap/Secret environment,
 * report status like a kubelet, restart under their policy, serve logs to `kubectl logs` (through
 * the device tunnel) and to the local API, and stop gracefully when deleted, with the deletion
 * confirmed by the agent.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
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
  processesWith,
  processPod,
  startAgent,
  startHub,
} from './agent-harness.test.js';
import { type HubProcess, makeTempDir, removeDir } from './support/hub-process.js';
import { Kubectl, kubectlOnPath } from './support/kubectl.js';

const SENSOR = fileURLToPath(new URL('../../examples/sensor/build/sensor.wasm', import.meta.url));
const HELLO_HTTP = fileURLToPath(new URL('../../examples/hello-http/build/hello-http.wasm', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}
const NODE = 'robot-1';

let hub: HubProcess;
let root: string;
let api: KubeClient;
let agent: AgentProcess;
let kubectl: Kubectl;

const podPath = (name: string) => `/api/v1/namespaces/default/pods/${name}`;
const getPod = (name: string) => api.get<KubeObject>(podPath(name));

before(async () => {
  root = makeTempDir('agent-pods');
  hub = await startHub({ dataDir: join(root, 'hub') });
  api = adminClient(hub);
  kubectl = new Kubectl(hub.kubeconfig, join(root, 'kube-cache'), kubectlOnPath());
  agent = await startAgent(
    agentArgs(await joinInfo(hub), NODE, join(root, NODE), ['--lease-interval', '1s']),
  );
  await agent.waitFor(/link: connected to/);
  await api.create('/api/v1/namespaces/default/configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'robot-config' },
    data: { greeting: 'hello from a configmap', 'sensor-id': 'lidar-7' },
  });
  await api.create('/api/v1/namespaces/default/secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'robot-secret' },
    data: { token: Buffer.from('s3cret').toString('base64') },
  });
});

after(async () => {
  await agent?.stop();
  api?.close();
  await hub?.stop();
  removeDir(root);
});

test('a native process pod runs with env from a ConfigMap and a Secret, and reports kubelet-style status', async () => {
  const pod = processPod(
    'ticker',
    NODE,
    "let i = 0; setInterval(() => console.log('tick', i++, process.env.GREETING, process.env.TOKEN), 200)",
  );
  pod.spec.containers[0].env = [
    { name: 'GREETING', valueFrom: { configMapKeyRef: { name: 'robot-config', key: 'greeting' } } },
    { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'robot-secret', key: 'token' } } },
  ];
  await api.create('/api/v1/namespaces/default/pods', pod);
  const running = await eventually(async () => {
    const p = await getPod('ticker');
    return p.status?.phase === 'Running' && p.status.containerStatuses?.[0]?.ready ? p : undefined;
  }, 'the pod to be Running and ready');
  const status = running.status;
  assert.equal(status.hostIP, status.podIP);
  assert.ok(status.startTime);
  const types = status.conditions
    .map((c: { type: string; status: string }) => `${c.type}=${c.status}`)
    .sort();
  assert.deepEqual(types, [
    'ContainersReady=True',
    'Initialized=True',
    'PodReadyToStartContainers=True',
    'PodScheduled=True',
    'Ready=True',
  ]);
  const cs = status.containerStatuses[0];
  assert.match(cs.containerID, /^minato:\/\//);
  assert.equal(cs.restartCount, 0);
  assert.ok(cs.state.running.startedAt);
  assert.equal(cs.imageID, `path://${process.execPath}`);

  // Logs: through the hub and the device tunnel (kubectl logs), and from the local API.
  const logs = await eventually(async () => {
    const r = await kubectl.run(['logs', 'ticker', '--tail=2']);
    return r.code === 0 && r.stdout.includes('tick') ? r.stdout : undefined;
  }, 'kubectl logs');
  assert.match(logs, /tick \d+ hello from a configmap s3cret\n/);
  const local = await (
    await fetch(`${agent.localApi}/logs/default/ticker/main?tailLines=1&timestamps=true`)
  ).text();
  assert.match(local, /^\d{4}-\d\d-\d\dT[\d:.]+Z tick \d+ hello from a configmap s3cret\n$/);
  assert.equal((await fetch(`${agent.localApi}/logs/default/ticker/nope`)).status, 400);
  assert.equal((await fetch(`${agent.localApi}/logs/default/absent/main`)).status, 404);
});

test('deleting a pod stops its process within the grace period and the agent confirms the deletion', async () => {
  assert.equal(processesWith('marker-ticker').length, 1);
  const started = Date.now();
  const r = await kubectl.run(['delete', 'pod', 'ticker', '--timeout=30s']);
  assert.equal(r.code, 0, r.stderr);
  assert.ok(Date.now() - started < 10_000, `kubectl delete took ${Date.now() - started} ms`);
  await assert.rejects(getPod('ticker'), (err: { code?: number }) => err.code === 404);
  await eventually(() => processesWith('marker-ticker').length === 0, 'the process to be gone', 5_000);
  const status = await agent.status();
  assert.equal(status.pods.length, 0);
});

test('a crashing container restarts under restartPolicy Always with CrashLoopBackOff', async () => {
  await api.create(
    '/api/v1/namespaces/default/pods',
    processPod('crasher', NODE, "console.log('starting'); process.exit(3)"),
  );
  const p = await eventually(async () => {
    const pod = await getPod('crasher');
    const cs = pod.status?.containerStatuses?.[0];
    return cs?.restartCount >= 1 && cs.lastState?.terminated ? pod : undefined;
  }, 'a restart with lastState terminated');
  const cs = p.status.containerStatuses[0];
  assert.equal(cs.lastState.terminated.exitCode, 3);
  assert.equal(cs.lastState.terminated.reason, 'Error');
  await eventually(
    async () =>
      (await getPod('crasher')).status.containerStatuses[0].state.waiting?.reason === 'CrashLoopBackOff',
    'CrashLoopBackOff',
  );
  const previous = await kubectl.run(['logs', 'crasher', '--previous']);
  assert.equal(previous.stdout, 'starting\n');
  await api.delete(podPath('crasher'));
  await eventually(
    async () =>
      getPod('crasher').then(
        () => false,
        () => true,
      ),
    'crasher to be deleted',
  );
});

test('a WASI job (the sensor example) runs to completion: phase Succeeded, logs kept', async () => {
  await api.create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'sensor' },
    spec: {
      nodeName: NODE,
      restartPolicy: 'OnFailure',
      containers: [
        {
          name: 'sensor',
          image: `file://${SENSOR}`,
          args: ['--seed=7'],
          env: [
            { name: 'SAMPLES', value: '3' },
            { name: 'SENSOR_ID', valueFrom: { configMapKeyRef: { name: 'robot-config', key: 'sensor-id' } } },
          ],
        },
      ],
    },
  });
  const done = await eventually(async () => {
    const p = await getPod('sensor');
    return p.status?.phase === 'Succeeded' ? p : undefined;
  }, 'the job to succeed');
  const cs = done.status.containerStatuses[0];
  assert.equal(cs.state.terminated.exitCode, 0);
  assert.equal(cs.state.terminated.reason, 'Completed');
  assert.match(cs.imageID, /^sha256:[0-9a-f]{64}$/);
  const readyCondition = done.status.conditions.find((c: { type: string }) => c.type === 'Ready');
  assert.equal(readyCondition.reason, 'PodCompleted');
  const logs = await kubectl.run(['logs', 'sensor']);
  const lines = logs.stdout.trim().split('\n');
  assert.equal(lines.length, 3, logs.stdout);
  assert.ok(
    lines.every((l) => l.includes('lidar-7')),
    logs.stdout,
  );
  // A finished pod is deleted at once (no containers to stop).
  await api.delete(podPath('sensor'));
  await eventually(
    async () =>
      getPod('sensor').then(
        () => false,
        () => true,
      ),
    'sensor to be deleted',
  );
});

test('a pod whose module cannot be found waits with ErrImagePull and a message naming the path', async () => {
  await api.create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'missing-module' },
    spec: { nodeName: NODE, containers: [{ name: 'app', image: 'modules/not-there.wasm' }] },
  });
  const p = await eventually(async () => {
    const pod = await getPod('missing-module');
    return pod.status?.containerStatuses?.[0]?.state?.waiting ? pod : undefined;
  }, 'a waiting container');
  const waiting = p.status.containerStatuses[0].state.waiting;
  assert.equal(waiting.reason, 'ErrImagePull');
  assert.match(waiting.message, /not-there\.wasm does not exist/);
  assert.equal(p.status.phase, 'Pending');
  await api.delete(podPath('missing-module'));
});

test('a WAGI handler (runtime wagi) serves HTTP on its containerPort, with the downward API in its env', async () => {
  const port = await freePort();
  await api.create('/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'hello', annotations: { 'minato.dev/runtime': 'wagi' } },
    spec: {
      nodeName: NODE,
      containers: [
        {
          name: 'web',
          image: HELLO_HTTP,
          ports: [{ containerPort: port }],
          env: [{ name: 'DEVICE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }],
        },
      ],
    },
  });
  await eventually(
    async () => (await getPod('hello')).status?.containerStatuses?.[0]?.ready,
    'the handler to be ready',
  );
  const reply = await eventually(async () => {
    const res = await fetch(`http://127.0.0.1:${port}/status?x=1`);
    return res.ok ? ((await res.json()) as { device: string; path: string }) : undefined;
  }, 'an HTTP answer');
  assert.equal(reply.device, NODE);
  assert.equal(reply.path, '/status');
  await api.delete(podPath('hello'));
  await eventually(
    async () =>
      getPod('hello').then(
        () => false,
        () => true,
      ),
    'hello to be deleted',
  );
  await assert.rejects(fetch(`http://127.0.0.1:${port}/`));
});
