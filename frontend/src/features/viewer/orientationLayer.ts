// The nerve-fibre orientation field (Run.fibreOrientation) drawn over the image as short
// strokes along the fibres, one per grid cell: longer and brighter where the striation is
// clear (coherence near 1), short and dim where there is none (a cone mosaic).
import type { CanvasLayer, LayerFrame } from './ImageCanvas';

export interface OrientationField {
  cellPx: number;
  cols: number;
  rows: number;
  /** Per cell, row-major: degrees in [0, 180), counter-clockwise from +x on screen. */
  angleDeg: readonly number[];
  /** Per cell, row-major: 0–1. */
  coherence: readonly number[];
}

/** COHERENCE_BANDS: coherence bands and their stroke colours (one path each; the legend lists them). */
export const COHERENCE_BANDS = [
  { below: 0.2, color: 'rgba(190, 200, 210, 0.55)' },
  { below: 0.45, color: 'rgba(253, 224, 71, 0.8)' },
  { below: Infinity, color: 'rgba(250, 204, 21, 1)' },
] as const;

/** MIN_CELL_PX: cells drawn closer than this on screen are thinned out. */
const MIN_CELL_PX = 10;

export class OrientationLayer implements CanvasLayer {
  visible = false;
  readonly field: OrientationField | null;

  constructor(field: OrientationField | null) {
    this.field = field;
  }

  draw(ctx: CanvasRenderingContext2D, f: LayerFrame): void {
    const g = this.field;
    if (!this.visible || !g || g.cols === 0) return;
    const { scale, tx, ty } = f.view;
    const stride = Math.max(1, Math.ceil(MIN_CELL_PX / (g.cellPx * scale)));
    const c0 = Math.max(0, Math.floor(f.visible.x0 / g.cellPx));
    const r0 = Math.max(0, Math.floor(f.visible.y0 / g.cellPx));
    const c1 = Math.min(g.cols - 1, Math.ceil(f.visible.x1 / g.cellPx));
    const r1 = Math.min(g.rows - 1, Math.ceil(f.visible.y1 / g.cellPx));
    const paths = COHERENCE_BANDS.map(() => new Path2D());
    const cell = g.cellPx * stride;
    for (let r = r0 - (r0 % stride); r <= r1; r += stride) {
      for (let c = c0 - (c0 % stride); c <= c1; c += stride) {
        const k = r * g.cols + c;
        const coh = g.coherence[k] ?? 0;
        const a = ((g.angleDeg[k] ?? 0) * Math.PI) / 180;
        // Centre of the (possibly thinned) cell; y grows down, angles count up the screen.
        const cx = (c * g.cellPx + cell / 2) * scale + tx;
        const cy = (r * g.cellPx + cell / 2) * scale + ty;
        const half = 0.45 * cell * scale * Math.max(0.2, Math.min(1, coh * 1.5));
        const dx = Math.cos(a) * half;
        const dy = -Math.sin(a) * half;
        const p = paths[COHERENCE_BANDS.findIndex((b) => coh < b.below)]!;
        p.moveTo(cx - dx, cy - dy);
        p.lineTo(cx + dx, cy + dy);
      }
    }
    ctx.lineCap = 'round';
    ctx.lineWidth = 2;
    COHERENCE_BANDS.forEach((b, i) => {
      ctx.strokeStyle = b.color;
      ctx.stroke(paths[i]!);
    });
  }
}
