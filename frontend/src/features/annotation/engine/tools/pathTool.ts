// Shared machinery of the polyline and polygon tools: clicks add vertices,
// Backspace removes the last one, Escape abandons the path, Enter (or a
// double-click) finishes it.
import type { Vec2 } from '../types';
import type { PointerInput, ToolContext, ToolOverlay } from './tool';

export abstract class PathTool {
  protected vertices: Vec2[] = [];
  protected cursor: Vec2 | null = null;
  protected abstract readonly closed: boolean;
  protected abstract readonly minVertices: number;
  /** commit turns the finished path into a command. */
  protected abstract commit(ctx: ToolContext, points: Vec2[]): void;

  get busy(): boolean {
    return this.vertices.length > 0;
  }

  /** snapsToStart: a click near the first vertex closes a polygon. */
  protected snapsToStart(ctx: ToolContext, e: PointerInput): boolean {
    const first = this.vertices[0];
    return (
      this.closed &&
      first !== undefined &&
      this.vertices.length >= this.minVertices &&
      Math.hypot(e.x - first.x, e.y - first.y) <= ctx.hitRadius
    );
  }

  down(ctx: ToolContext, e: PointerInput): void {
    if (this.snapsToStart(ctx, e) || (e.clicks >= 2 && this.vertices.length >= this.minVertices)) {
      this.finish(ctx);
      return;
    }
    const v = ctx.doc.clampToImage({ x: e.x, y: e.y });
    const last = this.vertices.at(-1);
    if (!last || last.x !== v.x || last.y !== v.y) this.vertices.push(v);
    ctx.notify();
  }

  move(ctx: ToolContext, e: PointerInput): void {
    this.cursor = { x: e.x, y: e.y };
    if (this.vertices.length > 0) ctx.notify();
  }

  up(): void {}

  key(ctx: ToolContext, key: string): boolean {
    if (this.vertices.length === 0) return false;
    if (key === 'Enter') {
      this.finish(ctx);
      return true;
    }
    if (key === 'Backspace') {
      this.vertices.pop();
      ctx.notify();
      return true;
    }
    return false;
  }

  /** finish commits the path when it has enough vertices; fewer are dropped. */
  finish(ctx: ToolContext): void {
    const pts = this.vertices;
    this.vertices = [];
    if (pts.length >= this.minVertices) this.commit(ctx, pts);
    ctx.notify();
  }

  cancel(ctx: ToolContext): void {
    this.vertices = [];
    ctx.notify();
  }

  overlay(): ToolOverlay | null {
    if (this.vertices.length === 0) return null;
    return { kind: 'path', points: this.vertices, cursor: this.cursor, closed: this.closed };
  }
}
