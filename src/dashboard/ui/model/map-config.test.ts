/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fallbackMap, parseMap } from './map-config.js';

test('a full map parses', () => {
  const r = parseMap(
    JSON.stringify({
      name: 'Port',
      width: 100,
      height: 50,
      stations: [{ name: 'A', x: 1, y: 2, radius: 30 }],
      roads: [
        [
          [0, 0],
          [10, 5],
        ],
      ],
    }),
  );
  assert.deepEqual(r.map, {
    name: 'Port',
    width: 100,
    height: 50,
    stations: [{ name: 'A', x: 1, y: 2, radius: 30 }],
    roads: [
      [
        [0, 0],
        [10, 5],
      ],
    ],
  });
});

test('stations and roads are optional; a station without a name gets one', () => {
  assert.deepEqual(parseMap('{"width":10,"height":10}').map?.stations, []);
  assert.equal(
    parseMap('{"width":10,"height":10,"stations":[{"x":1,"y":1,"radius":2}]}').map?.stations[0]?.name,
    'station-1',
  );
});

test('errors name the field at fault', () => {
  assert.match(parseMap('{').error ?? '', /not valid JSON/);
  assert.match(parseMap('[]').error ?? '', /JSON object/);
  assert.match(parseMap('{"width":0,"height":1}').error ?? '', /^width/);
  assert.match(parseMap('{"width":1,"height":"x"}').error ?? '', /^height/);
  assert.match(
    parseMap('{"width":1,"height":1,"stations":[{"x":1,"y":1,"radius":-1}]}').error ?? '',
    /stations\[0\]\.radius/,
  );
  assert.match(parseMap('{"width":1,"height":1,"roads":[[[1]]]}').error ?? '', /roads\[0\]\[0\]/);
});

test('without a map, the area frames the devices', () => {
  const m = fallbackMap([
    { x: 100, y: 40 },
    { x: 20, y: 200 },
  ]);
  assert.ok(m.width >= 100 && m.height >= 200);
  assert.equal(fallbackMap([]).width, 1000);
});
