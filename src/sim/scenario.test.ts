import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isApiError } from '../api/errors.js';
import { builtinScenarioNames, devicesOf, loadScenario, parseScenario, scaleCounts } from './scenario.js';

const MINIMAL = `name: Test
area: { width: 1000, height: 500 }
stations:
  - { name: mast, x: 100, y: 100, radius: 200 }
roads:
  - name: main
    points: [[0, 250], [1000, 250]]
groups:
  - name: car
    class: vehicle
    count: 3
    movement: { model: route, roads: [main], speed: [5, 10] }
`;

/** The causes of the Invalid error `text` must raise. */
function causesOf(text: string): { field?: string; message?: string }[] {
  try {
    parseScenario(text, 'bad.yaml');
  } catch (err) {
    assert.ok(isApiError(err), `expected an ApiError, got ${err}`);
    assert.equal(err.code, 422);
    assert.equal(err.reason, 'Invalid');
    assert.match(err.message, /Scenario\.sim\.minato\.dev "bad\.yaml" is invalid/);
    return err.details?.causes ?? [];
  }
  assert.fail('the scenario was accepted');
}

test('the shipped scenarios parse and have devices of the classes they promise', () => {
  assert.deepEqual(builtinScenarioNames(), ['city', 'drone-delivery', 'warehouse']);
  const classes = (name: string) => new Set(loadScenario(name).groups.map((g) => g.class));
  assert.ok(classes('city').has('vehicle'));
  assert.ok(classes('drone-delivery').has('drone'));
  assert.ok(classes('warehouse').has('robot'));
  for (const name of builtinScenarioNames()) {
    const s = loadScenario(name);
    assert.ok(s.stations.length > 0 && devicesOf(s).length > 0, name);
  }
});

test('a minimal scenario gets defaults and named devices', () => {
  const s = parseScenario(MINIMAL, 'min.yaml');
  assert.equal(s.seed, 1);
  assert.deepEqual(s.link.latencyMs, [20, 250]);
  assert.deepEqual(
    devicesOf(s).map((d) => d.name),
    ['car-1', 'car-2', 'car-3'],
  );
  assert.deepEqual(s.groups[0]!.movement, { model: 'route', roads: ['main'], speed: [5, 10] });
});

test('a wrong value names the field and its line', () => {
  const causes = causesOf(MINIMAL.replace('speed: [5, 10]', 'speed: fast'));
  assert.equal(causes.length, 1);
  assert.equal(causes[0]!.field, 'groups[0].movement.speed');
  assert.match(causes[0]!.message!, /must be a number of m\/s or \[min, max\], got "fast" \(line 12\)/);
});

test('a misspelt field is an error, not silently ignored', () => {
  const causes = causesOf(MINIMAL.replace('    count: 3', '    cuont: 3'));
  const fields = causes.map((c) => c.field);
  assert.ok(fields.includes('groups[0].cuont'), JSON.stringify(causes));
  assert.ok(fields.includes('groups[0].count'), 'and the missing count is reported too');
  const typo = causes.find((c) => c.field === 'groups[0].cuont')!;
  assert.match(typo.message!, /not a known field.*count.*\(line 11\)/);
});

test('every problem is reported at once, each with its line', () => {
  const text = MINIMAL.replace('radius: 200', 'radius: -5')
    .replace('class: vehicle', 'class: boat')
    .replace('roads: [main]', 'roads: [high-street]')
    .replace('[1000, 250]]', '[1400, 250]]');
  const byField = new Map(causesOf(text).map((c) => [c.field, c.message]));
  assert.match(byField.get('stations[0].radius')!, /greater than 0.*\(line 4\)/);
  assert.match(byField.get('roads[0].points[1]')!, /outside the area.*\(line 7\)/);
  assert.match(byField.get('groups[0].class')!, /one of vehicle, drone, robot, gateway.*"boat" \(line 10\)/);
  assert.match(byField.get('groups[0].movement.roads[0]')!, /no road named "high-street".*\(line 12\)/);
});

test('missing sections and YAML syntax errors are reported with a line', () => {
  const missing = causesOf('name: x\narea: { width: 10, height: 10 }\n');
  assert.deepEqual(
    missing.map((c) => c.field),
    ['stations', 'groups'],
  );
  const syntax = causesOf('name: x\nstations: [\n  - a\ngroups: ]\n');
  assert.equal(syntax[0]!.field, '(document)');
  assert.match(syntax[0]!.message!, /YAML syntax: .*\(line \d+\)/);
  const notAMap = causesOf('- just\n- a list\n');
  assert.match(notAMap[0]!.message!, /must be a YAML mapping/);
});

test('an unknown scenario name says which ones ship', () => {
  assert.throws(
    () => loadScenario('harbour'),
    (err: Error) =>
      /neither a file nor a shipped scenario \(city, drone-delivery, warehouse\)/.test(err.message),
  );
});

test('--nodes scales the groups in proportion and keeps the total', () => {
  assert.deepEqual(scaleCounts([12, 4, 4], 20), [12, 4, 4]);
  assert.deepEqual(scaleCounts([12, 4, 4], 10), [6, 2, 2]);
  assert.deepEqual(scaleCounts([12, 4, 4], 7), [4, 2, 1]);
  assert.deepEqual(scaleCounts([8, 2], 1000), [800, 200]);
  for (const n of [1, 3, 99, 1001])
    assert.equal(
      scaleCounts([12, 4, 4], n).reduce((a, b) => a + b, 0),
      n,
    );
  const city = loadScenario('city');
  assert.equal(devicesOf(city, 100).length, 100);
  assert.equal(devicesOf(city, 100).filter((d) => d.group.name === 'car').length, 60);
});
