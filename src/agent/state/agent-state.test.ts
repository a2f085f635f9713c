import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AgentState } from './agent-state.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'minato-state-'));
  dirs.push(d);
  return d;
};

const pod = (uid: string) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: `p-${uid}`, namespace: 'default', uid, resourceVersion: '7' },
  spec: { containers: [{ name: 'a', image: 'a.wasm' }] },
});

test('pods, objects and meta survive a restart', async () => {
  const dir = tempDir();
  const state = new AgentState(dir);
  await state.load();
  await state.savePod({
    pod: pod('u1'),
    runtime: { containers: { a: { restartCount: 2 } }, startTime: 't0' },
  });
  await state.savePod({ pod: pod('u2'), runtime: { containers: {}, finishedPhase: 'Succeeded' } });
  await state.saveObject('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'cfg', namespace: 'default' },
    data: { k: 'v' },
  });
  await state.saveObject('secrets', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 's', namespace: 'ns1' },
    data: { k: 'dg==' },
  });
  await state.updateMeta({ podsResourceVersion: '42', cordonedByAgent: true });
  await state.deletePod('u2');

  const reloaded = await new AgentState(dir).load();
  assert.deepEqual(reloaded.meta, { podsResourceVersion: '42', cordonedByAgent: true });
  assert.deepEqual(
    reloaded.pods.map((p) => [p.pod.metadata.uid, p.runtime.containers.a?.restartCount]),
    [['u1', 2]],
  );
  assert.deepEqual(
    reloaded.objects.map((o) => `${o.kind}/${o.object.metadata.namespace}/${o.object.metadata.name}`).sort(),
    ['configmaps/default/cfg', 'secrets/ns1/s'],
  );
  // Secrets (and everything else) are readable by the agent's user only.
  assert.equal(statSync(join(dir, 'objects', 'secrets', 'ns1', 's.json')).mode & 0o777, 0o600);
});

test('clearing a meta field removes it', async () => {
  const dir = tempDir();
  const state = new AgentState(dir);
  await state.load();
  await state.updateMeta({ departingUntil: 'x', cordonedByAgent: true });
  await state.updateMeta({ departingUntil: undefined });
  assert.deepEqual((await new AgentState(dir).load()).meta, { cordonedByAgent: true });
});

test('many writes to one file coalesce and the newest wins; no temp files are left', async () => {
  const dir = tempDir();
  const state = new AgentState(dir);
  await state.load();
  const writes = Array.from({ length: 50 }, (_, i) =>
    state.savePod({ pod: pod('u1'), runtime: { containers: { a: { restartCount: i } } } }),
  );
  await Promise.all(writes);
  await state.flush();
  const reloaded = await new AgentState(dir).load();
  assert.equal(reloaded.pods[0]!.runtime.containers.a!.restartCount, 49);
  assert.deepEqual(readdirSync(join(dir, 'pods')), ['u1.json']);
});

test('a corrupt file is reported and skipped, not fatal', async () => {
  const dir = tempDir();
  const state = new AgentState(dir);
  await state.load();
  await state.savePod({ pod: pod('u1'), runtime: { containers: {} } });
  writeFileSync(join(dir, 'pods', 'broken.json'), '{"pod": ');
  const warnings: string[] = [];
  const reloaded = await new AgentState(dir, (w) => warnings.push(w)).load();
  assert.equal(reloaded.pods.length, 1);
  assert.match(warnings[0]!, /broken\.json is not valid JSON/);
});

test('names that are not DNS names cannot escape the state folder', async () => {
  const dir = tempDir();
  const state = new AgentState(dir);
  await state.load();
  await state.saveObject('configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: '../../evil', namespace: '..' },
  });
  const reloaded = await new AgentState(dir).load();
  assert.equal(reloaded.objects[0]!.object.metadata.name, '../../evil');
  assert.deepEqual(readdirSync(dir).sort(), ['objects']);
});
