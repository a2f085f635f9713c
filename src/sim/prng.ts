/**
 * A small seeded pseudo-random generator, so a scenario plays out the same way every time it runs
 * with the same seed. Each device draws from its own stream (seeded from the scenario seed and the
 * device's name), so adding devices or running them in other processes changes nobody else's path.
 */

/** 32-bit FNV-1a hash of a string: turns a seed and a name into a stream seed. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** Deterministic random numbers from a 32-bit seed (a Weyl sequence through an integer mixer). */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A generator for one named stream of this seed, e.g. one device. */
  static forStream(seed: number, name: string): Random {
    return new Random(hashString(name, (seed ^ 0x9e3779b9) >>> 0));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x9e3779b9) >>> 0;
    let z = this.state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    z ^= z >>> 15;
    return (z >>> 0) / 4294967296;
  }

  /** Uniform in [min, max]. */
  between(min: number, max: number): number {
    return min === max ? min : min + (max - min) * this.next();
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return p > 0 && this.next() < p;
  }
}
