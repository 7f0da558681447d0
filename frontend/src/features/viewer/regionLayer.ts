// The outline of the region "next uncertain" (N) moved to, so the eye finds it at once: a
// dashed rectangle over its extent, drawn above the other layers.
import type { CanvasLayer, LayerFrame } from './ImageCanvas';

export interface RegionRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export class RegionLayer implements CanvasLayer {
  region: RegionRect | null = null;

  draw(ctx: CanvasRenderingContext2D, f: LayerFrame): void {
    const r = this.region;
    if (!r) return;
    const { scale, tx, ty } = f.view;
    const x = r.x0 * scale + tx;
    const y = r.y0 * scale + ty;
    const w = (r.x1 - r.x0) * scale;
    const h = (r.y1 - r.y0) * scale;
    ctx.save();
    ctx.lineWidth = 2;
    // A dark halo under a bright dash reads on light and dark images alike.
    ctx.strokeStyle = 'rgba(0, 0, 0, 0.7)';
    ctx.strokeRect(x, y, w, h);
    ctx.setLineDash([8, 5]);
    ctx.strokeStyle = '#f0abfc';
    ctx.strokeRect(x, y, w, h);
    ctx.restore();
  }
}
