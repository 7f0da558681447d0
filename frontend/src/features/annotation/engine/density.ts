// Cone density from the marks: per grid cell (a density map) and over a
// rectangle, in cones per mm², with a Poisson 95% interval on the count.
import type { AnnotationDocument } from './document';
import type { Rect } from './types';

export interface DensityGrid {
  /** Cones per mm² per cell, row-major. */
  data: Float32Array;
  width: number;
  height: number;
  cellPx: number;
}

/** densityGrid counts marks per cellPx×cellPx cell and converts to cones/mm² (edge cells by their true area). */
export function densityGrid(doc: AnnotationDocument, cellPx: number): DensityGrid {
  const width = Math.ceil(doc.width / cellPx);
  const height = Math.ceil(doc.height / cellPx);
  const counts = new Uint32Array(width * height);
  for (const p of doc.points.values()) {
    const cx = Math.min(width - 1, Math.max(0, Math.floor(p.x / cellPx)));
    const cy = Math.min(height - 1, Math.max(0, Math.floor(p.y / cellPx)));
    counts[cy * width + cx] = counts[cy * width + cx]! + 1;
  }
  const mm2PerPx = (doc.umPerPx / 1000) ** 2;
  const data = new Float32Array(width * height);
  for (let cy = 0; cy < height; cy++) {
    const h = Math.min(cellPx, doc.height - cy * cellPx);
    for (let cx = 0; cx < width; cx++) {
      const w = Math.min(cellPx, doc.width - cx * cellPx);
      data[cy * width + cx] = counts[cy * width + cx]! / (w * h * mm2PerPx);
    }
  }
  return { data, width, height, cellPx };
}

export interface DensityEstimate {
  count: number;
  areaMm2: number;
  perMm2: number;
  ci95Low: number;
  ci95High: number;
}

/** densityIn is the mark density inside r (clipped to the image), with a normal-approximation Poisson 95% interval. */
export function densityIn(doc: AnnotationDocument, r: Rect): DensityEstimate {
  const x0 = Math.max(0, r.x0);
  const y0 = Math.max(0, r.y0);
  const x1 = Math.min(doc.width, r.x1);
  const y1 = Math.min(doc.height, r.y1);
  const areaMm2 = Math.max(0, x1 - x0) * Math.max(0, y1 - y0) * (doc.umPerPx / 1000) ** 2;
  let count = 0;
  if (areaMm2 > 0) doc.index.forEachInRect({ x0, y0, x1, y1 }, () => count++);
  if (areaMm2 === 0) return { count: 0, areaMm2: 0, perMm2: 0, ci95Low: 0, ci95High: 0 };
  const half = 1.96 * Math.sqrt(count);
  return {
    count,
    areaMm2,
    perMm2: count / areaMm2,
    ci95Low: Math.max(0, count - half) / areaMm2,
    ci95High: (count + half) / areaMm2,
  };
}
