/**
 * Reads a V8 .cpuprofile (written by `node --cpu-prof`) and says where the time went: self and
 * inclusive time per function, for the whole run or for a time window (a benchmark phase). Sample
 * timestamps are on the monotonic clock that process.hrtime() reads, so the benchmark can cut the
 * hub's profile at its own phase boundaries. Compiled locations are mapped back to the TypeScript
 * sources through the .js.map files tsc writes.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    children?: number[];
  }[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface FunctionTime {
  /** "functionName file:line" */
  name: string;
  ms: number;
  /** Share of the busy (non-idle) time of the window, in percent. */
  percent: number;
}

export interface ProfileSummary {
  label: string;
  wallMs: number;
  busyMs: number;
  /** Time per function excluding callees. */
  self: FunctionTime[];
  /** Time per function including callees (each function counted once per sample). */
  inclusive: FunctionTime[];
}

export interface Window {
  label: string;
  /** Monotonic microseconds (process.hrtime.bigint() / 1000). */
  fromUs: number;
  toUs: number;
}

/** Maps a compiled location to "file:line" as a reader should look it up. */
export type LocationResolver = (url: string, line0: number, column0: number) => string;

const IDLE = '(idle)';

export function summarizeProfile(
  profile: CpuProfile,
  windows: Window[],
  resolveLocation: LocationResolver,
  top = 15,
): ProfileSummary[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const keyOf = new Map<number, string>();
  for (const n of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = n.callFrame;
    const fn = functionName || '(anonymous)';
    if (fn.startsWith('(') && !url) keyOf.set(n.id, fn);
    else keyOf.set(n.id, url ? `${fn} ${resolveLocation(url, lineNumber, columnNumber)}` : `${fn} (native)`);
  }
  // The distinct functions on each node's stack, memoised per node.
  const stacks = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    const cached = stacks.get(id);
    if (cached) return cached;
    const up = parent.get(id);
    const base = up === undefined ? [] : stackOf(up);
    const key = keyOf.get(id)!;
    const stack = base.includes(key) || key === '(root)' ? base : [...base, key];
    stacks.set(id, stack);
    return stack;
  };

  // Sample i lasts until the next sample.
  const times: number[] = new Array(profile.samples.length);
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i] ?? 0;
    times[i] = t;
  }

  return windows.map((w) => {
    const self = new Map<string, number>();
    const inclusive = new Map<string, number>();
    let busyUs = 0;
    for (let i = 0; i < profile.samples.length; i++) {
      const at = times[i]!;
      if (at < w.fromUs || at >= w.toUs) continue;
      const duration = i + 1 < times.length ? times[i + 1]! - at : 0;
      const id = profile.samples[i]!;
      const key = keyOf.get(id) ?? '?';
      if (key === IDLE) continue;
      busyUs += duration;
      self.set(key, (self.get(key) ?? 0) + duration);
      if (byId.has(id)) for (const fn of stackOf(id)) inclusive.set(fn, (inclusive.get(fn) ?? 0) + duration);
    }
    const rank = (m: Map<string, number>): FunctionTime[] =>
      [...m.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, top)
        .map(([name, us]) => ({ name, ms: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
    return {
      label: w.label,
      wallMs: (Math.min(w.toUs, profile.endTime) - Math.max(w.fromUs, profile.startTime)) / 1000,
      busyMs: busyUs / 1000,
      self: rank(self),
      inclusive: rank(inclusive),
    };
  });
}

// ---- source maps -------------------------------------------------------------------------------

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** One mapping: generated column, source index, source line, source column (all 0-based). */
export type Segment = [number, number, number, number];

/** Decodes the `mappings` field of a source map (version 3) into segments per generated line. */
export function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let source = 0;
  let sourceLine = 0;
  let sourceColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let column = 0;
    for (const segmentText of lineText.split(',')) {
      if (!segmentText) continue;
      const fields = decodeVlq(segmentText);
      column += fields[0]!;
      if (fields.length >= 4) {
        source += fields[1]!;
        sourceLine += fields[2]!;
        sourceColumn += fields[3]!;
        segments.push([column, source, sourceLine, sourceColumn]);
      }
    }
    lines.push(segments);
  }
  return lines;
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const ch of text) {
    const digit = BASE64.indexOf(ch);
    if (digit < 0) throw new Error(`invalid base64 VLQ character "${ch}"`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
    } else {
      values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
      value = 0;
      shift = 0;
    }
  }
  return values;
}

/** The source location of a generated (line, column), or undefined when the map has none. */
export function lookup(lines: Segment[][], line0: number, column0: number): Segment | undefined {
  const segments = lines[line0];
  if (!segments || segments.length === 0) return undefined;
  let best = segments[0]!;
  for (const s of segments) {
    if (s[0] > column0) break;
    best = s;
  }
  return best;
}

/**
 * A resolver that shows files relative to `root` and maps compiled files to their TypeScript source
 * when a source map sits beside them; node internals and other URLs are shown as they are.
 */
export function sourceMapResolver(root: string): LocationResolver {
  const maps = new Map<string, { sources: string[]; lines: Segment[][] } | null>();
  const load = (file: string) => {
    if (maps.has(file)) return maps.get(file)!;
    let map: { sources: string[]; lines: Segment[][] } | null = null;
    try {
      if (existsSync(`${file}.map`)) {
        const raw = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as {
          sources: string[];
          sourceRoot?: string;
          mappings: string;
        };
        const dir = resolve(dirname(file), raw.sourceRoot ?? '');
        map = { sources: raw.sources.map((s) => resolve(dir, s)), lines: decodeMappings(raw.mappings) };
      }
    } catch {
      map = null;
    }
    maps.set(file, map);
    return map;
  };
  return (url, line0, column0) => {
    if (!url.startsWith('file://')) return `${url}:${line0 + 1}`;
    const file = fileURLToPath(url);
    const map = load(file);
    const segment = map ? lookup(map.lines, line0, column0) : undefined;
    if (map && segment) return `${relative(root, map.sources[segment[1]]!)}:${segment[2] + 1}`;
    const shown = file.startsWith(root) ? relative(root, file) : file;
    return `${shown}:${line0 + 1}`;
  };
}
