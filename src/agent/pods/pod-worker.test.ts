import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { KubeObject } from '../../api/types.js';
import {
  type ContainerSpec,
  type ContainerStats,
  ExitLatch,
  type ExitResult,
  type RunningContainer,
  type Runtime,
} from '../runtimes/index.js';
import type { PersistedPod, PodRuntimeRecord } from '../state/agent-state.js';
import { type ObjectRef, refKey } from './config-refs.js';
import { ModuleResolver } from './modules.js';
import { PodWorker } from './pod-worker.js';

const dataDir = mkdtempSync(join(tmpdir(), 'minato-worker-'));
writeFileSync(join(dataDir, 'app.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
after(() => rmSync(dataDir, { recursive: true, force: true }));

class FakeContainer implements RunningContainer {
  readonly startedAt = new Date();
  readonly latch = new ExitLatch();
  stoppedWith: number | undefined;
  constructor(
    readonly id: string,
    readonly spec: ContainerSpec,
  ) {}
  get state() {
    return this.latch.exited ? ('exited' as const) : ('running' as const);
  }
  onExit(cb: (r: ExitResult) => void) {
    this.latch.onExit(cb);
  }
  exit(code: number) {
    this.latch.settle({ exitCode: code, reason: code === 0 ? 'Completed' : 'Error' });
  }
  async stop(graceMs: number) {
    this.stoppedWith = graceMs;
    this.latch.settle({ exitCode: 143, reason: 'Error', message: 'stopped' });
  }
  stats(): ContainerStats {
    return { memoryBytes: 1 };
  }
}

class FakeRuntime implements Runtime {
  readonly name = 'wasm';
  readonly started: FakeContainer[] = [];
  async start(spec: ContainerSpec) {
    const c = new FakeContainer(
      `wasm://${spec.podUid.slice(0, 4)}-${spec.containerName}-${this.started.length}`,
      spec,
    );
    this.started.push(c);
    return c;
  }
}

function setup(
  podSpec: Record<string, unknown>,
  record?: PodRuntimeRecord,
  objects = new Map<string, KubeObject>(),
) {
  const runtime = new FakeRuntime();
  const saved: PersistedPod[] = [];
  let changes = 0;
  const pod: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'p',
      namespace: 'default',
      uid: `uid-${Math.random().toString(16).slice(2)}`,
      resourceVersion: '1',
    },
    spec: { containers: [{ name: 'main', image: 'app.wasm' }], ...podSpec },
  };
  const worker = new PodWorker(pod, record, {
    dataDir,
    logDir: join(dataDir, 'logs'),
    maxLogBytes: 10_000,
    facts: { nodeName: 'n', hostIP: '10.0.0.1', podIP: '10.0.0.1' },
    runtime: () => runtime,
    modules: new ModuleResolver(dataDir),
    config: (ref: ObjectRef) => objects.get(refKey(ref)),
    configPending: () => false,
    restartBackoff: { initialMs: 40, maxMs: 200, resetAfterMs: 60_000 },
    retryMs: 30,
    persist: (r) => saved.push(structuredClone(r)),
    changed: () => {
      changes++;
    },
    log: () => {},
  });
  return { worker, runtime, saved, objects, changes: () => changes };
}

const until = async (check: () => boolean, what: string, ms = 2000) => {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
};

test('restartPolicy Always: the first crash restarts at once, the next ones back off (CrashLoopBackOff)', async () => {
  const { worker, runtime } = setup({});
  worker.start();
  await until(() => runtime.started.length === 1, 'first start');
  assert.deepEqual(runtime.started[0]!.spec.kind, 'service');
  runtime.started[0]!.exit(1);
  await until(() => runtime.started.length === 2, 'immediate restart');
  runtime.started[1]!.exit(1);
  await new Promise((r) => setTimeout(r, 5));
  const view = worker.views().app[0]!;
  assert.equal(view.waiting?.reason, 'CrashLoopBackOff');
  assert.equal(view.record.restartCount, 2);
  assert.equal(view.record.lastTermination?.exitCode, 1);
  await until(() => runtime.started.length === 3, 'restart after the backoff');
  await worker.shutdown(0);
});

test('restartPolicy OnFailure: a clean exit finishes the pod as Succeeded', async () => {
  const { worker, runtime, saved } = setup({ restartPolicy: 'OnFailure' });
  worker.start();
  await until(() => runtime.started.length === 1, 'start');
  assert.equal(runtime.started[0]!.spec.kind, 'job');
  runtime.started[0]!.exit(0);
  await until(() => worker.record.finishedPhase !== undefined, 'finish');
  assert.equal(worker.record.finishedPhase, 'Succeeded');
  assert.equal(saved.at(-1)!.runtime.finishedPhase, 'Succeeded');
  assert.equal(worker.views().app[0]!.finished, true);
});

test('deletion stops containers with the grace period and records the end', async () => {
  const { worker, runtime } = setup({ terminationGracePeriodSeconds: 7 });
  worker.start();
  await until(() => runtime.started.length === 1, 'start');
  await worker.terminate();
  assert.equal(runtime.started[0]!.stoppedWith, 7000);
  assert.equal(worker.record.terminated, true);
  assert.equal(worker.record.finishedPhase, 'Failed');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(runtime.started.length, 1, 'never restarted after termination');
});

test('after an agent restart, a container that was running is recorded as interrupted and started again', async () => {
  const record: PodRuntimeRecord = {
    startTime: '2026-01-01T00:00:00Z',
    containers: {
      main: { restartCount: 4, containerID: 'minato://wasm-old', startedAt: '2026-01-01T00:00:01Z' },
    },
  };
  const { worker, runtime } = setup({}, record);
  worker.start();
  await until(() => runtime.started.length === 1, 'resumed start');
  const rec = worker.views().app[0]!.record;
  assert.equal(rec.restartCount, 5);
  assert.equal(rec.lastTermination?.reason, 'Unknown');
  assert.equal(rec.lastTermination?.containerID, 'minato://wasm-old');
  assert.equal(worker.record.startTime, '2026-01-01T00:00:00Z');
  await worker.shutdown(0);
});

test('after an agent restart, a finished pod is not run again, and a Never pod that was interrupted fails', async () => {
  const done = setup({}, { containers: { main: { restartCount: 0 } }, finishedPhase: 'Succeeded' });
  done.worker.start();
  const never = setup(
    { restartPolicy: 'Never' },
    {
      containers: { main: { restartCount: 0, containerID: 'minato://x', startedAt: '2026-01-01T00:00:01Z' } },
    },
  );
  never.worker.start();
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(done.runtime.started.length, 0);
  assert.equal(never.runtime.started.length, 0);
  assert.equal(never.worker.record.finishedPhase, 'Failed');
});

test('a missing ConfigMap holds the container in CreateContainerConfigError until it appears', async () => {
  const { worker, runtime, objects } = setup({
    containers: [
      {
        name: 'main',
        image: 'app.wasm',
        env: [{ name: 'X', valueFrom: { configMapKeyRef: { name: 'cfg', key: 'x' } } }],
      },
    ],
  });
  worker.start();
  await until(() => worker.views().app[0]!.waiting?.reason === 'CreateContainerConfigError', 'config error');
  assert.equal(runtime.started.length, 0);
  objects.set('configmaps/default/cfg', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg' },
    data: { x: '42' },
  });
  worker.configChanged();
  await until(() => runtime.started.length === 1, 'start after the ConfigMap arrived');
  assert.equal(runtime.started[0]!.spec.env.X, '42');
  await worker.shutdown(0);
});

test('init containers run first, in order; app containers start after they succeed', async () => {
  const { worker, runtime } = setup({
    initContainers: [
      { name: 'one', image: 'app.wasm' },
      { name: 'two', image: 'app.wasm' },
    ],
  });
  worker.start();
  await until(() => runtime.started.length === 1, 'first init');
  assert.equal(runtime.started[0]!.spec.containerName, 'one');
  runtime.started[0]!.exit(0);
  await until(() => runtime.started.length === 2, 'second init');
  assert.equal(runtime.started[1]!.spec.containerName, 'two');
  runtime.started[1]!.exit(0);
  await until(() => runtime.started.length === 3, 'app');
  assert.equal(runtime.started[2]!.spec.containerName, 'main');
  assert.equal(worker.record.initDone, true);
  await worker.shutdown(0);
});

test('an image that is not a module this agent can run waits with a clear reason', async () => {
  const { worker, runtime } = setup({ containers: [{ name: 'main', image: 'nginx:latest' }] });
  worker.start();
  await until(() => worker.views().app[0]!.waiting !== undefined, 'waiting');
  assert.equal(worker.views().app[0]!.waiting?.reason, 'InvalidImageName');
  assert.match(
    worker.views().app[0]!.waiting?.message ?? '',
    /file path, a file:\/\/ URL, or https:\/\/…#sha256=/,
  );
  assert.equal(runtime.started.length, 0);
  await worker.shutdown(0);
});
