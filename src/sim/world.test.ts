import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Random } from './prng.js';
import { loadScenario } from './scenario.js';
import { World } from './world.js';

const city = loadScenario('city');

function trace(world: World, until: number) {
  const out: string[] = [];
  for (let t = 5; t <= until; t += 5) {
    for (const c of world.advanceTo(t)) out.push(`${c.t.toFixed(1)} ${c.device} ${c.up ? 'in' : 'out'}`);
    for (const d of world.devices)
      out.push(`${t} ${d.name} ${d.position[0].toFixed(3)},${d.position[1].toFixed(3)}`);
  }
  return out;
}

test('the same seed gives the same positions and the same coverage changes', () => {
  assert.deepEqual(trace(new World(city), 120), trace(new World(city), 120));
  assert.notDeepEqual(trace(new World(city, { seed: 8 }), 120), trace(new World(city), 120));
});

test('the result does not depend on how time is stepped by the caller', () => {
  const coarse = new World(city);
  coarse.advanceTo(60);
  const fine = new World(city);
  for (let t = 0.013; t < 60; t += 0.37) fine.advanceTo(t);
  fine.advanceTo(60);
  assert.equal(fine.time, coarse.time);
  for (const d of coarse.devices) assert.deepEqual(fine.device(d.name)!.position, d.position);
});

test('a device behaves the same in a subset (another process) as in the whole fleet', () => {
  const whole = new World(city, { nodes: 40 });
  const part = new World(city, { nodes: 40, only: new Set(['car-3', 'bus-2', 'bot-4']) });
  assert.equal(part.devices.length, 3);
  whole.advanceTo(90);
  part.advanceTo(90);
  for (const d of part.devices) assert.deepEqual(d.position, whole.device(d.name)!.position);
});

test('what a test can rely on: with seed 7, car-5 is out of range at t = 20 s and in range at 10 s and 30 s', () => {
  const world = new World(city);
  world.advanceTo(10);
  assert.equal(world.device('car-5')!.link.up, true);
  world.advanceTo(20);
  const car5 = world.device('car-5')!;
  assert.equal(car5.link.up, false);
  assert.ok(
    car5.position[0] > 1500 && car5.position[0] < 1670,
    `between rsu-centre and rsu-east: ${car5.position}`,
  );
  world.advanceTo(30);
  assert.equal(world.device('car-5')!.link.up, true);
});

test('devices come and go in the city: about a fifth out of range, everyone in range sometimes', () => {
  const world = new World(city);
  const everIn = new Set<string>();
  let outSamples = 0;
  let samples = 0;
  let changes = 0;
  for (let t = 1; t <= 600; t++) {
    changes += world.advanceTo(t).length;
    for (const d of world.devices) {
      samples++;
      if (d.link.up) everIn.add(d.name);
      else outSamples++;
    }
  }
  assert.equal(everIn.size, world.devices.length);
  const outShare = outSamples / samples;
  assert.ok(outShare > 0.05 && outShare < 0.4, `out of range ${Math.round(outShare * 100)}% of the time`);
  assert.ok(changes / 20 >= 4, `${changes} coverage changes in 10 min for 20 devices`);
});

test('the random streams are stable and independent per name', () => {
  const a = Random.forStream(7, 'car-1');
  const b = Random.forStream(7, 'car-1');
  const c = Random.forStream(7, 'car-2');
  const xs = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    xs,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    xs,
    Array.from({ length: 5 }, () => c.next()),
  );
  for (const x of xs) assert.ok(x >= 0 && x < 1);
  const r = new Random(42);
  const mean = Array.from({ length: 10_000 }, () => r.next()).reduce((s, x) => s + x, 0) / 10_000;
  assert.ok(Math.abs(mean - 0.5) < 0.02, `mean ${mean}`);
});
