/** Plane geometry in metres: x grows east, y grows north, (0, 0) is the map's south-west corner. */

export type Point = [number, number];

export function distance(a: Point, b: Point): number {
  return Math.hypot(a[0] - b[0], a[1] - b[1]);
}

/** A polyline measured along its length, for "where am I after s metres". */
export class Polyline {
  /** Cumulative length at each vertex (0 at the first). */
  private readonly at: number[];
  readonly length: number;

  constructor(readonly points: Point[]) {
    if (points.length < 2) throw new RangeError('a polyline needs at least two points');
    this.at = [0];
    for (let i = 1; i < points.length; i++)
      this.at.push(this.at[i - 1]! + distance(points[i - 1]!, points[i]!));
    this.length = this.at[this.at.length - 1]!;
  }

  /** Whether it ends where it starts (a ring road), so travel continues around instead of turning back. */
  get closed(): boolean {
    return distance(this.points[0]!, this.points[this.points.length - 1]!) < 1e-6;
  }

  /** The point `s` metres from the start, clamped to the ends. */
  pointAt(s: number): Point {
    if (s <= 0) return [...this.points[0]!];
    if (s >= this.length) return [...this.points[this.points.length - 1]!];
    // Binary search for the segment holding s.
    let lo = 0;
    let hi = this.at.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (this.at[mid]! <= s) lo = mid;
      else hi = mid;
    }
    const a = this.points[lo]!;
    const b = this.points[hi]!;
    const span = this.at[hi]! - this.at[lo]!;
    const f = span > 0 ? (s - this.at[lo]!) / span : 0;
    return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
  }
}

/** Moves `from` towards `to` by at most `step` metres; returns the new point and whether it arrived. */
export function moveTowards(from: Point, to: Point, step: number): { at: Point; arrived: boolean } {
  const d = distance(from, to);
  if (d <= step) return { at: [to[0], to[1]], arrived: true };
  const f = step / d;
  return { at: [from[0] + (to[0] - from[0]) * f, from[1] + (to[1] - from[1]) * f], arrived: false };
}
