// Undoable edits. Each command captures what it needs to undo itself when it
// is first applied, so undo followed by redo restores the document exactly.
import type { AnnotationDocument } from './document';
import type { ConePoint, Polygon, Polyline } from './types';

export interface Command {
  readonly label: string;
  apply(doc: AnnotationDocument): void;
  revert(doc: AnnotationDocument): void;
}

/** AddPoints adds new points (their ids must be unused). */
export class AddPoints implements Command {
  readonly label: string;
  private readonly points: ConePoint[];
  constructor(points: readonly ConePoint[]) {
    this.points = points.map((p) => ({ ...p }));
    this.label = points.length === 1 ? 'Add mark' : `Add ${points.length} marks`;
  }
  apply(doc: AnnotationDocument): void {
    for (const p of this.points) {
      if (doc.points.has(p.id)) throw new Error(`point ${p.id} exists`);
      doc.putPoint(p);
    }
  }
  revert(doc: AnnotationDocument): void {
    for (const p of this.points) doc.deletePoint(p.id);
  }
}

/** DeletePoints removes points, remembering them for undo. */
export class DeletePoints implements Command {
  readonly label: string;
  private readonly ids: string[];
  private removed: ConePoint[] = [];
  constructor(ids: Iterable<string>) {
    this.ids = [...new Set(ids)];
    this.label = this.ids.length === 1 ? 'Delete mark' : `Delete ${this.ids.length} marks`;
  }
  apply(doc: AnnotationDocument): void {
    this.removed = [];
    for (const id of this.ids) {
      const p = doc.deletePoint(id);
      if (p) this.removed.push({ ...p });
    }
  }
  revert(doc: AnnotationDocument): void {
    for (const p of this.removed) doc.putPoint(p);
  }
}

export interface PointMove {
  id: string;
  x: number;
  y: number;
}

/**
 * MovePoints moves points to new positions. A moved model mark becomes a
 * human mark: a person corrected it.
 */
export class MovePoints implements Command {
  readonly label: string;
  private readonly moves: PointMove[];
  private before: ConePoint[] = [];
  constructor(moves: readonly PointMove[]) {
    this.moves = moves.map((m) => ({ ...m }));
    this.label = moves.length === 1 ? 'Move mark' : `Move ${moves.length} marks`;
  }
  apply(doc: AnnotationDocument): void {
    this.before = [];
    for (const m of this.moves) {
      const p = doc.points.get(m.id);
      if (!p) continue;
      this.before.push({ ...p });
      doc.movePoint(m.id, m.x, m.y, 'human');
    }
  }
  revert(doc: AnnotationDocument): void {
    for (const p of this.before) doc.movePoint(p.id, p.x, p.y, p.source);
  }
}

export class AddPolyline implements Command {
  readonly label = 'Add vessel line';
  private readonly line: Polyline;
  constructor(line: Polyline) {
    this.line = { id: line.id, points: line.points.map((v) => ({ ...v })) };
  }
  apply(doc: AnnotationDocument): void {
    doc.putPolyline(this.line);
  }
  revert(doc: AnnotationDocument): void {
    doc.polylines.delete(this.line.id);
  }
}

export class AddPolygon implements Command {
  readonly label = 'Add region';
  private readonly polygon: Polygon;
  constructor(polygon: Polygon) {
    this.polygon = { id: polygon.id, points: polygon.points.map((v) => ({ ...v })) };
  }
  apply(doc: AnnotationDocument): void {
    doc.putPolygon(this.polygon);
  }
  revert(doc: AnnotationDocument): void {
    doc.polygons.delete(this.polygon.id);
  }
}

/** DeleteShapes removes polylines and polygons by id. */
export class DeleteShapes implements Command {
  readonly label = 'Delete shapes';
  private readonly ids: string[];
  private lines: Polyline[] = [];
  private polys: Polygon[] = [];
  constructor(ids: Iterable<string>) {
    this.ids = [...new Set(ids)];
  }
  apply(doc: AnnotationDocument): void {
    this.lines = [];
    this.polys = [];
    for (const id of this.ids) {
      const l = doc.polylines.get(id);
      if (l) {
        this.lines.push(l);
        doc.polylines.delete(id);
      }
      const g = doc.polygons.get(id);
      if (g) {
        this.polys.push(g);
        doc.polygons.delete(id);
      }
    }
  }
  revert(doc: AnnotationDocument): void {
    for (const l of this.lines) doc.putPolyline(l);
    for (const g of this.polys) doc.putPolygon(g);
  }
}

/**
 * MaskStroke records the mask pixels a brush or eraser stroke changed. Every
 * listed pixel was flipped by the stroke, so both apply (redo) and revert
 * flip them again.
 */
export class MaskStroke implements Command {
  readonly label: string;
  readonly changed: Uint32Array;
  private applied: boolean;
  constructor(erase: boolean, changed: ArrayLike<number>, alreadyApplied: boolean) {
    this.label = erase ? 'Erase' : 'Brush';
    this.changed = Uint32Array.from(changed);
    this.applied = alreadyApplied;
  }
  apply(doc: AnnotationDocument): void {
    if (this.applied) throw new Error('stroke already applied');
    doc.mask.flip(this.changed);
    this.applied = true;
  }
  revert(doc: AnnotationDocument): void {
    if (!this.applied) throw new Error('stroke not applied');
    doc.mask.flip(this.changed);
    this.applied = false;
  }
}

/** Batch applies several commands as one undo step. */
export class Batch implements Command {
  readonly label: string;
  private readonly parts: Command[];
  constructor(label: string, parts: Command[]) {
    this.label = label;
    this.parts = parts;
  }
  apply(doc: AnnotationDocument): void {
    for (const c of this.parts) c.apply(doc);
  }
  revert(doc: AnnotationDocument): void {
    for (let i = this.parts.length - 1; i >= 0; i--) this.parts[i]!.revert(doc);
  }
}
