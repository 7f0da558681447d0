import { describe, expect, it } from 'vitest';
import { densityGrid, densityIn } from './density';
import { AnnotationDocument } from './document';

function grid(n: number, step: number, umPerPx: number) {
  const doc = new AnnotationDocument({ width: n * step, height: n * step, umPerPx });
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) doc.putPoint({ id: `p${i}_${j}`, x: i * step + step / 2, y: j * step + step / 2, source: 'model' });
  return doc;
}

describe('density', () => {
  it('converts counts per area to cones per mm²', () => {
    // One cone per 10×10 px at 1 µm/px: 1 per 100 µm² = 10,000 per mm².
    const doc = grid(20, 10, 1);
    const d = densityIn(doc, { x0: 0, y0: 0, x1: 200, y1: 200 });
    expect(d.count).toBe(400);
    expect(d.areaMm2).toBeCloseTo(0.04);
    expect(d.perMm2).toBeCloseTo(10_000);
    expect(d.ci95Low).toBeLessThan(d.perMm2);
    expect(d.ci95High).toBeGreaterThan(d.perMm2);
    expect(d.ci95High - d.perMm2).toBeCloseTo((1.96 * 20) / 0.04);
  });

  it('clips to the image and handles empty areas', () => {
    const doc = grid(10, 10, 0.5);
    expect(densityIn(doc, { x0: -100, y0: -100, x1: 1000, y1: 1000 }).count).toBe(100);
    expect(densityIn(doc, { x0: 500, y0: 500, x1: 600, y1: 600 })).toEqual({ count: 0, areaMm2: 0, perMm2: 0, ci95Low: 0, ci95High: 0 });
  });

  it('maps density per cell, edge cells by their own area', () => {
    const doc = grid(10, 10, 1); // 100×100 px
    const g = densityGrid(doc, 40); // cells 40, 40, 20 wide
    expect(g.width).toBe(3);
    expect(g.height).toBe(3);
    for (const v of g.data) expect(v).toBeCloseTo(10_000);
  });
});
