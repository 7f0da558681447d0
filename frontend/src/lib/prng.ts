// A small seeded pseudo-random generator (mulberry32): the same seed gives the
// same sequence, for reproducible demo data and property-style tests.

/** Rng returns the next number of its sequence, in [0, 1). */
export type Rng = () => number;

/** mulberry32 is the generator for seed. */
export function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** randInt is a whole number in [lo, hi). */
export function randInt(rng: Rng, lo: number, hi: number): number {
  return lo + Math.floor(rng() * (hi - lo));
}
