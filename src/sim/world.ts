/**
 * The simulated world: every device's position and link, advanced in fixed steps of simulated time
 * (0.1 s). Pure and deterministic: the same scenario, seed and time give the same positions and the
 * same coverage, whatever the wall clock did, so tests can say "at t = 20 s car-3 is out of range".
 */
import type { Point } from './geometry.js';
import { type Mover, moverFor } from './movement.js';
import { Random } from './prng.js';
import { type LinkConditions, linkAt } from './radio.js';
import { type DeviceSpec, devicesOf, type Scenario } from './scenario.js';

export const STEP_SECONDS = 0.1;

export interface WorldDevice {
  readonly spec: DeviceSpec;
  readonly name: string;
  position: Point;
  link: LinkConditions;
}

export interface CoverageChange {
  device: string;
  up: boolean;
  /** Simulated time of the step at which it happened, seconds. */
  t: number;
  station: string | undefined;
}

export interface WorldOptions {
  /** Overrides the scenario's seed. */
  seed?: number;
  /** Scales the groups to this many devices in total (see devicesOf). */
  nodes?: number;
  /** Simulate only these devices (the others still exist in the scenario, e.g. in other processes). */
  only?: ReadonlySet<string>;
}

export class World {
  readonly seed: number;
  readonly devices: WorldDevice[] = [];
  private readonly movers = new Map<string, Mover>();
  private readonly byName = new Map<string, WorldDevice>();
  private steps = 0;

  constructor(
    readonly scenario: Scenario,
    options: WorldOptions = {},
  ) {
    this.seed = options.seed ?? scenario.seed;
    for (const spec of devicesOf(scenario, options.nodes)) {
      if (options.only && !options.only.has(spec.name)) continue;
      const mover = moverFor(scenario, spec, Random.forStream(this.seed, spec.name));
      const position = mover.position;
      const device: WorldDevice = {
        spec,
        name: spec.name,
        position,
        link: linkAt(position, scenario.stations, scenario.link),
      };
      this.movers.set(spec.name, mover);
      this.byName.set(spec.name, device);
      this.devices.push(device);
    }
  }

  /** Simulated seconds since the start. */
  get time(): number {
    return this.steps * STEP_SECONDS;
  }

  device(name: string): WorldDevice | undefined {
    return this.byName.get(name);
  }

  /** Steps up to simulated time t (never back); returns the coverage changes on the way, in order. */
  advanceTo(t: number): CoverageChange[] {
    const target = Math.floor(t / STEP_SECONDS + 1e-9);
    const changes: CoverageChange[] = [];
    while (this.steps < target) {
      this.steps++;
      const now = this.time;
      for (const d of this.devices) {
        const mover = this.movers.get(d.name)!;
        mover.step(STEP_SECONDS);
        d.position = mover.position;
        const link = linkAt(d.position, this.scenario.stations, this.scenario.link);
        if (link.up !== d.link.up)
          changes.push({ device: d.name, up: link.up, t: now, station: link.station ?? d.link.station });
        d.link = link;
      }
    }
    return changes;
  }

  inRange(): number {
    let n = 0;
    for (const d of this.devices) if (d.link.up) n++;
    return n;
  }
}
