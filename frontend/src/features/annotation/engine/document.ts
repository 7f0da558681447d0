// The annotation document: cone points (indexed for hit-testing), vessel
// polylines, polygon regions of interest and a brush mask. Mutations go
// through commands (commands.ts) so that they can be undone; the methods here
// are the primitive edits those commands use.
import { MaskLayer } from './mask';
import { SpatialIndex } from './spatialIndex';
import type { ConePoint, MarkSource, Polygon, Polyline, Vec2 } from './types';

export interface DocumentInit {
  width: number;
  height: number;
  /** Micrometres per image pixel, for the scale bar and metrics. */
  umPerPx?: number;
}

export type DocumentListener = () => void;

export class AnnotationDocument {
  readonly width: number;
  readonly height: number;
  readonly umPerPx: number;
  readonly points = new Map<string, ConePoint>();
  readonly polylines = new Map<string, Polyline>();
  readonly polygons = new Map<string, Polygon>();
  mask: MaskLayer;
  readonly index: SpatialIndex;
  /** revision increases on every change; renderers compare it to skip work. */
  revision = 0;
  private seq = 0;
  private readonly listeners = new Set<DocumentListener>();

  constructor(init: DocumentInit) {
    this.width = init.width;
    this.height = init.height;
    this.umPerPx = init.umPerPx ?? 1;
    this.mask = new MaskLayer(init.width, init.height);
    this.index = new SpatialIndex(64);
  }

  /** newId returns an id not used by any element of this document. */
  newId(prefix: string): string {
    for (;;) {
      const id = `${prefix}${(++this.seq).toString(36)}`;
      if (!this.points.has(id) && !this.polylines.has(id) && !this.polygons.has(id)) return id;
    }
  }

  subscribe(fn: DocumentListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** changed bumps the revision and tells the listeners. */
  changed(): void {
    this.revision++;
    for (const fn of this.listeners) fn();
  }

  // ---- primitive edits (no undo; use commands) ----

  putPoint(p: ConePoint): void {
    const copy = { id: p.id, x: p.x, y: p.y, source: p.source };
    this.points.set(p.id, copy);
    this.index.insert(copy);
  }

  deletePoint(id: string): ConePoint | undefined {
    const p = this.points.get(id);
    if (!p) return undefined;
    this.points.delete(id);
    this.index.remove(id);
    return p;
  }

  movePoint(id: string, x: number, y: number, source?: MarkSource): void {
    const p = this.points.get(id);
    if (!p) throw new Error(`no point ${id}`);
    p.x = x;
    p.y = y;
    if (source) p.source = source;
    this.index.update(p);
  }

  putPolyline(l: Polyline): void {
    this.polylines.set(l.id, { id: l.id, points: l.points.map(copyVec) });
  }

  putPolygon(g: Polygon): void {
    this.polygons.set(g.id, { id: g.id, points: g.points.map(copyVec) });
  }

  /** bulkLoadPoints replaces every point (no undo): for opening a document. */
  bulkLoadPoints(points: Iterable<ConePoint>): void {
    this.points.clear();
    this.index.clear();
    for (const p of points) this.putPoint(p);
    this.changed();
  }

  clampToImage(v: Vec2): Vec2 {
    return {
      x: Math.min(this.width, Math.max(0, v.x)),
      y: Math.min(this.height, Math.max(0, v.y)),
    };
  }

  countBySource(): Record<MarkSource, number> {
    const out: Record<MarkSource, number> = { model: 0, human: 0 };
    for (const p of this.points.values()) out[p.source]++;
    return out;
  }
}

function copyVec(v: Vec2): Vec2 {
  return { x: v.x, y: v.y };
}
