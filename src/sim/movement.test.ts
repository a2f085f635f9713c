import assert from 'node:assert/strict';
import { test } from 'node:test';
import { distance, type Point, Polyline } from './geometry.js';
import { RandomWalkMover, RouteMover, WaypointMover } from './movement.js';
import { Random } from './prng.js';

const close = (a: number, b: number, eps = 1e-6) => assert.ok(Math.abs(a - b) <= eps, `${a} ≈ ${b}`);

test('a polyline is measured along its length', () => {
  const line = new Polyline([
    [0, 0],
    [100, 0],
    [100, 50],
  ]);
  assert.equal(line.length, 150);
  assert.deepEqual(line.pointAt(50), [50, 0]);
  assert.deepEqual(line.pointAt(125), [100, 25]);
  assert.deepEqual(line.pointAt(-1), [0, 0]);
  assert.deepEqual(line.pointAt(999), [100, 50]);
  assert.equal(line.closed, false);
});

test('a vehicle drives its road at its speed and turns back at the ends of an open road', () => {
  const car = new RouteMover(
    [
      [0, 0],
      [1000, 0],
    ],
    [10, 10],
    new Random(1),
  );
  let last = car.along;
  let turns = 0;
  let dir = 0;
  for (let i = 0; i < 3000; i++) {
    car.step(0.1);
    const moved = car.along - last;
    // 1 m per step (10 m/s × 0.1 s), except for a step that turns at an end.
    const nearEnd = Math.min(last, car.along) < 1 || Math.max(last, car.along) > 999;
    if (!nearEnd) close(Math.abs(moved), 1, 1e-9);
    else assert.ok(Math.abs(moved) <= 1 + 1e-9);
    if (dir !== 0 && moved !== 0 && Math.sign(moved) !== dir) turns++;
    assert.ok(car.along >= 0 && car.along <= 1000);
    assert.equal(car.position[1], 0);
    if (moved !== 0) dir = Math.sign(moved);
    last = car.along;
  }
  // 300 s at 10 m/s = 3 km on a 1 km road: it must have turned back at least twice.
  assert.ok(turns >= 2, `turned ${turns} times`);
});

test('on a ring road a vehicle goes around instead of turning back', () => {
  const ring: Point[] = [
    [0, 0],
    [100, 0],
    [100, 100],
    [0, 100],
    [0, 0],
  ];
  const bus = new RouteMover(ring, [10, 10], new Random(3));
  let travelled = 0;
  let prev = bus.position;
  for (let i = 0; i < 1000; i++) {
    bus.step(0.1);
    travelled += distance(prev, bus.position);
    prev = bus.position;
  }
  // 100 s at 10 m/s, minus what corner cutting between steps loses.
  assert.ok(travelled > 990 && travelled <= 1000.001, `travelled ${travelled}`);
});

test('a drone waits, flies its waypoints at its speed, hovers, comes home and rests', () => {
  const drone = new WaypointMover([0, 0], [[300, 400]], [50, 50], [5, 5], [20, 20], [10, 10], new Random(7));
  const at = (t: number) => {
    // Advance to absolute time t (seconds) in 0.1 s steps.
    while (elapsed < t - 1e-9) {
      drone.step(0.1);
      elapsed += 0.1;
    }
    return drone.position;
  };
  let elapsed = 0;
  assert.deepEqual(at(9.9), [0, 0], 'waits for its start delay');
  const mid = at(15); // 5 s of flight at 50 m/s: 250 m of the 500 m leg
  close(distance([0, 0], mid), 250, 1e-6);
  assert.deepEqual(at(20).map(Math.round), [300, 400], 'arrives after 10 s');
  assert.deepEqual(at(24.9).map(Math.round), [300, 400], 'hovers 5 s');
  close(distance([300, 400], at(30)), 250, 1e-6);
  assert.deepEqual(at(35).map(Math.round), [0, 0], 'home 10 s later');
  assert.deepEqual(at(54.9).map(Math.round), [0, 0], 'rests 20 s');
  assert.ok(distance([0, 0], at(60)) > 200, 'and flies again');
});

test('a robot walks inside its zone at its speed', () => {
  const zone = { x: 10, y: 20, width: 30, height: 15 };
  const robot = new RandomWalkMover(zone, [1.5, 1.5], [2, 4], new Random(11));
  let prev = robot.position;
  const visited = new Set<string>();
  for (let i = 0; i < 20_000; i++) {
    robot.step(0.1);
    const p = robot.position;
    assert.ok(p[0] >= 10 && p[0] <= 40 && p[1] >= 20 && p[1] <= 35, `left the zone at ${p}`);
    assert.ok(distance(prev, p) <= 0.15 + 1e-9, 'no jumps');
    visited.add(`${Math.floor((p[0] - 10) / 10)},${Math.floor((p[1] - 20) / 5)}`);
    prev = p;
  }
  assert.equal(visited.size, 9, 'it wanders all over the zone');
});
