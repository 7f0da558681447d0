// Voronoi domains of the cone marks (d3-delaunay): each mark's cell, its number of sides
// (neighbours) and area. A regular cone mosaic is mostly six-sided; the share of six-sided
// cells and the cell area are the packing measures read beside density. Cells cut by the
// image edge are not measured (their shape is the crop's, not the mosaic's).
import { Delaunay } from 'd3-delaunay';
import type { AnnotationDocument } from './document';
import type { Rect } from './types';

export interface VoronoiCells {
  /** xy holds the marks' positions, two numbers per mark, in cell order. */
  xy: Float64Array;
  /** polygons[i] is cell i as x,y pairs (open ring); empty for a duplicate mark. */
  polygons: Float64Array[];
  /** sides[i] is the number of sides of an inner cell, 0 for a cell cut by the image edge. */
  sides: Uint8Array;
  /** area[i] is the cell's area in px² (0 where sides is 0). */
  area: Float64Array;
  width: number;
  height: number;
  /** nearest is the cell (mark) nearest to x,y; hint, a cell near it, makes a raster scan fast. */
  nearest(x: number, y: number, hint?: number): number;
}

/** Edges shorter than this (px) are a rounding artefact of four marks on one circle, not a side. */
const MIN_EDGE = 1e-3;

/** voronoiCells builds the Voronoi diagram of the document's marks, clipped to the image. */
export function voronoiCells(doc: AnnotationDocument): VoronoiCells {
  const n = doc.points.size;
  const xy = new Float64Array(n * 2);
  let i = 0;
  for (const p of doc.points.values()) {
    xy[i++] = p.x;
    xy[i++] = p.y;
  }
  return cellsOf(xy, doc.width, doc.height);
}

/** cellsOf builds the cells of the marks in xy (x,y pairs) in a width×height image. */
export function cellsOf(xy: Float64Array, width: number, height: number): VoronoiCells {
  const n = xy.length / 2;
  const polygons: Float64Array[] = new Array(n);
  const sides = new Uint8Array(n);
  const area = new Float64Array(n);
  const empty = new Float64Array(0);
  if (n === 0) return { xy, polygons, sides, area, width, height, nearest: () => -1 };
  const delaunay = new Delaunay(xy);
  const voronoi = delaunay.voronoi([0, 0, width, height]);
  const eps = 1e-6 * Math.max(width, height);
  for (let c = 0; c < n; c++) {
    const ring = voronoi.cellPolygon(c);
    if (!ring) {
      polygons[c] = empty;
      continue;
    }
    // d3 closes the ring (last point repeats the first).
    const m = ring.length - 1;
    const poly = new Float64Array(m * 2);
    let onEdge = false;
    let a2 = 0;
    let count = 0;
    for (let k = 0; k < m; k++) {
      const [x, y] = ring[k]!;
      const [nx, ny] = ring[k + 1]!;
      poly[2 * k] = x;
      poly[2 * k + 1] = y;
      if (x <= eps || y <= eps || x >= width - eps || y >= height - eps) onEdge = true;
      a2 += x * ny - nx * y;
      if (Math.hypot(nx - x, ny - y) > MIN_EDGE) count++;
    }
    polygons[c] = poly;
    if (!onEdge) {
      sides[c] = Math.min(255, count);
      area[c] = Math.abs(a2) / 2;
    }
  }
  return { xy, polygons, sides, area, width, height, nearest: (x, y, hint) => delaunay.find(x, y, hint) };
}

export interface VoronoiSummary {
  /** cells is the number of inner (measured) cells with their mark inside the rectangle. */
  cells: number;
  /** bySides counts those cells by their number of sides (≤3 … ≥9 clamp to 3 and 9). */
  bySides: Record<number, number>;
  /** sixSided is the share of six-sided cells, 0–1. */
  sixSided: number;
  /** meanAreaUm2 is the mean cell area in µm². */
  meanAreaUm2: number;
}

export const SIDE_CLASSES = [3, 4, 5, 6, 7, 8, 9] as const;

/** sideClass clamps a number of sides to the classes the legend shows. */
export const sideClass = (s: number): number => Math.min(9, Math.max(3, s));

/** summarise measures the inner cells whose marks lie in r (the whole image without r). */
export function summarise(cells: VoronoiCells, umPerPx: number, r?: Rect): VoronoiSummary {
  const bySides: Record<number, number> = {};
  for (const s of SIDE_CLASSES) bySides[s] = 0;
  let n = 0;
  let areaSum = 0;
  const { xy, sides, area } = cells;
  for (let c = 0; c < sides.length; c++) {
    const s = sides[c]!;
    if (s === 0) continue;
    if (r) {
      const x = xy[2 * c]!;
      const y = xy[2 * c + 1]!;
      if (x < r.x0 || y < r.y0 || x >= r.x1 || y >= r.y1) continue;
    }
    n++;
    areaSum += area[c]!;
    bySides[sideClass(s)]!++;
  }
  return {
    cells: n,
    bySides,
    sixSided: n ? bySides[6]! / n : 0,
    meanAreaUm2: n ? (areaSum / n) * umPerPx * umPerPx : 0,
  };
}
