import { describe, expect, it } from 'vitest';
import { MaskLayer } from './mask';
import { mulberry32 } from '../../../lib/prng';

describe('MaskLayer', () => {
  it('paints a disc of about πr² pixels and records what changed', () => {
    const m = new MaskLayer(100, 100);
    const changed: number[] = [];
    m.paintDisc(50, 50, 10, true, changed);
    expect(m.area).toBe(changed.length);
    expect(Math.abs(m.area - Math.PI * 100)).toBeLessThan(20);
    expect(m.get(50, 50)).toBe(true);
    expect(m.get(50, 65)).toBe(false);
    // Painting again changes nothing.
    const again: number[] = [];
    m.paintDisc(50, 50, 10, true, again);
    expect(again).toEqual([]);
    m.flip(changed);
    expect(m.area).toBe(0);
  });

  it('clips discs at the edges', () => {
    const m = new MaskLayer(10, 10);
    m.paintDisc(0, 0, 5, true);
    m.paintDisc(10, 10, 50, true);
    expect(m.area).toBe(100);
    expect(m.get(-1, 0)).toBe(false);
  });

  it('round-trips through run lengths', () => {
    const rng = mulberry32(9);
    for (const [w, h] of [
      [1, 1],
      [31, 3],
      [64, 64],
      [257, 129],
    ] as const) {
      const m = new MaskLayer(w, h);
      for (let k = 0; k < 20; k++) m.paintDisc(rng() * w, rng() * h, rng() * 8, rng() < 0.7);
      const runs = m.toRuns();
      expect(runs.reduce((a, b) => a + b, 0)).toBe(w * h);
      const back = MaskLayer.fromRuns(w, h, runs);
      expect(back.equals(m)).toBe(true);
      expect(back.area).toBe(m.area);
    }
  });

  it('encodes an empty mask as one run and a full one as two', () => {
    const m = new MaskLayer(70, 3);
    expect(m.toRuns()).toEqual([210]);
    m.paintDisc(35, 1.5, 100, true);
    expect(m.toRuns()).toEqual([0, 210]);
  });

  it('refuses runs that do not cover the mask', () => {
    expect(() => MaskLayer.fromRuns(4, 4, [3])).toThrow(/cover/);
    expect(() => MaskLayer.fromRuns(4, 4, [10, 10])).toThrow(/fit/);
    expect(() => MaskLayer.fromRuns(4, 4, [-1, 17])).toThrow();
  });

  it('paints a segment as a continuous stroke', () => {
    const m = new MaskLayer(200, 50);
    m.paintSegment(10, 25, 190, 25, 3, true);
    for (let x = 10; x < 190; x++) expect(m.get(x, 25)).toBe(true);
  });
});
