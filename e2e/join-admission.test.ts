/**
 * Join admission: a hub whose event loop lags answers a new device's CSR with 429 and a Retry-After;
 * the agent waits (with jitter), says so, and joins once the hub has calmed down. Hub and agent run
 * in this process, so a deliberate busy loop here is the hub's overload.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type RunningAgent, runAgent } from '../src/agent/agent.js';
import { createToken } from '../src/cli/token.js';
import { type RunningHub, startHub } from '../src/hub/hub.js';
import { makeTempDir, removeDir } from './support/hub-process.js';

let root: string;
let hub: RunningHub;
let agent: RunningAgent | undefined;

before(async () => {
  root = makeTempDir('join-admission');
  hub = await startHub({
    dataDir: join(root, 'hub'),
    port: 0,
    host: '127.0.0.1',
    joinAdmission: { maxLagMs: 50, retryAfterSeconds: 1 },
  });
});

after(async () => {
  await agent?.stop();
  await hub?.stop();
  removeDir(root);
});

test('an overloaded hub turns a joining device away with 429; the device waits, then joins', async () => {
  const token = await createToken(join(root, 'hub'), 600, 'join admission test');
  // Stall the shared event loop 100 ms in every turn: the hub's lag monitor runs late each time.
  let overloaded = true;
  const stall = () => {
    if (!overloaded) return;
    const until = performance.now() + 100;
    while (performance.now() < until) {
      // busy, like a hub drowning in work
    }
    setImmediate(stall);
  };
  setImmediate(stall);
  const lines: string[] = [];
  let sawRefusal: () => void = () => {};
  const refused = new Promise<void>((r) => (sawRefusal = r));
  try {
    const started = runAgent({
      server: hub.url,
      token,
      caCertHash: hub.caCertHash,
      nodeName: 'drone-7',
      dataDir: join(root, 'drone-7'),
      localApi: 'off',
      watchNetwork: false,
      log: (line) => {
        lines.push(line);
        if (/join: the hub is busy/.test(line)) {
          overloaded = false;
          sawRefusal();
        }
      },
    });
    const joinedFirst = started.then(() => {
      throw new Error(`the device joined without being turned away:\n${lines.join('\n')}`);
    });
    await Promise.race([refused, joinedFirst]);
    joinedFirst.catch(() => {});
    agent = await started;
  } finally {
    overloaded = false;
  }
  const refusal = lines.find((l) => /join: the hub is busy/.test(l))!;
  assert.match(refusal, /its event loop runs \d+ ms late.*submitting again in \d+\.\d s/);
  const node = await hub.objects.registry.lookup('', 'v1', 'nodes');
  assert.ok(node);
  const deadline = Date.now() + 15_000;
  while (!hub.objects.store.get(hub.objects.keyOf(node, undefined, 'drone-7'))) {
    assert.ok(Date.now() < deadline, `drone-7 registered after the hub calmed down\n${lines.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.ok(
    lines.some((l) => /join: node certificate for system:node:drone-7 saved/.test(l)),
    lines.join('\n'),
  );
});
