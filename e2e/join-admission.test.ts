/**
 * Join admission: a hub that cannot keep up answers a new device's CSR with 429 and a Retry-After;
 * the agent waits (with jitter), says so, and joins once the hub has calmed down. The overload is
 * real starvation: the test freezes the hub process (SIGSTOP) most of the time, so its event loop
 * runs hundreds of milliseconds late, until the audit log shows the refusal.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  type AgentProcess,
  agentArgs,
  type JoinInfo,
  joinInfo,
  startAgent,
  startHub,
} from './agent-harness.test.js';
import { type HubProcess, makeTempDir, removeDir } from './support/hub-process.js';

let root: string;
let hub: HubProcess;
let join_: JoinInfo;
let agent: AgentProcess | undefined;

before(async () => {
  root = makeTempDir('join-admission');
  hub = await startHub({ dataDir: join(root, 'hub') });
  join_ = await joinInfo(hub);
});

after(async () => {
  await agent?.stop();
  await hub?.stop();
  removeDir(root);
});

/** Freezes the hub 400 ms in every 500 ms until stopped; always leaves it running. */
function starve(pid: number): { stop(): Promise<void> } {
  let running = true;
  const loop = (async () => {
    while (running) {
      process.kill(pid, 'SIGSTOP');
      await new Promise((r) => setTimeout(r, 400));
      process.kill(pid, 'SIGCONT');
      await new Promise((r) => setTimeout(r, 100));
    }
  })().finally(() => process.kill(pid, 'SIGCONT'));
  return {
    async stop() {
      running = false;
      await loop;
    },
  };
}

const refusedCsr = () =>
  readFileSync(join(root, 'hub', 'audit.log'), 'utf8')
    .split('\n')
    .some((line) => line.includes('"certificatesigningrequests"') && line.includes('"code":429'));

test('an overloaded hub turns a joining device away with 429; the device waits, then joins', async () => {
  const starving = starve(hub.pid);
  const started = startAgent(agentArgs(join_, 'drone-7', join(root, 'drone-7')), 90_000);
  started.catch(() => {}); // awaited below; a failure must not surface as an unhandled rejection first
  try {
    const deadline = Date.now() + 60_000;
    while (!refusedCsr()) {
      assert.ok(Date.now() < deadline, 'the starved hub refused no CSR within 60 s');
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await starving.stop();
  }
  agent = await started;
  const refusal = agent.output().match(/join: the hub is busy.*/)?.[0];
  assert.ok(refusal, agent.output());
  assert.match(refusal, /its event loop runs \d+ ms late.*submitting again in \d+\.\d s/);
  await agent.waitFor(/link: connected to/, 20_000);
});
