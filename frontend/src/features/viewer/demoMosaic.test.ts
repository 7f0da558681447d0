import { describe, expect, it } from 'vitest';
import { demoCones, demoUncertainty } from './demoMosaic';

describe('demo mosaic', () => {
  it('places exactly the asked number of cones inside the image, deterministically', () => {
    const a = demoCones(4096, 50_000, 1);
    expect(a.count).toBe(50_000);
    expect(a.xy).toHaveLength(100_000);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of a.xy) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(4096);
    expect(demoCones(4096, 50_000, 1).xy).toEqual(a.xy);
    expect(demoCones(4096, 50_000, 2).xy).not.toEqual(a.xy);
  });

  it('makes an uncertainty field in [0, 1]', () => {
    const u = demoUncertainty(32);
    expect(u.data).toHaveLength(1024);
    for (const v of u.data) {
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});
