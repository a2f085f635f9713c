/**
 * Movement models, advanced in fixed time steps. Every random choice (start point, speed, heading,
 * pauses) comes from the device's own seeded stream, so a device's path depends only on the scenario,
 * the seed and its name.
 */
import { moveTowards, type Point, Polyline } from './geometry.js';
import type { Random } from './prng.js';
import type { DeviceSpec, Range, Scenario } from './scenario.js';

export interface Mover {
  readonly position: Point;
  /** Advances the device by dt seconds of simulated time. */
  step(dt: number): void;
}

const draw = (rnd: Random, r: Range) => rnd.between(r[0], r[1]);

/** Vehicles: along a road polyline at a steady speed; back and forth on open roads, around on rings. */
export class RouteMover implements Mover {
  private readonly line: Polyline;
  private readonly speed: number;
  private s: number;
  private dir: 1 | -1;

  constructor(points: Point[], speedRange: Range, rnd: Random) {
    this.line = new Polyline(points);
    this.speed = draw(rnd, speedRange);
    this.s = rnd.between(0, this.line.length);
    this.dir = rnd.chance(0.5) ? -1 : 1;
  }

  get position(): Point {
    return this.line.pointAt(this.s);
  }

  /** Metres along the road, for tests. */
  get along(): number {
    return this.s;
  }

  step(dt: number): void {
    const len = this.line.length;
    if (len <= 0) return;
    let s = this.s + this.dir * this.speed * dt;
    if (this.line.closed) {
      s %= len;
      if (s < 0) s += len;
    } else {
      // Reflect at the ends (a step longer than the road reflects more than once).
      for (let i = 0; i < 8 && (s < 0 || s > len); i++) {
        if (s > len) {
          s = 2 * len - s;
          this.dir = -1;
        } else {
          s = -s;
          this.dir = 1;
        }
      }
      s = Math.min(len, Math.max(0, s));
    }
    this.s = s;
  }
}

type FlightPhase = 'waiting' | 'flying' | 'hovering' | 'resting';

/** Drones: wait, fly home → waypoints → home in straight lines, hover at each waypoint, rest, repeat. */
export class WaypointMover implements Mover {
  private at: Point;
  private phase: FlightPhase = 'waiting';
  private timer: number;
  private target = 0;
  private readonly path: Point[];
  private readonly speed: number;

  constructor(
    home: Point,
    route: Point[],
    speedRange: Range,
    private readonly hover: Range,
    private readonly rest: Range,
    startDelay: Range,
    private readonly rnd: Random,
  ) {
    this.path = [...route, home];
    this.at = [home[0], home[1]];
    this.speed = draw(rnd, speedRange);
    this.timer = draw(rnd, startDelay);
  }

  get position(): Point {
    return [this.at[0], this.at[1]];
  }

  get state(): FlightPhase {
    return this.phase;
  }

  step(dt: number): void {
    let left = dt;
    for (let i = 0; i < 16 && left > 1e-9; i++) {
      if (this.phase !== 'flying') {
        const used = Math.min(left, this.timer);
        this.timer -= used;
        left -= used;
        if (this.timer > 1e-9) return;
        this.phase = 'flying';
        if (this.target >= this.path.length) this.target = 0;
        continue;
      }
      const goal = this.path[this.target]!;
      const { at, arrived } = moveTowards(this.at, goal, this.speed * left);
      const travelled = Math.hypot(at[0] - this.at[0], at[1] - this.at[1]);
      this.at = at;
      if (!arrived) return;
      left -= travelled / this.speed;
      const home = this.target === this.path.length - 1;
      this.target++;
      this.phase = home ? 'resting' : 'hovering';
      this.timer = draw(this.rnd, home ? this.rest : this.hover);
    }
  }
}

/** Robots: a straight walk inside a rectangle, bouncing off its edges, turning to a new heading now and then. */
export class RandomWalkMover implements Mover {
  private at: Point;
  private heading: number;
  private untilTurn: number;
  private readonly speed: number;

  constructor(
    private readonly zone: { x: number; y: number; width: number; height: number },
    speedRange: Range,
    private readonly turnEvery: Range,
    private readonly rnd: Random,
  ) {
    this.at = [zone.x + rnd.next() * zone.width, zone.y + rnd.next() * zone.height];
    this.speed = draw(rnd, speedRange);
    this.heading = rnd.next() * 2 * Math.PI;
    this.untilTurn = draw(rnd, turnEvery);
  }

  get position(): Point {
    return [this.at[0], this.at[1]];
  }

  step(dt: number): void {
    this.untilTurn -= dt;
    if (this.untilTurn <= 0) {
      this.heading = this.rnd.next() * 2 * Math.PI;
      this.untilTurn = draw(this.rnd, this.turnEvery);
    }
    const { x, y, width, height } = this.zone;
    let nx = this.at[0] + Math.cos(this.heading) * this.speed * dt;
    let ny = this.at[1] + Math.sin(this.heading) * this.speed * dt;
    if (nx < x || nx > x + width) {
      nx = nx < x ? 2 * x - nx : 2 * (x + width) - nx;
      this.heading = Math.PI - this.heading;
    }
    if (ny < y || ny > y + height) {
      ny = ny < y ? 2 * y - ny : 2 * (y + height) - ny;
      this.heading = -this.heading;
    }
    this.at = [Math.min(x + width, Math.max(x, nx)), Math.min(y + height, Math.max(y, ny))];
  }
}

export class FixedMover implements Mover {
  constructor(readonly position: Point) {}
  step(): void {}
}

/** The mover a device of the scenario gets, from its own random stream. */
export function moverFor(scenario: Scenario, device: DeviceSpec, rnd: Random): Mover {
  const m = device.group.movement;
  switch (m.model) {
    case 'route': {
      const roadName = m.roads[device.index % m.roads.length]!;
      const road = scenario.roads.find((r) => r.name === roadName)!;
      return new RouteMover(road.points, m.speed, rnd);
    }
    case 'waypoints':
      return new WaypointMover(
        m.home,
        m.routes[device.index % m.routes.length]!,
        m.speed,
        m.hover,
        m.rest,
        m.startDelay,
        rnd,
      );
    case 'random-walk':
      return new RandomWalkMover(m.zone, m.speed, m.turnEvery, rnd);
    case 'fixed':
      return new FixedMover(m.at);
  }
}
