import { describe, expect, it } from 'vitest';
import { demoCones, demoFibres, demoUncertainty } from './demoMosaic';

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

  it('makes a fibre field that leaves the disc on the left and has no fibres at the fovea', () => {
    const f = demoFibres(4096, 64);
    expect(f.cellPx).toBe(64);
    expect(f.angleDeg).toHaveLength(64 * 64);
    for (const a of f.angleDeg) {
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThan(180);
    }
    const at = (c: number, r: number) => ({ a: f.angleDeg[r * 64 + c]!, coh: f.coherence[r * 64 + c]! });
    // At the left edge, level with the disc: near-horizontal fibres, clearly striated.
    const edge = at(0, 32);
    expect(Math.min(edge.a, 180 - edge.a)).toBeLessThan(10); // bent a little toward the arc round the fovea
    expect(edge.coh).toBeGreaterThan(0.9);
    // At the fovea: almost no striation.
    expect(at(32, 32).coh).toBeLessThan(0.25);
  });
});
