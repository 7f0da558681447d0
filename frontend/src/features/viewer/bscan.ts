// A B-scan with its retinal layer boundaries: where the image sits in the panel (depth may
// be stretched to its size in µm), the boundaries as polylines, and a labeler's correction
// as control points dragged in depth. Pure functions, drawn by the B-scan panel and tested
// alone. x runs across the B-scan, z is depth (0 at the top), both in image pixels.

/** The boundaries the layers step segments, inner to outer (RetinalLayer). */
export const LAYER_NAMES = ['ILM', 'NFL_GCL', 'IPL_INL', 'OPL_ONL', 'ELM', 'ISOS', 'COST', 'RPE_BM'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];

/** Distinct colours, inner (warm) to outer (cool), readable over a grey B-scan. */
export const LAYER_COLORS: Record<LayerName, string> = {
  ILM: '#ff4d4d',
  NFL_GCL: '#ff9f1a',
  IPL_INL: '#ffe14d',
  OPL_ONL: '#7ddc3b',
  ELM: '#2ee6c8',
  ISOS: '#3fa9ff',
  COST: '#b07bff',
  RPE_BM: '#ff5fd2',
};

export interface BoundaryPoint {
  x: number;
  z: number;
}

/** Fit places the image in the panel: screen = (x0 + x·sx, y0 + z·sy), CSS pixels. */
/** FILL_PAD is the margin (CSS px) around a B-scan that fills its view. */
export const FILL_PAD = 6;

export interface Fit {
  x0: number;
  y0: number;
  sx: number;
  sy: number;
}

/**
 * fitBScan fits a width×depth image into a view, centred; aspect is how much taller a depth
 * pixel is than a lateral one (µm per depth px / µm per lateral px). Without it (null: the
 * pixel sizes are not known) the B-scan fills the view, as OCT viewers show B-scans.
 */
export function fitBScan(viewW: number, viewH: number, width: number, depth: number, aspect: number | null = null): Fit {
  if (aspect === null || !Number.isFinite(aspect) || aspect <= 0) {
    // A margin keeps the control points at the edges whole and in reach.
    const pad = Math.min(FILL_PAD, viewW / 8, viewH / 8);
    return { x0: pad, y0: pad, sx: (viewW - 2 * pad) / Math.max(1, width), sy: (viewH - 2 * pad) / Math.max(1, depth) };
  }
  const s = Math.max(1e-6, Math.min(viewW / Math.max(1, width), viewH / Math.max(1, depth * aspect)));
  const w = width * s;
  const h = depth * aspect * s;
  return { x0: (viewW - w) / 2, y0: (viewH - h) / 2, sx: s, sy: s * aspect };
}

export function toScreen(f: Fit, p: BoundaryPoint): { x: number; y: number } {
  return { x: f.x0 + (p.x + 0.5) * f.sx, y: f.y0 + (p.z + 0.5) * f.sy };
}

export function toImage(f: Fit, sx: number, sy: number): BoundaryPoint {
  return { x: (sx - f.x0) / f.sx - 0.5, z: (sy - f.y0) / f.sy - 0.5 };
}

/** segments splits a boundary (z per x, null where none was found) into runs to draw as polylines. */
export function segments(z: readonly (number | null)[]): BoundaryPoint[][] {
  const out: BoundaryPoint[][] = [];
  let run: BoundaryPoint[] = [];
  z.forEach((v, x) => {
    if (v === null || !Number.isFinite(v)) {
      if (run.length) out.push(run);
      run = [];
    } else {
      run.push({ x, z: v });
    }
  });
  if (run.length) out.push(run);
  return out;
}

/**
 * profile is the corrected boundary's depth at each x = 0 … width−1: linear between control
 * points, level before the first and after the last (as the server's LayerCorrection.z).
 */
export function profile(points: readonly BoundaryPoint[], width: number): number[] {
  const out = new Array<number>(width).fill(0);
  if (points.length === 0) return out;
  let j = 0;
  for (let x = 0; x < width; x++) {
    while (j + 1 < points.length && points[j + 1]!.x <= x) j++;
    const a = points[j]!;
    if (x <= points[0]!.x) out[x] = points[0]!.z;
    else if (j + 1 >= points.length) out[x] = points[points.length - 1]!.z;
    else {
      const b = points[j + 1]!;
      out[x] = a.z + ((b.z - a.z) * (x - a.x)) / (b.x - a.x);
    }
  }
  return out;
}

/**
 * seedControlPoints starts a correction from the model's boundary: count points evenly across
 * the width (the first at x = 0, the last at width−1), each at the model's depth there (the
 * nearest found depth where it found none; mid-depth when it found none at all).
 */
export function seedControlPoints(z: readonly (number | null)[], count: number, depth: number): BoundaryPoint[] {
  const width = z.length;
  const n = Math.max(2, Math.min(count, width));
  const at = (x: number): number => {
    for (let d = 0; d < width; d++) {
      for (const k of [x - d, x + d]) {
        const v = z[k];
        if (k >= 0 && k < width && v !== null && v !== undefined && Number.isFinite(v)) return v;
      }
    }
    return (depth - 1) / 2;
  };
  const out: BoundaryPoint[] = [];
  for (let i = 0; i < n; i++) {
    const x = Math.round((i * (width - 1)) / (n - 1));
    if (out.length && out[out.length - 1]!.x === x) continue;
    out.push({ x, z: round1(clamp(at(x), 0, depth - 1)) });
  }
  return out;
}

/** hitControlPoint is the index of the point within radius CSS pixels of (sx, sy), nearest first; −1 when none. */
export function hitControlPoint(points: readonly BoundaryPoint[], f: Fit, sx: number, sy: number, radius = 8): number {
  let best = -1;
  let bestD = radius * radius;
  points.forEach((p, i) => {
    const s = toScreen(f, p);
    const d = (s.x - sx) ** 2 + (s.y - sy) ** 2;
    if (d <= bestD) {
      best = i;
      bestD = d;
    }
  });
  return best;
}

/** moveControlPoint returns points with point i at depth z (kept inside 0 … depth−1, to 0.1 px); x never moves. */
export function moveControlPoint(points: readonly BoundaryPoint[], i: number, z: number, depth: number): BoundaryPoint[] {
  if (i < 0 || i >= points.length || !Number.isFinite(z)) return [...points];
  return points.map((p, k) => (k === i ? { x: p.x, z: round1(clamp(z, 0, depth - 1)) } : p));
}

/** insertControlPoint adds a point at column x (rounded; inside the B-scan) unless one is there; x order is kept. */
export function insertControlPoint(points: readonly BoundaryPoint[], x: number, z: number, width: number, depth: number): BoundaryPoint[] {
  const cx = Math.round(clamp(x, 0, width - 1));
  if (points.some((p) => p.x === cx)) return [...points];
  const out = [...points, { x: cx, z: round1(clamp(z, 0, depth - 1)) }];
  return out.sort((a, b) => a.x - b.x);
}

/** removeControlPoint drops point i, keeping at least two. */
export function removeControlPoint(points: readonly BoundaryPoint[], i: number): BoundaryPoint[] {
  if (points.length <= 2 || i < 0 || i >= points.length) return [...points];
  return points.filter((_, k) => k !== i);
}

/** sameBoundary says whether two sets of control points are the same (nothing to save). */
export function sameBoundary(a: readonly BoundaryPoint[] | null, b: readonly BoundaryPoint[] | null): boolean {
  if (!a || !b) return a === b;
  return a.length === b.length && a.every((p, i) => p.x === b[i]!.x && p.z === b[i]!.z);
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function round1(v: number): number {
  return Math.round(v * 10) / 10;
}

/** drawBScan paints the boundaries (model: solid, or dashed under a correction) and the corrections' control points. */
export function drawBoundaries(
  ctx: CanvasRenderingContext2D,
  f: Fit,
  layers: readonly { layer: LayerName; z: readonly (number | null)[] }[],
  corrections: ReadonlyMap<LayerName, readonly BoundaryPoint[]>,
  width: number,
  active: LayerName | null,
): void {
  ctx.lineJoin = 'round';
  for (const l of layers) {
    const corrected = corrections.has(l.layer);
    ctx.strokeStyle = LAYER_COLORS[l.layer];
    ctx.globalAlpha = corrected ? 0.55 : 0.95;
    ctx.lineWidth = l.layer === active ? 2 : 1.25;
    ctx.setLineDash(corrected ? [4, 3] : []);
    for (const run of segments(l.z)) polyline(ctx, f, run);
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
  for (const [layer, pts] of corrections) {
    const z = profile(pts, width);
    ctx.strokeStyle = LAYER_COLORS[layer];
    ctx.lineWidth = layer === active ? 2.5 : 1.75;
    polyline(
      ctx,
      f,
      z.map((v, x) => ({ x, z: v })),
    );
    for (const p of pts) {
      const s = toScreen(f, p);
      ctx.beginPath();
      ctx.arc(s.x, s.y, layer === active ? 4.5 : 3, 0, Math.PI * 2);
      ctx.fillStyle = layer === active ? '#ffffff' : LAYER_COLORS[layer];
      ctx.fill();
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = LAYER_COLORS[layer];
      ctx.stroke();
    }
  }
}

function polyline(ctx: CanvasRenderingContext2D, f: Fit, pts: readonly BoundaryPoint[]): void {
  if (pts.length === 0) return;
  ctx.beginPath();
  pts.forEach((p, i) => {
    const s = toScreen(f, p);
    if (i === 0) ctx.moveTo(s.x, s.y);
    else ctx.lineTo(s.x, s.y);
  });
  if (pts.length === 1) {
    const s = toScreen(f, pts[0]!);
    ctx.lineTo(s.x + 1, s.y);
  }
  ctx.stroke();
}
