import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ContainerStartError } from './runtime.js';
import { captureLogs, exampleModule, exitOf, spec, waitFor, withTempDir } from './test-support.js';
import { WasmRuntime } from './wasm-runtime.js';

const runtime = new WasmRuntime();
after(() => runtime.close());

const sensor = () => ({ path: exampleModule('sensor') });
const telemetry = () => ({ path: exampleModule('telemetry') });

test('a job runs to completion and its stdout is captured', async () => {
  const logs = captureLogs();
  const c = await runtime.start(
    spec({ module: sensor(), env: { SENSOR_ID: 'greenhouse-3', SAMPLES: '4' }, logSink: logs.sink }),
  );
  const result = await exitOf(c);
  assert.equal(result.exitCode, 0);
  assert.equal(result.reason, 'Completed');
  assert.ok(result.finishedAt instanceof Date);
  assert.equal(c.state, 'exited');
  const lines = logs.lines('stdout').map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines.map((l) => [l.sensor, l.seq]),
    [0, 1, 2, 3].map((i) => ['greenhouse-3', i]),
  );
  for (const l of lines) {
    assert.ok((l.temperature as number) >= 15 && (l.temperature as number) < 25);
    assert.ok((l.humidity as number) >= 30 && (l.humidity as number) < 70);
  }
  assert.equal(logs.text('stderr'), '');
});

test('arguments arrive: the seed argument makes the output reproducible', async () => {
  const run = async (args: string[]) => {
    const logs = captureLogs();
    const c = await runtime.start(
      spec({ module: sensor(), args, env: { SAMPLES: '3' }, logSink: logs.sink }),
    );
    assert.equal((await exitOf(c)).exitCode, 0);
    return logs.text('stdout');
  };
  const a = await run(['--seed', '42']);
  assert.equal(await run(['--seed=42']), a);
  assert.notEqual(await run(['--seed', '43']), a);
});

test('a failing module exits with its own code and its stderr is captured', async () => {
  const logs = captureLogs();
  const c = await runtime.start(spec({ module: sensor(), env: { SAMPLES: 'lots' }, logSink: logs.sink }));
  const result = await exitOf(c);
  assert.equal(result.exitCode, 2);
  assert.equal(result.reason, 'Error');
  assert.match(logs.text('stderr'), /SAMPLES must be a non-negative integer, got "lots"/);
  assert.equal(logs.text('stdout'), '');
});

test('a preopened volume is readable and writable', async () => {
  await withTempDir(async (dir) => {
    const run = async () => {
      const logs = captureLogs();
      const c = await runtime.start(
        spec({
          module: telemetry(),
          kind: 'service',
          env: { INTERVAL_MS: '5', ITERATIONS: '3', DEVICE_NAME: 'edge-7' },
          volumes: [{ hostPath: dir, mountPath: '/data', readOnly: false }],
          logSink: logs.sink,
        }),
      );
      const result = await exitOf(c);
      assert.equal(result.exitCode, 0, logs.text('stderr'));
      return logs.lines('stdout').map((l) => JSON.parse(l) as { seq: number; device: string });
    };
    const first = await run();
    assert.deepEqual(
      first.map((l) => l.seq),
      [0, 1, 2],
    );
    const file = join(dir, 'telemetry.jsonl');
    assert.deepEqual(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { seq: number }).seq),
      [0, 1, 2],
    );
    // The second run reads the file to continue the sequence: the volume is readable too.
    const second = await run();
    assert.deepEqual(
      second.map((l) => l.seq),
      [3, 4, 5],
    );
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 6);
    assert.equal(second[0]!.device, 'edge-7');
  });
});

test('a read-only volume can be read but not written', async () => {
  await withTempDir(async (dir) => {
    const file = join(dir, 'telemetry.jsonl');
    writeFileSync(file, '{}\n{}\n');
    const logs = captureLogs();
    const c = await runtime.start(
      spec({
        module: telemetry(),
        env: { INTERVAL_MS: '5', ITERATIONS: '1' },
        volumes: [{ hostPath: dir, mountPath: '/data', readOnly: true }],
        logSink: logs.sink,
      }),
    );
    const result = await exitOf(c);
    assert.equal(result.exitCode, 1);
    // It read the file (two lines: resume at 2) and then could not open it for appending: 76 is
    // WASI's ENOTCAPABLE, the directory lost its write rights.
    assert.match(logs.text('stderr'), /resuming at seq 2 from \/data\/telemetry\.jsonl/);
    assert.match(logs.text('stderr'), /cannot open \/data\/telemetry\.jsonl for appending: WASI errno 76/);
    assert.equal(readFileSync(file, 'utf8'), '{}\n{}\n');
  });
});

test('read-only and writable volumes side by side each keep their own rights', async () => {
  await withTempDir(async (ro) => {
    await withTempDir(async (rw) => {
      const logs = captureLogs();
      const c = await runtime.start(
        spec({
          module: telemetry(),
          env: { INTERVAL_MS: '5', ITERATIONS: '1' },
          // The read-only mount comes first: the restriction must land on the right descriptor.
          volumes: [
            { hostPath: ro, mountPath: '/config', readOnly: true },
            { hostPath: rw, mountPath: '/data', readOnly: false },
          ],
          logSink: logs.sink,
        }),
      );
      assert.equal((await exitOf(c)).exitCode, 0, logs.text('stderr'));
      assert.equal(readFileSync(join(rw, 'telemetry.jsonl'), 'utf8').trim().split('\n').length, 1);
    });
  });
});

test('a module that allocates past its memory limit is OOMKilled', async () => {
  const c = await runtime.start(
    spec({
      module: sensor(),
      env: { MODE: 'batch', SAMPLES: '50000000' },
      limits: { memoryBytes: 4 * 1024 * 1024 },
    }),
  );
  const result = await exitOf(c);
  assert.equal(result.reason, 'OOMKilled');
  assert.equal(result.exitCode, 137);
  assert.match(result.message ?? '', /limit/);
  assert.ok(c.stats().memoryBytes <= 4 * 1024 * 1024);

  // The same workload within its limit completes.
  const logs = captureLogs();
  const ok = await runtime.start(
    spec({
      module: sensor(),
      env: { MODE: 'batch', SAMPLES: '10000' },
      limits: { memoryBytes: 4 * 1024 * 1024 },
      logSink: logs.sink,
    }),
  );
  assert.equal((await exitOf(ok)).exitCode, 0);
  assert.equal((JSON.parse(logs.text('stdout')) as { count: number }).count, 10000);
});

test('a module whose initial memory exceeds the limit is OOMKilled at start', async () => {
  const c = await runtime.start(spec({ module: sensor(), limits: { memoryBytes: 16 * 1024 } }));
  const result = await exitOf(c);
  assert.equal(result.reason, 'OOMKilled');
  assert.match(result.message ?? '', /starts at \d+ pages/);
});

test('a service runs until stopped; stop wakes it from its sleep at once', async () => {
  const logs = captureLogs();
  const c = await runtime.start(
    spec({ module: telemetry(), kind: 'service', env: { INTERVAL_MS: '60000' }, logSink: logs.sink }),
  );
  await waitFor(() => logs.lines('stdout').length >= 1, 5_000, 'the first telemetry line');
  assert.equal(c.state, 'running');
  assert.ok(c.stats().memoryBytes >= 65536);
  const t = performance.now();
  await c.stop(30_000);
  assert.ok(performance.now() - t < 2_000, 'stop does not wait for the sleep to end');
  assert.equal(c.state, 'exited');
  const result = await exitOf(c);
  assert.equal(result.reason, 'Killed');
  assert.equal(result.exitCode, 137);
  await c.stop(0); // idempotent
});

test('compiled modules are cached per digest and memory cap', async () => {
  const rt = new WasmRuntime();
  try {
    for (let i = 0; i < 3; i++) {
      assert.equal(
        (await exitOf(await rt.start(spec({ module: sensor(), env: { SAMPLES: '1' } })))).exitCode,
        0,
      );
    }
    assert.deepEqual(rt.cache.stats(), { hits: 2, misses: 1, entries: 1 });
    await exitOf(
      await rt.start(spec({ module: sensor(), env: { SAMPLES: '1' }, limits: { memoryBytes: 1 << 20 } })),
    );
    assert.equal(rt.cache.stats().entries, 2);
  } finally {
    await rt.close();
  }
});

test('many containers run side by side, each in its own worker', async () => {
  const logs = Array.from({ length: 8 }, () => captureLogs());
  const started = await Promise.all(
    logs.map((l, i) =>
      runtime.start(
        spec({
          module: sensor(),
          containerName: `s${i}`,
          env: { SENSOR_ID: `s${i}`, SAMPLES: '2' },
          logSink: l.sink,
        }),
      ),
    ),
  );
  const results = await Promise.all(started.map((c) => exitOf(c)));
  assert.ok(results.every((r) => r.exitCode === 0));
  logs.forEach((l, i) => {
    assert.deepEqual(
      l.lines('stdout').map((x) => (JSON.parse(x) as { sensor: string }).sensor),
      [`s${i}`, `s${i}`],
    );
  });
  assert.equal(new Set(started.map((c) => c.id)).size, 8);
});

test('start rejects what cannot run, with the kubelet reason', async () => {
  await withTempDir(async (dir) => {
    const notWasm = join(dir, 'x.wasm');
    writeFileSync(notWasm, 'hello');
    const cases: [Parameters<typeof spec>[0], string, RegExp][] = [
      [{ module: { path: join(dir, 'missing.wasm') } }, 'CreateContainerError', /cannot read module/],
      [{ module: { path: notWasm } }, 'CreateContainerError', /not a WebAssembly binary/],
      [
        { module: sensor(), volumes: [{ hostPath: join(dir, 'nope'), mountPath: '/data', readOnly: false }] },
        'CreateContainerConfigError',
        /not a directory/,
      ],
      [
        { module: sensor(), env: { 'A=B': 'x' } },
        'CreateContainerConfigError',
        /invalid environment variable/,
      ],
      [{ module: sensor(), kind: 'http-handler' }, 'CreateContainerConfigError', /needs a TCP port/],
    ];
    for (const [s, reason, message] of cases) {
      await assert.rejects(runtime.start(spec(s)), (err: unknown) => {
        assert.ok(err instanceof ContainerStartError, String(err));
        assert.equal(err.reason, reason);
        assert.match(err.message, message);
        return true;
      });
    }
  });
});
