import { describe, expect, it } from 'vitest';
import { AnnotationDocument } from './document';
import { mulberry32 } from '../../../lib/prng';
import { cellsOf, summarise, voronoiCells } from './voronoi';

/** hexLattice puts marks on a triangular lattice (spacing a): every inner Voronoi cell is a regular hexagon. */
function hexLattice(width: number, height: number, a: number): Float64Array {
  const out: number[] = [];
  const dy = (a * Math.sqrt(3)) / 2;
  for (let row = 0, y = a / 2; y < height; row++, y += dy) {
    for (let x = row % 2 ? a : a / 2; x < width; x += a) out.push(x, y);
  }
  return Float64Array.from(out);
}

describe('voronoi', () => {
  it('finds six sides and the hexagon area on a regular mosaic', () => {
    const a = 10;
    const cells = cellsOf(hexLattice(400, 400, a), 400, 400);
    const s = summarise(cells, 0.5);
    expect(s.cells).toBeGreaterThan(1500);
    expect(s.sixSided).toBe(1);
    // A regular hexagon of a triangular lattice with spacing a: √3/2·a² px², here at 0.5 µm/px.
    expect(s.meanAreaUm2).toBeCloseTo((Math.sqrt(3) / 2) * a * a * 0.25, 6);
  });

  it('leaves out cells cut by the image edge', () => {
    const xy = hexLattice(200, 200, 10);
    const cells = cellsOf(xy, 200, 200);
    const n = xy.length / 2;
    let edge = 0;
    for (let c = 0; c < n; c++) {
      const x = xy[2 * c]!;
      const y = xy[2 * c + 1]!;
      const nearEdge = x < 15 || y < 15 || x > 185 || y > 185; // within 1.5 spacings
      if (cells.sides[c] === 0) {
        edge++;
        expect(nearEdge, `cell at ${x},${y}`).toBe(true);
        expect(cells.area[c]).toBe(0);
      }
    }
    expect(edge).toBeGreaterThan(40);
    // The cells still tile the image: their areas add up to it.
    let total = 0;
    for (const poly of cells.polygons) {
      let a2 = 0;
      const m = poly.length / 2;
      for (let k = 0; k < m; k++) {
        const j = (k + 1) % m;
        a2 += poly[2 * k]! * poly[2 * j + 1]! - poly[2 * j]! * poly[2 * k + 1]!;
      }
      total += Math.abs(a2) / 2;
    }
    expect(total).toBeCloseTo(200 * 200, 3);
  });

  it('matches the Poisson–Voronoi statistics on random marks', () => {
    // Uniform random points: mean number of sides 6, about 29.4% six-sided (Poisson–Voronoi).
    const rng = mulberry32(7);
    const n = 20_000;
    const xy = new Float64Array(n * 2);
    for (let i = 0; i < xy.length; i++) xy[i] = rng() * 1000;
    const cells = cellsOf(xy, 1000, 1000);
    const s = summarise(cells, 1);
    let sides = 0;
    for (const k of cells.sides) sides += k;
    expect(sides / s.cells).toBeGreaterThan(5.9);
    expect(sides / s.cells).toBeLessThan(6.05);
    expect(s.sixSided).toBeGreaterThan(0.27);
    expect(s.sixSided).toBeLessThan(0.32);
    expect(s.bySides[3]! + s.bySides[4]! + s.bySides[5]! + s.bySides[7]! + s.bySides[8]! + s.bySides[9]!).toBe(s.cells - s.bySides[6]!);
    // Mean area of inner cells ≈ image area / marks (edge cells are a little larger).
    expect(s.meanAreaUm2).toBeGreaterThan((1e6 / n) * 0.95);
    expect(s.meanAreaUm2).toBeLessThan((1e6 / n) * 1.05);
  });

  it('measures only the marks inside a rectangle', () => {
    const cells = cellsOf(hexLattice(400, 400, 10), 400, 400);
    const all = summarise(cells, 1);
    const part = summarise(cells, 1, { x0: 100, y0: 100, x1: 200, y1: 200 });
    expect(part.cells).toBeGreaterThan(100);
    expect(part.cells).toBeLessThan(all.cells / 4);
    expect(part.sixSided).toBe(1);
  });

  it('reads the document, and survives no marks and duplicate marks', () => {
    const doc = new AnnotationDocument({ width: 100, height: 100, umPerPx: 1 });
    expect(summarise(voronoiCells(doc), 1)).toEqual({ cells: 0, bySides: { 3: 0, 4: 0, 5: 0, 6: 0, 7: 0, 8: 0, 9: 0 }, sixSided: 0, meanAreaUm2: 0 });
    const xy = hexLattice(100, 100, 10);
    xy.forEach((v, i) => doc.putPoint({ id: `p${i >> 1}`, x: i % 2 ? xy[i - 1]! : v, y: i % 2 ? v : xy[i + 1]!, source: 'model' }));
    doc.putPoint({ id: 'dup', x: xy[40]!, y: xy[41]!, source: 'human' });
    const cells = voronoiCells(doc);
    expect(cells.polygons).toHaveLength(doc.points.size);
    expect(cells.polygons.filter((p) => p.length === 0)).toHaveLength(1);
    expect(summarise(cells, 1).sixSided).toBe(1);
  });
});
