// Draws what a reviewer looks at over the labeler's marks: the diff against the model's
// marks (engine/diff) and the regions a review returns (drawn, pending or sent back).
import type { MarkDiff } from './engine/diff';
import type { Vec2 } from './engine/types';
import type { RenderFrame } from './render';

/** DIFF_COLORS tell the kinds of change apart, and apart from the model/human mark colours. */
export const DIFF_COLORS = {
  added: '#4ade80',
  removed: '#ef4444',
  moved: '#facc15',
  region: '#e879f9',
} as const;

/** A polygon in image pixels with a caption (the region's number). */
export interface ReviewShape {
  points: Vec2[];
  caption: string;
}

export class ReviewLayer {
  diff: MarkDiff | null = null;
  showDiff = true;
  /** regions are the returned (or about to be returned) regions. */
  regions: ReviewShape[] = [];
  /** draft is a rectangle being dragged out, in image pixels. */
  draft: { a: Vec2; b: Vec2 } | null = null;

  draw(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const { scale, tx, ty } = f.view;
    const sx = (x: number) => x * scale + tx;
    const sy = (y: number) => y * scale + ty;
    const v = f.visible;
    const inView = (p: Vec2) => p.x >= v.x0 && p.x <= v.x1 && p.y >= v.y0 && p.y <= v.y1;
    ctx.save();
    const d = this.diff;
    if (d && this.showDiff) {
      const r = Math.max(4, Math.min(10, 3 * scale));
      ctx.lineWidth = 2;
      // Removed: a red cross where the model's mark was.
      ctx.strokeStyle = DIFF_COLORS.removed;
      ctx.beginPath();
      for (const p of d.removed) {
        if (!inView(p)) continue;
        const x = sx(p.x);
        const y = sy(p.y);
        ctx.moveTo(x - r, y - r);
        ctx.lineTo(x + r, y + r);
        ctx.moveTo(x + r, y - r);
        ctx.lineTo(x - r, y + r);
      }
      ctx.stroke();
      // Added: a green ring around the labeler's mark.
      ctx.strokeStyle = DIFF_COLORS.added;
      ctx.beginPath();
      for (const p of d.added) {
        if (!inView(p)) continue;
        ctx.moveTo(sx(p.x) + r, sy(p.y));
        ctx.arc(sx(p.x), sy(p.y), r, 0, Math.PI * 2);
      }
      ctx.stroke();
      // Moved: a yellow line from the model's place to the labeler's, ring at the new place.
      ctx.strokeStyle = DIFF_COLORS.moved;
      ctx.beginPath();
      for (const m of d.moved) {
        if (!inView(m.to) && !inView(m.from)) continue;
        ctx.moveTo(sx(m.from.x), sy(m.from.y));
        ctx.lineTo(sx(m.to.x), sy(m.to.y));
        ctx.moveTo(sx(m.to.x) + r, sy(m.to.y));
        ctx.arc(sx(m.to.x), sy(m.to.y), r, 0, Math.PI * 2);
      }
      ctx.stroke();
    }
    ctx.strokeStyle = DIFF_COLORS.region;
    ctx.fillStyle = DIFF_COLORS.region;
    ctx.lineWidth = 2;
    ctx.setLineDash([6, 4]);
    ctx.font = '600 13px system-ui, sans-serif';
    for (const reg of this.regions) {
      if (reg.points.length < 3) continue;
      ctx.beginPath();
      reg.points.forEach((p, i) => (i === 0 ? ctx.moveTo(sx(p.x), sy(p.y)) : ctx.lineTo(sx(p.x), sy(p.y))));
      ctx.closePath();
      ctx.stroke();
      const top = reg.points.reduce((a, p) => (p.y < a.y || (p.y === a.y && p.x < a.x) ? p : a));
      ctx.fillText(reg.caption, sx(top.x) + 4, sy(top.y) - 6);
    }
    if (this.draft) {
      const { a, b } = this.draft;
      ctx.strokeRect(sx(Math.min(a.x, b.x)), sy(Math.min(a.y, b.y)), Math.abs(b.x - a.x) * scale, Math.abs(b.y - a.y) * scale);
    }
    ctx.restore();
  }
}

/** rectPoints is a rectangle's outline, corners in order. */
export function rectPoints(a: Vec2, b: Vec2): Vec2[] {
  const x0 = Math.min(a.x, b.x);
  const x1 = Math.max(a.x, b.x);
  const y0 = Math.min(a.y, b.y);
  const y1 = Math.max(a.y, b.y);
  return [
    { x: x0, y: y0 },
    { x: x1, y: y0 },
    { x: x1, y: y1 },
    { x: x0, y: y1 },
  ];
}
