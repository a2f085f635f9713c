/**
 * Radio coverage: a device is in range when it is within some station's radius, and its link
 * follows the distance to the station it hears best (the smallest distance relative to that
 * station's radius). With f = (d / radius)², latency and loss grow linearly in f from the values at
 * the station to those at the edge, and bandwidth falls geometrically (so halfway out it is the
 * geometric mean). Outside every radius the link is down.
 */
import type { Point } from './geometry.js';
import type { LinkModel, Station } from './scenario.js';

export interface LinkConditions {
  up: boolean;
  /** The station heard best (nearest relative to its radius), even when out of its range. */
  station: string | undefined;
  /** Metres to that station. */
  distance: number;
  /** 0 at the station, 1 at the edge of coverage, above 1 outside. */
  reach: number;
  /** Round-trip time the link adds, in ms. */
  latencyMs: number;
  /** Probability that a packet is lost (and must be sent again). */
  loss: number;
  bandwidthBytesPerSecond: number;
}

export const DOWN: LinkConditions = {
  up: false,
  station: undefined,
  distance: Number.POSITIVE_INFINITY,
  reach: Number.POSITIVE_INFINITY,
  latencyMs: 0,
  loss: 1,
  bandwidthBytesPerSecond: 0,
};

export function linkAt(at: Point, stations: Station[], model: LinkModel): LinkConditions {
  let best: { station: Station; d: number; reach: number } | undefined;
  for (const s of stations) {
    const d = Math.hypot(at[0] - s.x, at[1] - s.y);
    const reach = d / s.radius;
    if (!best || reach < best.reach) best = { station: s, d, reach };
  }
  if (!best) return DOWN;
  if (best.reach > 1) return { ...DOWN, station: best.station.name, distance: best.d, reach: best.reach };
  const f = best.reach * best.reach;
  const lerp = (r: [number, number]) => r[0] + (r[1] - r[0]) * f;
  const [bwNear, bwEdge] = model.bandwidthKbps;
  const kbps = bwNear * (bwEdge / bwNear) ** f;
  return {
    up: true,
    station: best.station.name,
    distance: best.d,
    reach: best.reach,
    latencyMs: lerp(model.latencyMs),
    loss: lerp(model.loss),
    bandwidthBytesPerSecond: (kbps * 1000) / 8,
  };
}
