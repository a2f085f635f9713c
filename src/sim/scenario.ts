/**
 * Scenarios: the map area, base stations with their coverage, roads, and groups of devices that move.
 * Written in YAML; every mistake is reported with the field's path and its line in the file, all at
 * once, as one `Invalid` error (the project's one error model).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { DEVICE_CLASSES, type DeviceClass } from '../agent/node/node-object.js';
import { ApiError, invalid } from '../api/errors.js';
import type { StatusCause } from '../api/types.js';
import type { Point } from './geometry.js';

/** A value drawn per device from [min, max] (min = max for a fixed value). */
export type Range = [number, number];

export interface Station {
  name: string;
  x: number;
  y: number;
  /** Coverage radius in metres. */
  radius: number;
}

export interface Road {
  name: string;
  points: Point[];
}

/** How the link degrades from a station (first value) to the edge of its coverage (second value). */
export interface LinkModel {
  latencyMs: Range;
  loss: Range;
  bandwidthKbps: Range;
}

export type Movement =
  | { model: 'route'; roads: string[]; speed: Range }
  | {
      model: 'waypoints';
      home: Point;
      routes: Point[][];
      speed: Range;
      hover: Range;
      rest: Range;
      startDelay: Range;
    }
  | {
      model: 'random-walk';
      zone: { x: number; y: number; width: number; height: number };
      speed: Range;
      turnEvery: Range;
    }
  | { model: 'fixed'; at: Point };

export interface DeviceGroup {
  name: string;
  class: DeviceClass;
  count: number;
  labels: Record<string, string>;
  movement: Movement;
}

export interface Scenario {
  name: string;
  description: string;
  seed: number;
  area: { width: number; height: number };
  link: LinkModel;
  stations: Station[];
  roads: Road[];
  groups: DeviceGroup[];
  /** Where it came from (a file path or a built-in name), for messages. */
  source: string;
}

export interface DeviceSpec {
  /** The node name: `<group>-<n>`, n from 1. */
  name: string;
  group: DeviceGroup;
  /** 0-based index within its group. */
  index: number;
}

export const DEFAULT_LINK: LinkModel = {
  latencyMs: [20, 250],
  loss: [0, 0.1],
  bandwidthKbps: [20_000, 200],
};

const MODELS = ['route', 'waypoints', 'random-walk', 'fixed'] as const;
const LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;

type Path = (string | number)[];

/** Collects problems with their path and line; `fail` never throws, so every problem is reported. */
class Checker {
  readonly causes: StatusCause[] = [];

  constructor(
    private readonly lineOf: (path: Path) => number | undefined,
    private readonly root: Record<string, unknown>,
  ) {}

  fail(path: Path, why: string): void {
    const line = this.lineOf(path);
    this.causes.push({
      reason: 'FieldValueInvalid',
      field: formatPath(path),
      message: line === undefined ? why : `${why} (line ${line})`,
    });
  }

  get(path: Path): unknown {
    let v: unknown = this.root;
    for (const k of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[k];
    }
    return v;
  }

  object(path: Path, required = true): Record<string, unknown> | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required');
      return undefined;
    }
    if (typeof v !== 'object' || Array.isArray(v)) {
      this.fail(path, 'must be a mapping of fields');
      return undefined;
    }
    return v as Record<string, unknown>;
  }

  list(path: Path, required = true): unknown[] | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (required) this.fail(path, 'is required (a list)');
      return undefined;
    }
    if (!Array.isArray(v)) {
      this.fail(path, 'must be a list');
      return undefined;
    }
    return v;
  }

  /** Fields the schema does not know are mistakes (a typo would otherwise be ignored silently). */
  known(path: Path, obj: Record<string, unknown> | undefined, fields: string[]): void {
    if (!obj) return;
    for (const key of Object.keys(obj)) {
      if (!fields.includes(key))
        this.fail([...path, key], `is not a known field; known fields here: ${fields.join(', ')}`);
    }
  }

  string(path: Path, fallback?: string): string {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(path, 'is required');
      return fallback ?? '';
    }
    if (typeof v !== 'string' || v === '') {
      this.fail(path, 'must be a non-empty string');
      return fallback ?? '';
    }
    return v;
  }

  number(
    path: Path,
    opts: {
      min?: number;
      minExclusive?: number;
      max?: number;
      fallback?: number;
      integer?: boolean;
      unit?: string;
    } = {},
  ): number {
    const v = this.get(path);
    const what = `${opts.integer ? 'a whole number' : 'a number'}${opts.unit ? ` of ${opts.unit}` : ''}`;
    if (v === undefined || v === null) {
      if (opts.fallback === undefined) this.fail(path, `is required (${what})`);
      return opts.fallback ?? 0;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || (opts.integer && !Number.isInteger(v))) {
      this.fail(path, `must be ${what}, got ${JSON.stringify(v)}`);
      return opts.fallback ?? 0;
    }
    if (opts.min !== undefined && v < opts.min) this.fail(path, `must be at least ${opts.min}, got ${v}`);
    if (opts.minExclusive !== undefined && v <= opts.minExclusive)
      this.fail(path, `must be greater than ${opts.minExclusive}, got ${v}`);
    if (opts.max !== undefined && v > opts.max) this.fail(path, `must be at most ${opts.max}, got ${v}`);
    return v;
  }

  /** A number or [min, max]. */
  /** A number or [min, max]; with `pair`, [at a station, at the edge of coverage] in either order. */
  range(
    path: Path,
    opts: {
      min?: number;
      minExclusive?: number;
      max?: number;
      fallback?: Range;
      unit: string;
      pair?: boolean;
    },
  ): Range {
    const v = this.get(path);
    const shape = opts.pair ? '[at a station, at the edge of coverage]' : '[min, max]';
    const { fallback, pair: _, ...bounds } = opts;
    if (v === undefined || v === null) {
      if (!fallback) this.fail(path, `is required (a number of ${opts.unit}, or ${shape})`);
      return fallback ?? [0, 0];
    }
    if (typeof v === 'number') {
      const n = this.number(path, bounds);
      return [n, n];
    }
    if (!Array.isArray(v) || v.length !== 2) {
      this.fail(path, `must be a number of ${opts.unit} or ${shape}, got ${JSON.stringify(v)}`);
      return fallback ?? [0, 0];
    }
    const a = this.number([...path, 0], bounds);
    const b = this.number([...path, 1], bounds);
    if (!opts.pair && a > b) this.fail(path, `[min, max] must have min ≤ max, got [${a}, ${b}]`);
    return [a, b];
  }

  point(path: Path, area?: { width: number; height: number }): Point {
    const v = this.get(path);
    if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      this.fail(path, `must be a point [x, y] in metres, got ${JSON.stringify(v)}`);
      return [0, 0];
    }
    const p: Point = [v[0] as number, v[1] as number];
    if (area && (p[0] < 0 || p[1] < 0 || p[0] > area.width || p[1] > area.height))
      this.fail(path, `[${p[0]}, ${p[1]}] lies outside the area (0..${area.width}, 0..${area.height})`);
    return p;
  }
}

function formatPath(path: Path): string {
  let out = '';
  for (const k of path) out += typeof k === 'number' ? `[${k}]` : out ? `.${k}` : k;
  return out || '(document)';
}

/** Parses and checks a scenario; throws an `Invalid` ApiError listing every problem with its line. */
export function parseScenario(text: string, source = 'scenario'): Scenario {
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false });
  const label = basename(source);
  if (doc.errors.length > 0) {
    const causes = doc.errors.map((e) => ({
      reason: 'FieldValueInvalid',
      field: '(document)',
      message: `YAML syntax: ${e.message.split('\n')[0]} (line ${counter.linePos(e.pos[0]).line})`,
    }));
    throw invalid('Scenario', 'sim.minato.dev', label, causes);
  }
  const lineOf = (path: Path): number | undefined => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as YamlNode | undefined;
      if (node?.range) return counter.linePos(node.range[0]).line;
      // A key whose value is empty: point at the parent mapping's line for this key.
      const parent = n > 0 ? (doc.getIn(path.slice(0, n - 1), true) as YamlNode | undefined) : undefined;
      if (n > 0 && (isMap(parent) || isSeq(parent))) {
        const pair = isMap(parent)
          ? parent.items.find((p) => (p.key as { value?: unknown } | null)?.value === path[n - 1])
          : undefined;
        const keyNode = pair?.key as YamlNode | undefined;
        if (keyNode?.range) return counter.linePos(keyNode.range[0]).line;
      }
    }
    return undefined;
  };
  const js = doc.toJS() as unknown;
  if (js === null || typeof js !== 'object' || Array.isArray(js)) {
    throw invalid('Scenario', 'sim.minato.dev', label, [
      {
        reason: 'FieldValueInvalid',
        field: '(document)',
        message: 'a scenario must be a YAML mapping (name, area, stations, groups, …)',
      },
    ]);
  }
  const c = new Checker(lineOf, js as Record<string, unknown>);
  c.known([], js as Record<string, unknown>, [
    'name',
    'description',
    'seed',
    'area',
    'link',
    'stations',
    'roads',
    'groups',
  ]);

  const name = c.string(['name']);
  const description = c.get(['description']) === undefined ? '' : c.string(['description']);
  const seed = c.number(['seed'], { fallback: 1, integer: true, min: 0, max: 2 ** 32 - 1 });

  const areaObj = c.object(['area']);
  c.known(['area'], areaObj, ['width', 'height']);
  const area = {
    width: areaObj ? c.number(['area', 'width'], { minExclusive: 0, unit: 'metres' }) : 1,
    height: areaObj ? c.number(['area', 'height'], { minExclusive: 0, unit: 'metres' }) : 1,
  };

  const linkObj = c.object(['link'], false);
  c.known(['link'], linkObj, ['latencyMs', 'loss', 'bandwidthKbps']);
  const link: LinkModel = {
    latencyMs: c.range(['link', 'latencyMs'], {
      min: 0,
      fallback: DEFAULT_LINK.latencyMs,
      unit: 'ms',
      pair: true,
    }),
    loss: c.range(['link', 'loss'], {
      min: 0,
      max: 0.95,
      fallback: DEFAULT_LINK.loss,
      unit: 'fraction (0–0.95)',
      pair: true,
    }),
    bandwidthKbps: c.range(['link', 'bandwidthKbps'], {
      minExclusive: 0,
      fallback: DEFAULT_LINK.bandwidthKbps,
      unit: 'kbit/s',
      pair: true,
    }),
  };

  const stations: Station[] = [];
  const rawStations = c.list(['stations']) ?? [];
  if (c.get(['stations']) !== undefined && rawStations.length === 0)
    c.fail(['stations'], 'needs at least one station');
  rawStations.forEach((_, i) => {
    const p: Path = ['stations', i];
    const obj = c.object(p);
    if (!obj) return;
    c.known(p, obj, ['name', 'x', 'y', 'radius']);
    const station = {
      name: c.string([...p, 'name'], `station-${i + 1}`),
      x: c.number([...p, 'x'], { unit: 'metres' }),
      y: c.number([...p, 'y'], { unit: 'metres' }),
      radius: c.number([...p, 'radius'], { minExclusive: 0, unit: 'metres' }),
    };
    if (stations.some((s) => s.name === station.name))
      c.fail([...p, 'name'], `"${station.name}" is used twice`);
    stations.push(station);
  });

  const roads: Road[] = [];
  (c.list(['roads'], false) ?? []).forEach((_, i) => {
    const p: Path = ['roads', i];
    const obj = c.object(p);
    if (!obj) return;
    c.known(p, obj, ['name', 'points']);
    const roadName = c.string([...p, 'name']);
    const points = (c.list([...p, 'points']) ?? []).map((_, j) => c.point([...p, 'points', j], area));
    if (c.get([...p, 'points']) !== undefined && points.length < 2)
      c.fail([...p, 'points'], 'a road needs at least two points');
    if (roads.some((r) => r.name === roadName)) c.fail([...p, 'name'], `"${roadName}" is used twice`);
    roads.push({ name: roadName, points });
  });

  const groups: DeviceGroup[] = [];
  const rawGroups = c.list(['groups']) ?? [];
  if (c.get(['groups']) !== undefined && rawGroups.length === 0)
    c.fail(['groups'], 'needs at least one device group');
  rawGroups.forEach((_, i) => {
    const p: Path = ['groups', i];
    const obj = c.object(p);
    if (!obj) return;
    c.known(p, obj, ['name', 'class', 'count', 'labels', 'movement']);
    const groupName = c.string([...p, 'name']);
    if (groupName && (!LABEL.test(groupName) || groupName.length > 50))
      c.fail(
        [...p, 'name'],
        `"${groupName}" must be lowercase letters, digits and "-" (it prefixes node names)`,
      );
    if (groups.some((g) => g.name === groupName)) c.fail([...p, 'name'], `"${groupName}" is used twice`);
    const cls = c.string([...p, 'class']);
    if (cls && !DEVICE_CLASSES.includes(cls as DeviceClass))
      c.fail([...p, 'class'], `must be one of ${DEVICE_CLASSES.join(', ')}, got "${cls}"`);
    const count = c.number([...p, 'count'], { integer: true, min: 0 });
    const labels: Record<string, string> = {};
    const labelsObj = c.object([...p, 'labels'], false);
    for (const [k, v] of Object.entries(labelsObj ?? {})) {
      if (!LABEL_KEY.test(k)) c.fail([...p, 'labels', k], 'is not a valid label key');
      else if (typeof v !== 'string' || !LABEL_VALUE.test(v) || v.length > 63)
        c.fail([...p, 'labels', k], `must be a valid label value (a string), got ${JSON.stringify(v)}`);
      else labels[k] = v;
    }
    const movement = parseMovement(c, [...p, 'movement'], area, roads);
    groups.push({ name: groupName, class: cls as DeviceClass, count, labels, movement });
  });

  if (c.causes.length > 0) throw invalid('Scenario', 'sim.minato.dev', label, c.causes);
  return { name, description, seed, area, link, stations, roads, groups, source };
}

function parseMovement(
  c: Checker,
  p: Path,
  area: { width: number; height: number },
  roads: Road[],
): Movement {
  const obj = c.object(p);
  const fallback: Movement = { model: 'fixed', at: [0, 0] };
  if (!obj) return fallback;
  const model = c.string([...p, 'model']);
  if (!model) return fallback;
  if (!(MODELS as readonly string[]).includes(model)) {
    c.fail([...p, 'model'], `must be one of ${MODELS.join(', ')}, got "${model}"`);
    return fallback;
  }
  const speed = (required = true) =>
    c.range([...p, 'speed'], {
      minExclusive: 0,
      unit: 'm/s',
      ...(required ? {} : { fallback: [1, 1] as Range }),
    });
  switch (model) {
    case 'route': {
      c.known(p, obj, ['model', 'roads', 'speed']);
      const names = (c.list([...p, 'roads']) ?? []).map((_, j) => c.string([...p, 'roads', j]));
      if (c.get([...p, 'roads']) !== undefined && names.length === 0)
        c.fail([...p, 'roads'], 'needs at least one road');
      names.forEach((n, j) => {
        if (n && !roads.some((r) => r.name === n))
          c.fail(
            [...p, 'roads', j],
            `no road named "${n}" (roads: ${roads.map((r) => r.name).join(', ') || 'none'})`,
          );
      });
      return { model, roads: names, speed: speed() };
    }
    case 'waypoints': {
      c.known(p, obj, ['model', 'home', 'routes', 'speed', 'hover', 'rest', 'startDelay']);
      const home = c.point([...p, 'home']);
      const routes = (c.list([...p, 'routes']) ?? []).map((_, j) => {
        const points = (c.list([...p, 'routes', j]) ?? []).map((_, k) => c.point([...p, 'routes', j, k]));
        if (points.length === 0) c.fail([...p, 'routes', j], 'a route needs at least one waypoint');
        return points;
      });
      if (c.get([...p, 'routes']) !== undefined && routes.length === 0)
        c.fail([...p, 'routes'], 'needs at least one route');
      return {
        model,
        home,
        routes,
        speed: speed(),
        hover: c.range([...p, 'hover'], { min: 0, fallback: [0, 0], unit: 'seconds' }),
        rest: c.range([...p, 'rest'], { min: 0, fallback: [5, 5], unit: 'seconds' }),
        startDelay: c.range([...p, 'startDelay'], { min: 0, fallback: [0, 0], unit: 'seconds' }),
      };
    }
    case 'random-walk': {
      c.known(p, obj, ['model', 'zone', 'speed', 'turnEvery']);
      const zp = [...p, 'zone'];
      const zoneObj = c.object(zp);
      c.known(zp, zoneObj, ['x', 'y', 'width', 'height']);
      const zone = zoneObj
        ? {
            x: c.number([...zp, 'x'], { min: 0, unit: 'metres' }),
            y: c.number([...zp, 'y'], { min: 0, unit: 'metres' }),
            width: c.number([...zp, 'width'], { minExclusive: 0, unit: 'metres' }),
            height: c.number([...zp, 'height'], { minExclusive: 0, unit: 'metres' }),
          }
        : { x: 0, y: 0, width: 1, height: 1 };
      if (zoneObj && (zone.x + zone.width > area.width || zone.y + zone.height > area.height))
        c.fail(zp, `the zone reaches beyond the area (${area.width} × ${area.height} m)`);
      return {
        model,
        zone,
        speed: speed(),
        turnEvery: c.range([...p, 'turnEvery'], { minExclusive: 0, fallback: [5, 5], unit: 'seconds' }),
      };
    }
    default: {
      c.known(p, obj, ['model', 'at']);
      return { model: 'fixed', at: c.point([...p, 'at'], area) };
    }
  }
}

/**
 * The devices of a scenario, `<group>-<n>`. With `nodes`, the group counts are scaled to that total
 * in proportion (largest remainders first, ties to the earlier group), so `--nodes` keeps the mix.
 */
export function devicesOf(scenario: Scenario, nodes?: number): DeviceSpec[] {
  const counts =
    nodes === undefined
      ? scenario.groups.map((g) => g.count)
      : scaleCounts(
          scenario.groups.map((g) => g.count),
          nodes,
        );
  const devices: DeviceSpec[] = [];
  scenario.groups.forEach((group, gi) => {
    for (let i = 0; i < counts[gi]!; i++) devices.push({ name: `${group.name}-${i + 1}`, group, index: i });
  });
  return devices;
}

export function scaleCounts(counts: number[], total: number): number[] {
  const sum = counts.reduce((a, b) => a + b, 0);
  if (sum === 0) return counts.map((_, i) => (i === 0 ? total : 0));
  const exact = counts.map((n) => (n * total) / sum);
  const out = exact.map(Math.floor);
  let left = total - out.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => ({ i, frac: e - Math.floor(e) }))
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (const { i } of order) {
    if (left <= 0) break;
    out[i]!++;
    left--;
  }
  return out;
}

/** The folder of the shipped scenarios (src/sim/scenarios, also when running from dist/). */
export function builtinScenarioDir(): string {
  const candidates = [
    fileURLToPath(new URL('./scenarios/', import.meta.url)),
    fileURLToPath(new URL('../../../src/sim/scenarios/', import.meta.url)),
  ];
  return candidates.find((d) => existsSync(d)) ?? candidates[candidates.length - 1]!;
}

export function builtinScenarioNames(): string[] {
  try {
    return readdirSync(builtinScenarioDir())
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** A scenario by file path, or by the name of a shipped one (`city`, `drone-delivery`, `warehouse`). */
export function loadScenario(fileOrName: string): Scenario {
  let path = fileOrName;
  if (!existsSync(path)) {
    const builtin = join(builtinScenarioDir(), `${fileOrName}.yaml`);
    if (!/[/\\]/.test(fileOrName) && existsSync(builtin)) path = builtin;
    else
      throw new ApiError(
        404,
        'NotFound',
        `scenario "${fileOrName}" is neither a file nor a shipped scenario (${builtinScenarioNames().join(', ')})`,
      );
  }
  return parseScenario(readFileSync(path, 'utf8'), path);
}
