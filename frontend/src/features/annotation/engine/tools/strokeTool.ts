// Shared machinery of the brush and the eraser: a press-drag-release paints
// (or clears) discs into the mask live; release records one undoable stroke.
import { MaskStroke } from '../commands';
import type { Vec2 } from '../types';
import type { PointerInput, ToolContext, ToolOverlay } from './tool';

export abstract class StrokeTool {
  protected abstract readonly erase: boolean;
  private changed: number[] | null = null;
  private last: Vec2 | null = null;
  private cursor: (Vec2 & { r: number }) | null = null;

  get busy(): boolean {
    return this.changed !== null;
  }

  down(ctx: ToolContext, e: PointerInput): void {
    this.changed = [];
    this.last = { x: e.x, y: e.y };
    ctx.doc.mask.paintDisc(e.x, e.y, ctx.brushRadius, !this.erase, this.changed);
    this.cursor = { x: e.x, y: e.y, r: ctx.brushRadius };
    ctx.doc.changed();
  }

  move(ctx: ToolContext, e: PointerInput): void {
    this.cursor = { x: e.x, y: e.y, r: ctx.brushRadius };
    if (this.changed && this.last) {
      ctx.doc.mask.paintSegment(this.last.x, this.last.y, e.x, e.y, ctx.brushRadius, !this.erase, this.changed);
      this.last = { x: e.x, y: e.y };
      ctx.doc.changed();
    } else {
      ctx.notify();
    }
  }

  up(ctx: ToolContext, e: PointerInput): void {
    if (!this.changed) return;
    this.move(ctx, e);
    const changed = this.changed;
    this.changed = null;
    this.last = null;
    if (changed.length > 0) ctx.history.record(new MaskStroke(this.erase, changed, true));
  }

  key(): boolean {
    return false;
  }

  cancel(ctx: ToolContext): void {
    if (!this.changed) return;
    ctx.doc.mask.flip(this.changed);
    this.changed = null;
    this.last = null;
    ctx.doc.changed();
  }

  overlay(): ToolOverlay | null {
    if (!this.cursor) return null;
    return { kind: 'brush', x: this.cursor.x, y: this.cursor.y, r: this.cursor.r, erase: this.erase };
  }
}
