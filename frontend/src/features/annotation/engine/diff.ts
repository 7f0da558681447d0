// What a labeler changed against the model's marks: each labeler mark is paired with at
// most one model mark (closest pairs first, within the move radius). A pair at the same
// place is kept, a pair further apart is a moved mark, a model mark left without a pair
// was removed and a labeler mark without one was added. Pure, no DOM.
import type { Vec2 } from './types';

export interface MarkDiff {
  kept: { from: Vec2; to: Vec2 }[];
  moved: { from: Vec2; to: Vec2 }[];
  /** added are the labeler's marks that match no model mark. */
  added: Vec2[];
  /** removed are the model's marks the labeler deleted (or moved beyond the radius). */
  removed: Vec2[];
  /** moveRadius is the radius used, in image pixels. */
  moveRadius: number;
}

export interface DiffOptions {
  /** samePx: pairs closer than this are the same mark (default 0.5 px: rounding). */
  samePx?: number;
  /** moveRadius: the furthest a mark may move and still be "moved" (image px); by default half the model marks' median nearest-neighbour distance, so it follows the mosaic's spacing. */
  moveRadius?: number;
}

/** FALLBACK_RADIUS_PX is the move radius when the model has too few marks to measure its spacing. */
const FALLBACK_RADIUS_PX = 3;

/** medianNearest is the median distance from each point to its nearest other point (0 with fewer than two). */
export function medianNearest(pts: readonly Vec2[]): number {
  if (pts.length < 2) return 0;
  const cell = Math.max(1, Math.sqrt(bboxArea(pts) / pts.length));
  const grid = gridOf(pts, cell);
  const d: number[] = [];
  pts.forEach((p, i) => {
    let best = Infinity;
    // Rings of cells outward until the ring itself is further than the best found.
    for (let r = 1; r < 1e6 && (r - 1) * cell <= Math.sqrt(best); r++) {
      forCells(grid, p, cell, r, (j) => {
        if (j === i) return;
        const q = pts[j]!;
        const dd = (q.x - p.x) ** 2 + (q.y - p.y) ** 2;
        if (dd < best) best = dd;
      });
      if (r > grid.span) break;
    }
    if (best < Infinity) d.push(Math.sqrt(best));
  });
  d.sort((a, b) => a - b);
  return d[Math.floor(d.length / 2)] ?? 0;
}

/** diffMarks compares the labeler's marks with the model's. */
export function diffMarks(model: readonly Vec2[], labeler: readonly Vec2[], opts: DiffOptions = {}): MarkDiff {
  const samePx = opts.samePx ?? 0.5;
  const spacing = medianNearest(model);
  const moveRadius = opts.moveRadius ?? (spacing > 0 ? Math.max(1, spacing / 2) : FALLBACK_RADIUS_PX);
  const grid = gridOf(model, moveRadius);
  const pairs: { d: number; m: number; l: number }[] = [];
  const r2 = moveRadius * moveRadius;
  labeler.forEach((p, l) => {
    forCells(grid, p, moveRadius, 1, (m) => {
      const q = model[m]!;
      const dd = (q.x - p.x) ** 2 + (q.y - p.y) ** 2;
      if (dd <= r2) pairs.push({ d: dd, m, l });
    });
  });
  pairs.sort((a, b) => a.d - b.d || a.m - b.m || a.l - b.l);
  const usedM = new Uint8Array(model.length);
  const usedL = new Uint8Array(labeler.length);
  const out: MarkDiff = { kept: [], moved: [], added: [], removed: [], moveRadius };
  const same2 = samePx * samePx;
  for (const { d, m, l } of pairs) {
    if (usedM[m] || usedL[l]) continue;
    usedM[m] = 1;
    usedL[l] = 1;
    (d <= same2 ? out.kept : out.moved).push({ from: model[m]!, to: labeler[l]! });
  }
  model.forEach((p, m) => {
    if (!usedM[m]) out.removed.push(p);
  });
  labeler.forEach((p, l) => {
    if (!usedL[l]) out.added.push(p);
  });
  return out;
}

interface Grid {
  cells: Map<number, number[]>;
  /** span is the number of cells along the longer side, bounding ring searches. */
  span: number;
}

function bboxArea(pts: readonly Vec2[]): number {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of pts) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x);
    y1 = Math.max(y1, p.y);
  }
  return Math.max(1, (x1 - x0) * (y1 - y0));
}

const key = (cx: number, cy: number) => (cx + 0x100000) * 0x200000 + (cy + 0x100000);

function gridOf(pts: readonly Vec2[], cell: number): Grid {
  const cells = new Map<number, number[]>();
  let lo = Infinity;
  let hi = -Infinity;
  pts.forEach((p, i) => {
    const cx = Math.floor(p.x / cell);
    const cy = Math.floor(p.y / cell);
    lo = Math.min(lo, cx, cy);
    hi = Math.max(hi, cx, cy);
    const k = key(cx, cy);
    const c = cells.get(k);
    if (c) c.push(i);
    else cells.set(k, [i]);
  });
  return { cells, span: pts.length ? hi - lo + 1 : 0 };
}

/** forCells calls f with every index in the cells within ring r (a square of side 2r+1 cells) around p. */
function forCells(g: Grid, p: Vec2, cell: number, r: number, f: (i: number) => void): void {
  const cx = Math.floor(p.x / cell);
  const cy = Math.floor(p.y / cell);
  for (let dx = -r; dx <= r; dx++) {
    for (let dy = -r; dy <= r; dy++) {
      // Ring r > 1 visits only its border; ring 1 visits the 3×3 block.
      if (r > 1 && Math.abs(dx) !== r && Math.abs(dy) !== r) continue;
      const c = g.cells.get(key(cx + dx, cy + dy));
      if (c) for (const i of c) f(i);
    }
  }
}
