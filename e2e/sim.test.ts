/**
 * The simulator end to end: a real hub process and `minato sim` (a real process running four real
 * agents, each behind its own simulated radio link) on a small deterministic scenario at double
 * speed. Three cars stay near the mast; the drone waits 20 simulated seconds (10 s: time to join
 * even on a busy machine), then flies out of coverage and back. Proves: devices
 * join, positions and the map are published, a DaemonSet pod runs on each vehicle, the drone is
 * marked out of range (Ready Unknown) when the world says it left, and is Ready again when back.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { KubeObject } from '../src/api/types.js';
import { KubeClient } from '../src/client/index.js';
import { loadKubeconfig } from '../src/client/kubeconfig.js';
import { demoApps } from '../src/sim/apps.js';
import { parseScenario } from '../src/sim/scenario.js';
import { World } from '../src/sim/world.js';
import { CLI_PATH, type HubProcess, makeTempDir, removeDir, startHubProcess } from './support/hub-process.js';

const SCENARIO = `name: E2E yard
seed: 5
area: { width: 1000, height: 400 }
stations:
  - { name: mast, x: 200, y: 200, radius: 250 }
roads:
  - name: yard
    points: [[100, 200], [300, 200]]
groups:
  - name: car
    class: vehicle
    count: 3
    movement: { model: route, roads: [yard], speed: 2 }
  - name: drone
    class: drone
    count: 1
    movement:
      model: waypoints
      home: [200, 200]
      routes: [[[900, 200]]]
      speed: 40
      rest: 1000
      startDelay: 20
`;
const SPEED = 2;
const CARS = ['car-1', 'car-2', 'car-3'];

let root: string;
let hub: HubProcess;
let api: KubeClient;
let sim: ChildProcess;
let simOutput = '';
let simExited: Promise<number | null>;

const nodes = async () => (await api.list<KubeObject>('/api/v1/nodes')).items;
const ready = (n: KubeObject) =>
  (n.status?.conditions ?? []).find((c: { type: string }) => c.type === 'Ready') as
    | { status: string; reason?: string }
    | undefined;

async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined | false>,
  timeoutMs: number,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > end)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (${last})` : ''}\nsim output:\n${simOutput}`,
      );
    await new Promise((r) => setTimeout(r, 200));
  }
}

before(async () => {
  root = makeTempDir('sim');
  hub = await startHubProcess({ dataDir: join(root, 'hub') });
  api = new KubeClient(loadKubeconfig(hub.kubeconfig));
  for (const obj of demoApps('default')) {
    const plural = obj.kind === 'DaemonSet' ? 'daemonsets' : 'deployments';
    await api.create(`/apis/apps/v1/namespaces/default/${plural}`, obj);
  }
  const scenarioFile = join(root, 'yard.yaml');
  writeFileSync(scenarioFile, SCENARIO);
  const args = [
    CLI_PATH,
    'sim',
    '--data-dir',
    hub.dataDir,
    '--scenario',
    scenarioFile,
    '--speed',
    String(SPEED),
    '--lease-interval',
    '500ms',
    '--sim-dir',
    join(root, 'sim'),
  ];
  sim = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  sim.stdout!.setEncoding('utf8').on('data', (c: string) => {
    simOutput += c;
  });
  sim.stderr!.setEncoding('utf8').on('data', (c: string) => {
    simOutput += c;
  });
  simExited = new Promise((resolve) => sim.once('exit', (code) => resolve(code)));
});

after(async () => {
  if (sim?.pid && sim.exitCode === null) {
    process.kill(sim.pid, 'SIGTERM');
    const timer = setTimeout(() => sim.exitCode === null && process.kill(sim.pid!, 'SIGKILL'), 20_000);
    await simExited;
    clearTimeout(timer);
  }
  api?.close();
  await hub?.stop();
  removeDir(root);
});

test('the scenario itself says when the drone is out of range', () => {
  const world = new World(parseScenario(SCENARIO, 'yard.yaml'));
  const at = (t: number) => {
    world.advanceTo(t);
    return world.device('drone-1')!.link.up;
  };
  // It waits 20 s, flies 250 m to the edge of coverage at 40 m/s, 450 m on to the turn and back.
  assert.equal(at(20), true, 'waiting at the mast');
  assert.equal(at(26), true, 'still in coverage');
  assert.equal(at(27), false, 'left coverage at 26.25 s');
  assert.equal(at(48), false, 'on its way back');
  assert.equal(at(49.5), true, 'back in coverage at 48.75 s');
  for (const car of CARS) assert.equal(world.device(car)!.link.up, true);
});

test('the fleet joins, with positions, the map and a DaemonSet pod on every vehicle', async () => {
  const all = await eventually(
    'four Ready nodes',
    async () => {
      const list = await nodes();
      return list.length === 4 && list.every((n) => ready(n)?.status === 'True') && list;
    },
    25_000,
  );
  assert.deepEqual(all.map((n) => n.metadata.name).sort(), ['car-1', 'car-2', 'car-3', 'drone-1']);
  for (const n of all) assert.equal(n.metadata.labels?.['minato.dev/simulated'], 'true');
  assert.equal(
    all.find((n) => n.metadata.name === 'drone-1')!.metadata.labels?.['minato.dev/device-class'],
    'drone',
  );

  const positioned = await eventually(
    'a position on every node',
    async () => {
      const list = await nodes();
      return list.every((n) => n.metadata.annotations?.['minato.dev/position']) && list;
    },
    10_000,
  );
  for (const n of positioned) {
    const [x, y] = n.metadata.annotations!['minato.dev/position']!.split(',').map(Number);
    assert.ok(x! >= 0 && x! <= 1000 && y! >= 0 && y! <= 400, `${n.metadata.name} at ${x},${y}`);
    if (n.metadata.name!.startsWith('car-'))
      assert.ok(x! >= 100 && x! <= 300 && y === 200, `on the yard road: ${x},${y}`);
  }

  const map = await api.get<KubeObject>('/api/v1/namespaces/kube-public/configmaps/minato-map');
  const doc = JSON.parse(map.data!.map!);
  assert.deepEqual(doc.stations, [{ name: 'mast', x: 200, y: 200, radius: 250 }]);
  assert.equal(doc.width, 1000);

  await eventually(
    'a running telemetry pod on each car and none on the drone',
    async () => {
      const pods = (
        await api.list<KubeObject>('/api/v1/namespaces/default/pods?labelSelector=app%3Dtelemetry')
      ).items;
      const running = pods.filter(
        (p) =>
          p.status?.phase === 'Running' &&
          (p.status?.conditions ?? []).some(
            (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
          ),
      );
      const on = running.map((p) => p.spec?.nodeName).sort();
      return pods.length === 3 && JSON.stringify(on) === JSON.stringify(CARS);
    },
    20_000,
  );
});

test('the drone leaves coverage, is marked out of range, and is Ready again when it is back', async () => {
  const out = await eventually(
    'drone-1 out of range (Ready Unknown)',
    async () => {
      const drone = (await nodes()).find((n) => n.metadata.name === 'drone-1');
      const r = drone && ready(drone);
      return r?.status === 'Unknown' && r;
    },
    25_000,
  );
  assert.equal(out.reason, 'DeviceOutOfRange');
  assert.match(simOutput, /drone-1 left coverage of mast \(t=26\.\d+s\)/);
  // The cars stayed in range meanwhile.
  for (const n of await nodes())
    if (n.metadata.name !== 'drone-1') assert.equal(ready(n)?.status, 'True', n.metadata.name);

  await eventually(
    'drone-1 Ready again',
    async () => {
      const drone = (await nodes()).find((n) => n.metadata.name === 'drone-1');
      return drone && ready(drone)?.status === 'True';
    },
    25_000,
  );
  assert.match(simOutput, /drone-1 entered coverage of mast \(t=48\.\d+s\)/);
  // The fleet reports once a second, so its line may follow the hub's view by a moment.
  await eventually(
    'the sim to report the drone back online',
    async () => /drone-1 is back online after \d+\.\d s/.test(simOutput),
    5_000,
  );
});
