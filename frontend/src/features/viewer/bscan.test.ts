// The B-scan panel's geometry, boundary drawing and control-point editing.
import { describe, expect, it } from 'vitest';
import {
  drawBoundaries,
  fitBScan,
  hitControlPoint,
  insertControlPoint,
  LAYER_COLORS,
  LAYER_NAMES,
  moveControlPoint,
  profile,
  removeControlPoint,
  sameBoundary,
  seedControlPoints,
  segments,
  toImage,
  toScreen,
  type BoundaryPoint,
  type LayerName,
} from './bscan';

type Call = { name: string; args: unknown[]; state: Record<string, unknown> };

function recordingContext() {
  const calls: Call[] = [];
  const state: Record<string, unknown> = { fillStyle: '', strokeStyle: '', lineWidth: 1, globalAlpha: 1, lineJoin: 'miter', dash: [] };
  const ctx = new Proxy(state, {
    get(target, prop: string) {
      if (prop in target) return target[prop];
      if (prop === 'setLineDash') return (d: number[]) => (target.dash = d);
      return (...args: unknown[]) => calls.push({ name: prop, args, state: { ...target } });
    },
    set(target, prop: string, value) {
      target[prop] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, calls };
}

describe('fitBScan', () => {
  it('fits the B-scan centred, stretching depth by its size in µm', () => {
    // 100 A-scans × 50 deep, depth pixels twice as tall: 100×100 units into 400×200.
    const f = fitBScan(400, 200, 100, 50, 2);
    expect(f.sx).toBe(2);
    expect(f.sy).toBe(4);
    expect(f.x0).toBe(100);
    expect(f.y0).toBe(0);
    const p = { x: 10, z: 20 };
    const s = toScreen(f, p);
    const back = toImage(f, s.x, s.y);
    expect(back.x).toBeCloseTo(10);
    expect(back.z).toBeCloseTo(20);
    // Pixel sizes unknown: the B-scan fills the view.
    expect(fitBScan(412, 212, 100, 50, null)).toEqual({ x0: 6, y0: 6, sx: 4, sy: 4 });
    expect(fitBScan(412, 212, 100, 25, Number.NaN)).toEqual({ x0: 6, y0: 6, sx: 4, sy: 8 });
  });
});

describe('boundaries', () => {
  it('splits a boundary where the step found none', () => {
    expect(segments([1, 2, null, 4, null, null, 7])).toEqual([
      [{ x: 0, z: 1 }, { x: 1, z: 2 }],
      [{ x: 3, z: 4 }],
      [{ x: 6, z: 7 }],
    ]);
    expect(segments([null, null])).toEqual([]);
  });

  it('interpolates a correction as the server does', () => {
    // The same case as internal/labels TestCorrectionProfile.
    const pts = [{ x: 2, z: 10 }, { x: 6, z: 18 }, { x: 8, z: 14 }];
    expect(profile(pts, 10)).toEqual([10, 10, 10, 12, 14, 16, 18, 16, 14, 14]);
    expect(profile([], 2)).toEqual([0, 0]);
  });

  it('draws every boundary in its own colour, dashed under a correction, with the correction and its control points', () => {
    const { ctx, calls } = recordingContext();
    const f = fitBScan(100, 100, 10, 10, 1);
    const layers = [
      { layer: 'ILM' as LayerName, z: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1] },
      { layer: 'RPE_BM' as LayerName, z: [8, 8, 8, null, 8, 8, 8, 8, 8, 8] },
    ];
    const corr = new Map<LayerName, BoundaryPoint[]>([['ILM', [{ x: 0, z: 2 }, { x: 9, z: 3 }]]]);
    drawBoundaries(ctx, f, layers, corr, 10, 'ILM');
    const strokes = calls.filter((c) => c.name === 'stroke');
    const rpe = strokes.filter((c) => c.state.strokeStyle === LAYER_COLORS.RPE_BM);
    expect(rpe).toHaveLength(2); // two runs around the gap
    expect(rpe[0]!.state.dash).toEqual([]);
    const ilm = strokes.filter((c) => c.state.strokeStyle === LAYER_COLORS.ILM);
    expect(ilm[0]!.state.dash).toEqual([4, 3]); // the model's, under the correction
    expect(ilm.length).toBe(1 + 1 + 2); // model, corrected line, two control points
    const dots = calls.filter((c) => c.name === 'arc');
    expect(dots).toHaveLength(2);
    const first = toScreen(f, { x: 0, z: 2 });
    expect(dots[0]!.args.slice(0, 2)).toEqual([first.x, first.y]);
    // The corrected line runs from z 2 to z 3.
    const lines = calls.filter((c) => c.name === 'lineTo' && c.state.dash instanceof Array && (c.state.dash as number[]).length === 0);
    expect(lines.length).toBeGreaterThan(0);
  });

  it('has distinct colours for the eight boundaries', () => {
    expect(new Set(LAYER_NAMES.map((n) => LAYER_COLORS[n])).size).toBe(8);
  });
});

describe('control points', () => {
  const model = [10, 11, null, 13, 14, 15, 16, 17, 18, null];

  it('seeds evenly across the B-scan at the model boundary, filling gaps from the nearest depth', () => {
    const pts = seedControlPoints(model, 4, 40);
    expect(pts.map((p) => p.x)).toEqual([0, 3, 6, 9]);
    expect(pts.map((p) => p.z)).toEqual([10, 13, 16, 18]);
    expect(seedControlPoints([null, null, null], 3, 41).map((p) => p.z)).toEqual([20, 20, 20]);
    expect(seedControlPoints(model, 50, 40)).toHaveLength(10); // at most one per column
  });

  it('drags a point in depth only, inside the B-scan', () => {
    const pts = seedControlPoints(model, 4, 40);
    const f = fitBScan(200, 200, 10, 40, 1);
    const s = toScreen(f, pts[1]!);
    const i = hitControlPoint(pts, f, s.x + 3, s.y - 2);
    expect(i).toBe(1);
    expect(hitControlPoint(pts, f, s.x + 30, s.y)).toBe(-1);
    const moved = moveControlPoint(pts, i, 22.345, 40);
    expect(moved[1]).toEqual({ x: 3, z: 22.3 });
    expect(pts[1]!.z).toBe(13); // not mutated
    expect(moveControlPoint(pts, 0, -5, 40)[0]!.z).toBe(0);
    expect(moveControlPoint(pts, 0, 99, 40)[0]!.z).toBe(39);
    expect(sameBoundary(pts, moved)).toBe(false);
    expect(sameBoundary(pts, [...pts])).toBe(true);
  });

  it('adds and removes points, keeping x order and at least two', () => {
    const pts = [{ x: 0, z: 1 }, { x: 9, z: 2 }];
    const more = insertControlPoint(pts, 4.4, 7, 10, 20);
    expect(more.map((p) => p.x)).toEqual([0, 4, 9]);
    expect(insertControlPoint(more, 4.2, 3, 10, 20)).toEqual(more); // one per column
    expect(removeControlPoint(more, 1)).toEqual(pts);
    expect(removeControlPoint(pts, 0)).toEqual(pts);
  });
});
