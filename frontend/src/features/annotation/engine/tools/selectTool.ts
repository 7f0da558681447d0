// Select tool: a click selects the mark under the pointer, a drag selects
// every mark (and every shape wholly) inside the rubber band; Shift adds to
// the selection. Deleting the selection is the editor's (Delete key).
import { normRect, type Rect, type Vec2 } from '../types';
import type { PointerInput, Tool, ToolContext, ToolOverlay } from './tool';

export class SelectTool implements Tool {
  readonly id = 'select' as const;
  private start: Vec2 | null = null;
  private end: Vec2 | null = null;

  get busy(): boolean {
    return this.start !== null;
  }

  down(_ctx: ToolContext, e: PointerInput): void {
    this.start = { x: e.x, y: e.y };
    this.end = { x: e.x, y: e.y };
  }

  move(ctx: ToolContext, e: PointerInput): void {
    if (!this.start) return;
    this.end = { x: e.x, y: e.y };
    ctx.notify();
  }

  up(ctx: ToolContext, e: PointerInput): void {
    if (!this.start) return;
    const start = this.start;
    this.start = null;
    this.end = null;
    const r = normRect(start, { x: e.x, y: e.y });
    if (!e.shift) ctx.selection.clear();
    const isClick = r.x1 - r.x0 <= ctx.hitRadius / 2 && r.y1 - r.y0 <= ctx.hitRadius / 2;
    if (isClick) {
      const hit = ctx.doc.index.nearest(e.x, e.y, ctx.hitRadius);
      if (hit) {
        if (e.shift && ctx.selection.has(hit.id)) ctx.selection.delete(hit.id);
        else ctx.selection.add(hit.id);
      }
    } else {
      selectInRect(ctx, r);
    }
    ctx.notify();
  }

  key(): boolean {
    return false;
  }

  cancel(ctx: ToolContext): void {
    this.start = null;
    this.end = null;
    ctx.notify();
  }

  overlay(): ToolOverlay | null {
    if (!this.start || !this.end) return null;
    return { kind: 'box', rect: normRect(this.start, this.end) };
  }
}

function inside(r: Rect, v: Vec2): boolean {
  return v.x >= r.x0 && v.x <= r.x1 && v.y >= r.y0 && v.y <= r.y1;
}

/** selectInRect adds every point in r and every shape with all vertices in r. */
export function selectInRect(ctx: ToolContext, r: Rect): void {
  ctx.doc.index.forEachInRect(r, (p) => ctx.selection.add(p.id));
  for (const l of ctx.doc.polylines.values()) if (l.points.every((v) => inside(r, v))) ctx.selection.add(l.id);
  for (const g of ctx.doc.polygons.values()) if (g.points.every((v) => inside(r, v))) ctx.selection.add(g.id);
}
