/**
 * The map the fleet moves on: ConfigMap `kube-public/minato-map`, key `map`, JSON
 * `{ name, width, height, stations: [{ name, x, y, radius }], roads?: [[[x, y], …], …] }` in metres.
 * x grows east and y grows north from the south-west corner (0, 0). Without a map the area is the
 * devices' bounding box.
 */
import type { KubeObject } from '../../../api/types.js';
import type { Position } from './node-state.js';

export const MAP_NAMESPACE = 'kube-public';
export const MAP_NAME = 'minato-map';
export const MAP_KEY = 'map';

export interface Station {
  name: string;
  x: number;
  y: number;
  radius: number;
}

export interface MapConfig {
  name: string;
  width: number;
  height: number;
  stations: Station[];
  roads: [number, number][][];
}

export type MapResult = { map: MapConfig; error?: undefined } | { map?: undefined; error: string };

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Parses and checks the map document; the error names the field at fault. */
export function parseMap(text: string): MapResult {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    return { error: `data.${MAP_KEY} is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc))
    return { error: `data.${MAP_KEY} must be a JSON object` };
  const d = doc as Record<string, unknown>;
  if (!finite(d.width) || d.width <= 0) return { error: 'width must be a positive number of metres' };
  if (!finite(d.height) || d.height <= 0) return { error: 'height must be a positive number of metres' };
  const stations: Station[] = [];
  const rawStations = d.stations ?? [];
  if (!Array.isArray(rawStations)) return { error: 'stations must be a list' };
  for (const [i, s] of rawStations.entries()) {
    const st = s as Record<string, unknown>;
    if (!finite(st?.x) || !finite(st?.y)) return { error: `stations[${i}]: x and y must be numbers` };
    if (!finite(st.radius) || st.radius < 0) return { error: `stations[${i}].radius must be a number ≥ 0` };
    stations.push({ name: String(st.name ?? `station-${i + 1}`), x: st.x, y: st.y, radius: st.radius });
  }
  const roads: [number, number][][] = [];
  const rawRoads = d.roads ?? [];
  if (!Array.isArray(rawRoads)) return { error: 'roads must be a list of polylines' };
  for (const [i, road] of rawRoads.entries()) {
    if (!Array.isArray(road)) return { error: `roads[${i}] must be a list of [x, y] points` };
    const points: [number, number][] = [];
    for (const [j, p] of road.entries()) {
      if (!Array.isArray(p) || !finite(p[0]) || !finite(p[1]))
        return { error: `roads[${i}][${j}] must be [x, y] in metres` };
      points.push([p[0], p[1]]);
    }
    roads.push(points);
  }
  return {
    map: { name: String(d.name ?? 'Fleet area'), width: d.width, height: d.height, stations, roads },
  };
}

export function mapFromConfigMap(cm: KubeObject | undefined): MapResult | undefined {
  const text = (cm?.data as Record<string, string> | undefined)?.[MAP_KEY];
  if (text === undefined) return undefined;
  return parseMap(text);
}

/** A map that frames the given positions with a margin, for clusters without a map ConfigMap. */
export function fallbackMap(positions: Position[]): MapConfig {
  if (positions.length === 0)
    return { name: 'Fleet area', width: 1000, height: 1000, stations: [], roads: [] };
  const xs = positions.map((p) => p.x);
  const ys = positions.map((p) => p.y);
  const maxX = Math.max(...xs, 1);
  const maxY = Math.max(...ys, 1);
  return {
    name: 'Fleet area (no map configured)',
    width: Math.max(maxX * 1.1, 10),
    height: Math.max(maxY * 1.1, 10),
    stations: [],
    roads: [],
  };
}
