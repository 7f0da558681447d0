import { describe, expect, it } from 'vitest';
import { clipRegion, rankRegions, UncertaintyNavigator, type UncertaintyMap } from './uncertainty';

function map(width: number, height: number, f: (x: number, y: number) => number): UncertaintyMap {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = f(x, y);
  return { data, width, height };
}

describe('uncertainty navigation', () => {
  it('ranks regions by mean uncertainty, descending', () => {
    // Four 4×4 regions with means 0.1, 0.9, 0.5, 0.7.
    const means = [0.1, 0.9, 0.5, 0.7];
    const m = map(8, 8, (x, y) => means[(y >= 4 ? 2 : 0) + (x >= 4 ? 1 : 0)]!);
    const ranked = rankRegions(m, 4);
    expect(ranked.map((r) => r.index)).toEqual([1, 3, 2, 0]);
    expect(ranked[0]).toMatchObject({ x: 6, y: 2 });
    expect(ranked[0]!.score).toBeCloseTo(0.9);
  });

  it('scales centres to image pixels and handles ragged edges', () => {
    const m = map(10, 5, (x) => x);
    const ranked = rankRegions(m, 4, 8);
    // Columns 0-3, 4-7, 8-9; rows 0-3, 4.
    expect(ranked).toHaveLength(6);
    expect(ranked[0]).toMatchObject({ x: 9 * 8, y: 2 * 8 });
    expect(ranked[0]!.score).toBeCloseTo(8.5);
    // Its extent, for the outline: the ragged last column (map x 8–10) of the first row (0–4).
    expect(ranked[0]).toMatchObject({ x0: 8 * 8, y0: 0, x1: 10 * 8, y1: 4 * 8 });
  });

  it('ignores NaN and skips all-NaN regions', () => {
    const m = map(4, 2, (x) => (x < 2 ? Number.NaN : x === 2 ? 0.2 : Number.NaN));
    const ranked = rankRegions(m, 2);
    expect(ranked).toHaveLength(1);
    expect(ranked[0]!.score).toBeCloseTo(0.2);
  });

  it('visits each region once, most uncertain first, skipping visited ones', () => {
    const m = map(64, 64, (x, y) => (x * 3 + y * 7) % 13);
    const nav = new UncertaintyNavigator(m, 16, 2);
    const expected = rankRegions(m, 16, 2);
    nav.markVisitedAt(expected[1]!.x, expected[1]!.y); // the user already looked at the second
    const seen: number[] = [];
    for (let r = nav.next(); r; r = nav.next()) seen.push(r.index);
    expect(seen).toEqual(expected.filter((_, i) => i !== 1).map((r) => r.index));
    expect(nav.remaining).toBe(0);
    expect(nav.next()).toBeNull();
    nav.reset();
    expect(nav.next()?.index).toBe(expected[0]!.index);
  });

  it('refuses mismatched maps', () => {
    expect(() => rankRegions({ data: new Float32Array(3), width: 2, height: 2 }, 1)).toThrow();
  });

  it('clips a region reaching past the image and says how much of it is inside', () => {
    const r = { x: 500, y: 20, score: 1, index: 12, x0: 480, y0: 0, x1: 520, y1: 40 };
    const c = clipRegion(r, 512, 512);
    expect(c.region).toMatchObject({ x0: 480, x1: 512, y0: 0, y1: 40, x: 496, y: 20 });
    expect(c.inside).toBeCloseTo(32 / 40);
    expect(clipRegion({ ...r, x0: 510, x1: 550 }, 512, 512).inside).toBeCloseTo(2 / 40);
    expect(clipRegion(r, 1024, 1024).inside).toBe(1);
  });
});
