import assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ProcessRuntime } from './process-runtime.js';
import { ContainerStartError } from './runtime.js';
import { captureLogs, exitOf, spec, waitFor, withTempDir } from './test-support.js';

// Every container here is Node itself (process.execPath) running a script given with -e: a real
// native executable, started without a shell.
const runtime = new ProcessRuntime({ pollIntervalMs: 50 });
after(() => runtime.close());

const node = { path: process.execPath };
const script = (source: string, ...rest: string[]) => ['-e', source, ...rest];

test('runs an executable with args and env; stdout and stderr are captured; exit 0 is Completed', async () => {
  const logs = captureLogs();
  const c = await runtime.start(
    spec({
      module: node,
      args: script(
        'console.log(JSON.stringify({ args: process.argv.slice(1), greeting: process.env.GREETING, path: process.env.PATH ?? null, host: process.env.HOSTNAME })); console.error("to stderr")',
        'one',
        'two words',
      ),
      env: { GREETING: 'hi there' },
      logSink: logs.sink,
    }),
  );
  const result = await exitOf(c);
  assert.equal(result.exitCode, 0);
  assert.equal(result.reason, 'Completed');
  assert.deepEqual(JSON.parse(logs.text('stdout')), {
    args: ['one', 'two words'],
    greeting: 'hi there',
    // The agent's own environment is not inherited.
    path: null,
    host: 'test-pod',
  });
  assert.equal(logs.text('stderr'), 'to stderr\n');
});

test('a non-zero exit code is reported as Error with that code', async () => {
  const c = await runtime.start(spec({ module: node, args: script('process.exit(3)') }));
  const result = await exitOf(c);
  assert.equal(result.exitCode, 3);
  assert.equal(result.reason, 'Error');
});

test('the working directory is applied', async () => {
  await withTempDir(async (dir) => {
    const logs = captureLogs();
    const c = await runtime.start(
      spec({ module: node, args: script('console.log(process.cwd())'), workingDir: dir, logSink: logs.sink }),
    );
    assert.equal((await exitOf(c)).exitCode, 0);
    assert.equal(logs.text('stdout').trim(), realpathSync(dir));
  });
});

test('stop sends SIGTERM first: a process that handles it exits on its own terms', async () => {
  const logs = captureLogs();
  const c = await runtime.start(
    spec({
      module: node,
      kind: 'service',
      args: script(
        'process.on("SIGTERM", () => { console.log("draining"); setTimeout(() => process.exit(0), 50); }); console.log("up"); setInterval(() => {}, 1000);',
      ),
      logSink: logs.sink,
    }),
  );
  await waitFor(() => logs.text('stdout').includes('up'), 5_000, 'the process to start');
  assert.equal(c.state, 'running');
  await c.stop(5_000);
  const result = await exitOf(c);
  assert.equal(result.exitCode, 0);
  assert.equal(result.reason, 'Completed');
  assert.equal(logs.text('stdout'), 'up\ndraining\n');
});

test('stop sends SIGKILL after the grace period to a process that ignores SIGTERM', async () => {
  const logs = captureLogs();
  const c = await runtime.start(
    spec({
      module: node,
      kind: 'service',
      args: script('process.on("SIGTERM", () => {}); console.log("up"); setInterval(() => {}, 1000);'),
      logSink: logs.sink,
    }),
  );
  await waitFor(() => logs.text('stdout').includes('up'), 5_000, 'the process to start');
  const t = performance.now();
  await c.stop(300);
  const took = performance.now() - t;
  const result = await exitOf(c);
  assert.equal(result.reason, 'Killed');
  assert.equal(result.exitCode, 137);
  assert.ok(took >= 250 && took < 3_000, `stop took ${took} ms`);
});

test('stop with no grace period kills at once', async () => {
  const c = await runtime.start(
    spec({ module: node, kind: 'service', args: script('setInterval(() => {}, 1000)') }),
  );
  await c.stop(0);
  const result = await exitOf(c);
  assert.equal(result.reason, 'Killed');
  assert.equal(result.exitCode, 137);
});

test('a process that goes over its memory limit is OOMKilled', async () => {
  const c = await runtime.start(
    spec({
      module: node,
      kind: 'service',
      // Grows by 16 MiB of touched memory every 20 ms, up to 1 GiB.
      args: script(
        'const keep = []; const t = setInterval(() => { keep.push(Buffer.alloc(16 << 20, 1)); if (keep.length > 64) clearInterval(t); }, 20);',
      ),
      limits: { memoryBytes: 200 * 1024 * 1024 },
    }),
  );
  const result = await exitOf(c, 20_000);
  assert.equal(result.reason, 'OOMKilled');
  assert.equal(result.exitCode, 137);
  assert.match(result.message ?? '', /above the limit of 209715200 bytes/);
});

test('stats report resident memory and CPU time', async () => {
  const c = await runtime.start(
    spec({
      module: node,
      kind: 'service',
      // Burns 300 ms of CPU time (however long that takes on a busy machine), then idles.
      args: script(
        'let x = 0; while (process.cpuUsage().user < 300000) x++; console.log(x > 0); setInterval(() => {}, 1000);',
      ),
    }),
  );
  try {
    await waitFor(() => (c.stats().cpuMillis ?? 0) >= 250, 20_000, 'CPU time to be measured');
    assert.ok(c.stats().memoryBytes > 1024 * 1024);
  } finally {
    await c.stop(0);
  }
});

test('an executable that cannot be started is a ContainerStartError', async () => {
  await withTempDir(async (dir) => {
    await assert.rejects(
      runtime.start(spec({ module: { path: join(dir, 'no-such-binary') } })),
      (err: unknown) => {
        assert.ok(err instanceof ContainerStartError);
        assert.equal(err.reason, 'CreateContainerError');
        assert.match(err.message, /ENOENT/);
        return true;
      },
    );
    await assert.rejects(
      runtime.start(spec({ module: node, workingDir: join(dir, 'missing') })),
      (err: unknown) => err instanceof ContainerStartError && err.reason === 'CreateContainerConfigError',
    );
    await assert.rejects(
      runtime.start(spec({ module: node, kind: 'http-handler' })),
      (err: unknown) => err instanceof ContainerStartError && err.reason === 'CreateContainerConfigError',
    );
  });
});

test('inheritEnv passes chosen variables of the agent through', async () => {
  const rt = new ProcessRuntime({ inheritEnv: ['PATH'] });
  const logs = captureLogs();
  const c = await rt.start(
    spec({ module: node, args: script('console.log(process.env.PATH)'), logSink: logs.sink }),
  );
  await exitOf(c);
  assert.equal(logs.text('stdout').trim(), process.env.PATH);
});
