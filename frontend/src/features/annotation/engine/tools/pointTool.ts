// Point tool: press on empty image adds a human mark; press on a mark selects
// it and dragging moves it; Alt+press deletes the mark under the pointer.
import { AddPoints, DeletePoints, MovePoints } from '../commands';
import type { PointerInput, Tool, ToolContext } from './tool';

interface Drag {
  id: string;
  fromX: number;
  fromY: number;
  fromSource: 'model' | 'human';
  offX: number;
  offY: number;
  moved: boolean;
}

export class PointTool implements Tool {
  readonly id = 'point' as const;
  private drag: Drag | null = null;

  get busy(): boolean {
    return this.drag !== null;
  }

  down(ctx: ToolContext, e: PointerInput): void {
    const { doc } = ctx;
    const hit = doc.index.nearest(e.x, e.y, ctx.hitRadius);
    if (e.alt) {
      if (hit) {
        ctx.history.execute(new DeletePoints([hit.id]));
        ctx.selection.delete(hit.id);
      }
      return;
    }
    if (hit) {
      if (!e.shift) ctx.selection.clear();
      ctx.selection.add(hit.id);
      this.drag = {
        id: hit.id,
        fromX: hit.x,
        fromY: hit.y,
        fromSource: hit.source,
        offX: hit.x - e.x,
        offY: hit.y - e.y,
        moved: false,
      };
      ctx.notify();
      return;
    }
    if (e.x < 0 || e.y < 0 || e.x > doc.width || e.y > doc.height) return;
    const id = doc.newId('h');
    ctx.history.execute(new AddPoints([{ id, x: e.x, y: e.y, source: 'human' }]));
    ctx.selection.clear();
    ctx.selection.add(id);
    ctx.notify();
  }

  move(ctx: ToolContext, e: PointerInput): void {
    const d = this.drag;
    if (!d) return;
    const to = ctx.doc.clampToImage({ x: e.x + d.offX, y: e.y + d.offY });
    // Live feedback moves the point directly; up() turns the gesture into one command.
    ctx.doc.movePoint(d.id, to.x, to.y);
    d.moved = to.x !== d.fromX || to.y !== d.fromY;
    ctx.doc.changed();
  }

  up(ctx: ToolContext, e: PointerInput): void {
    const d = this.drag;
    if (!d) return;
    this.move(ctx, e);
    this.drag = null;
    const p = ctx.doc.points.get(d.id);
    if (!p) return;
    const to = { x: p.x, y: p.y };
    ctx.doc.movePoint(d.id, d.fromX, d.fromY, d.fromSource);
    if (d.moved) ctx.history.execute(new MovePoints([{ id: d.id, x: to.x, y: to.y }]));
    else ctx.doc.changed();
  }

  key(): boolean {
    return false;
  }

  cancel(ctx: ToolContext): void {
    const d = this.drag;
    if (!d) return;
    this.drag = null;
    if (ctx.doc.points.has(d.id)) ctx.doc.movePoint(d.id, d.fromX, d.fromY, d.fromSource);
    ctx.doc.changed();
  }

  overlay(): null {
    return null;
  }
}
