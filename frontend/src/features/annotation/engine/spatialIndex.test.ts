import { describe, expect, it } from 'vitest';
import { mulberry32, randInt } from '../../../lib/prng';
import { SpatialIndex } from './spatialIndex';
import type { ConePoint, Rect } from './types';

function randomPoints(n: number, size: number, seed: number): ConePoint[] {
  const rng = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    x: rng() * size,
    y: rng() * size,
    source: rng() < 0.5 ? 'model' : 'human',
  }));
}

const ids = (ps: ConePoint[]) => ps.map((p) => p.id).sort();

function bruteRect(ps: Iterable<ConePoint>, r: Rect) {
  return [...ps].filter((p) => p.x >= r.x0 && p.x <= r.x1 && p.y >= r.y0 && p.y <= r.y1);
}

function bruteNearest(ps: Iterable<ConePoint>, x: number, y: number, maxDist: number) {
  let best: ConePoint | null = null;
  let bestD = Infinity;
  for (const p of ps) {
    const d = (p.x - x) ** 2 + (p.y - y) ** 2;
    if (d > maxDist * maxDist) continue;
    if (d < bestD || (d === bestD && best !== null && p.id < best.id)) {
      best = p;
      bestD = d;
    }
  }
  return best;
}

describe('SpatialIndex', () => {
  const size = 4096;
  const points = randomPoints(50_000, size, 7);
  const index = new SpatialIndex(64);
  for (const p of points) index.insert(p);

  it('holds every point once', () => {
    expect(index.size).toBe(50_000);
  });

  it('answers rectangle queries exactly as brute force', () => {
    const rng = mulberry32(11);
    for (let k = 0; k < 100; k++) {
      const x = rng() * size * 1.2 - size * 0.1;
      const y = rng() * size * 1.2 - size * 0.1;
      const w = rng() * (k % 10 === 0 ? size : 300);
      const h = rng() * (k % 10 === 0 ? size : 300);
      const r = { x0: x, y0: y, x1: x + w, y1: y + h };
      expect(ids(index.queryRect(r))).toEqual(ids(bruteRect(points, r)));
    }
  });

  it('answers nearest queries exactly as brute force', () => {
    const rng = mulberry32(12);
    for (let k = 0; k < 300; k++) {
      const x = rng() * size;
      const y = rng() * size;
      const d = 1 + rng() * 40;
      expect(index.nearest(x, y, d)?.id ?? null).toBe(bruteNearest(points, x, y, d)?.id ?? null);
    }
  });

  it('stays exact through removals and moves', () => {
    const idx = new SpatialIndex(32);
    const live = new Map<string, ConePoint>();
    for (const p of randomPoints(5_000, 1000, 3)) {
      const q = { ...p };
      idx.insert(q);
      live.set(q.id, q);
    }
    const rng = mulberry32(5);
    for (let k = 0; k < 2_000; k++) {
      const id = `p${randInt(rng, 0, 5_000)}`;
      const p = live.get(id);
      if (!p) continue;
      if (rng() < 0.5) {
        expect(idx.remove(id)).toBe(true);
        live.delete(id);
      } else {
        p.x = rng() * 1000;
        p.y = rng() * 1000;
        idx.update(p);
      }
    }
    expect(idx.size).toBe(live.size);
    for (let k = 0; k < 50; k++) {
      const x = rng() * 1000;
      const y = rng() * 1000;
      const r = { x0: x, y0: y, x1: x + 150, y1: y + 150 };
      expect(ids(idx.queryRect(r))).toEqual(ids(bruteRect(live.values(), r)));
      expect(idx.nearest(x, y, 20)?.id ?? null).toBe(bruteNearest(live.values(), x, y, 20)?.id ?? null);
    }
    expect(idx.remove('nope')).toBe(false);
  });

  it('hit-tests among 50,000 points exactly as brute force does', () => {
    // Speed is measured by the viewer journey (draw times); a unit test asserts results only.
    const rng = mulberry32(13);
    let hits = 0;
    for (let k = 0; k < 2_000; k++) {
      const x = rng() * size;
      const y = rng() * size;
      const got = index.nearest(x, y, 6);
      if (got) hits++;
      if (k % 10 === 0) expect(got?.id ?? null).toBe(bruteNearest(points, x, y, 6)?.id ?? null);
    }
    expect(hits).toBeGreaterThan(0);
  });

  it('refuses a zero cell size', () => {
    expect(() => new SpatialIndex(0)).toThrow();
  });
});
