// A uniform grid over the image for hit-testing and viewport culling of many
// points (tens of thousands): insert, remove, move, rectangle and nearest
// queries touch only the cells they need.
import type { ConePoint, Rect } from './types';

export class SpatialIndex {
  readonly cellSize: number;
  private readonly cells = new Map<number, ConePoint[]>();
  private readonly cellOf = new Map<string, number>();

  constructor(cellSize = 64) {
    if (!(cellSize > 0)) throw new Error('cellSize must be positive');
    this.cellSize = cellSize;
  }

  get size(): number {
    return this.cellOf.size;
  }

  private key(cx: number, cy: number): number {
    // Cells are addressed by (cx, cy) packed into one number; coordinates
    // from -2^20 to 2^20 cells are distinct.
    return (cx + 0x100000) * 0x200000 + (cy + 0x100000);
  }

  private keyOf(x: number, y: number): number {
    return this.key(Math.floor(x / this.cellSize), Math.floor(y / this.cellSize));
  }

  insert(p: ConePoint): void {
    if (this.cellOf.has(p.id)) this.remove(p.id);
    const k = this.keyOf(p.x, p.y);
    let cell = this.cells.get(k);
    if (!cell) {
      cell = [];
      this.cells.set(k, cell);
    }
    cell.push(p);
    this.cellOf.set(p.id, k);
  }

  remove(id: string): boolean {
    const k = this.cellOf.get(id);
    if (k === undefined) return false;
    const cell = this.cells.get(k)!;
    const i = cell.findIndex((q) => q.id === id);
    if (i >= 0) {
      cell[i] = cell[cell.length - 1]!;
      cell.pop();
    }
    if (cell.length === 0) this.cells.delete(k);
    this.cellOf.delete(id);
    return true;
  }

  /** update re-files a point whose coordinates changed (or a new object with the same id). */
  update(p: ConePoint): void {
    this.remove(p.id);
    this.insert(p);
  }

  clear(): void {
    this.cells.clear();
    this.cellOf.clear();
  }

  /** queryRect calls fn for every point inside r (edges included). */
  forEachInRect(r: Rect, fn: (p: ConePoint) => void): void {
    const s = this.cellSize;
    const cx0 = Math.floor(r.x0 / s);
    const cx1 = Math.floor(r.x1 / s);
    const cy0 = Math.floor(r.y0 / s);
    const cy1 = Math.floor(r.y1 / s);
    // A huge rectangle over a sparse grid: walk the cells instead.
    if ((cx1 - cx0 + 1) * (cy1 - cy0 + 1) > this.cells.size * 4) {
      for (const cell of this.cells.values()) {
        for (const p of cell) if (p.x >= r.x0 && p.x <= r.x1 && p.y >= r.y0 && p.y <= r.y1) fn(p);
      }
      return;
    }
    for (let cx = cx0; cx <= cx1; cx++) {
      for (let cy = cy0; cy <= cy1; cy++) {
        const cell = this.cells.get(this.key(cx, cy));
        if (!cell) continue;
        const inner = cx > cx0 && cx < cx1 && cy > cy0 && cy < cy1;
        for (const p of cell) {
          if (inner || (p.x >= r.x0 && p.x <= r.x1 && p.y >= r.y0 && p.y <= r.y1)) fn(p);
        }
      }
    }
  }

  queryRect(r: Rect): ConePoint[] {
    const out: ConePoint[] = [];
    this.forEachInRect(r, (p) => out.push(p));
    return out;
  }

  /** nearest is the closest point within maxDist of (x, y) (ties: the first found), or null. */
  nearest(x: number, y: number, maxDist: number): ConePoint | null {
    let best: ConePoint | null = null;
    let bestD2 = maxDist * maxDist;
    this.forEachInRect({ x0: x - maxDist, y0: y - maxDist, x1: x + maxDist, y1: y + maxDist }, (p) => {
      const dx = p.x - x;
      const dy = p.y - y;
      const d2 = dx * dx + dy * dy;
      if (d2 <= bestD2 && (best === null || d2 < bestD2 || p.id < best.id)) {
        best = p;
        bestD2 = d2;
      }
    });
    return best;
  }
}
