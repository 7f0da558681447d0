// The editor ties a document, its history, the selection and the tools
// together, and maps keys to actions. Views feed it pointer events in image
// coordinates and render from its state.
import { Batch, DeletePoints, DeleteShapes, type Command } from './commands';
import { AnnotationDocument } from './document';
import { History } from './history';
import { BrushTool } from './tools/brushTool';
import { EraserTool } from './tools/eraserTool';
import { PointTool } from './tools/pointTool';
import { PolygonTool } from './tools/polygonTool';
import { PolylineTool } from './tools/polylineTool';
import { SelectTool } from './tools/selectTool';
import { PanTool, type PointerInput, type Tool, type ToolContext, type ToolId } from './tools/tool';

export interface KeyInput {
  key: string;
  ctrl: boolean;
  shift: boolean;
  alt: boolean;
}

/** TOOL_KEYS maps a plain key to the tool it selects. */
export const TOOL_KEYS: Readonly<Record<string, ToolId>> = {
  h: 'pan',
  p: 'point',
  v: 'select',
  l: 'polyline',
  r: 'polygon',
  b: 'brush',
  e: 'eraser',
};

export const TOOL_LABELS: Readonly<Record<ToolId, string>> = {
  pan: 'Pan',
  point: 'Cone mark',
  select: 'Select',
  polyline: 'Vessel line',
  polygon: 'Region',
  brush: 'Brush',
  eraser: 'Eraser',
};

export type EditorListener = () => void;

const READ_ONLY_TOOLS: ReadonlySet<ToolId> = new Set(['pan', 'select']);

export class Editor implements ToolContext {
  readonly doc: AnnotationDocument;
  readonly history: History;
  readonly selection = new Set<string>();
  hitRadius = 6;
  brushRadius = 12;
  /**
   * readOnly lets the user look (pan, select) but not change the document: a label in review
   * or approved, or a caller who may not edit. Edits would be lost, so none are taken.
   */
  private locked = false;
  private readonly tools: Record<ToolId, Tool> = {
    pan: new PanTool(),
    point: new PointTool(),
    select: new SelectTool(),
    polyline: new PolylineTool(),
    polygon: new PolygonTool(),
    brush: new BrushTool(),
    eraser: new EraserTool(),
  };
  private active: Tool = this.tools.pan;
  private readonly listeners = new Set<EditorListener>();
  /** version increases on every change of the editor's state (document, selection, tool). */
  version = 0;

  constructor(doc: AnnotationDocument) {
    this.doc = doc;
    this.history = new History(doc);
    doc.subscribe(() => this.notify());
  }

  get tool(): Tool {
    return this.active;
  }

  get readOnly(): boolean {
    return this.locked;
  }

  set readOnly(v: boolean) {
    if (v === this.locked) return;
    this.locked = v;
    if (v && !READ_ONLY_TOOLS.has(this.active.id)) {
      this.active.cancel(this);
      this.active = this.tools.pan;
    }
    this.notify();
  }

  /** canUse says whether the tool may be picked (read-only: pan and select). */
  canUse(id: ToolId): boolean {
    return !this.locked || READ_ONLY_TOOLS.has(id);
  }

  setTool(id: ToolId): void {
    if (this.active.id === id || !this.canUse(id)) return;
    this.active.cancel(this);
    this.active = this.tools[id];
    this.notify();
  }

  subscribe(fn: EditorListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  notify(): void {
    this.version++;
    for (const fn of this.listeners) fn();
  }

  pointerDown(e: PointerInput): void {
    this.active.down(this, e);
  }
  pointerMove(e: PointerInput): void {
    this.active.move(this, e);
  }
  pointerUp(e: PointerInput): void {
    this.active.up(this, e);
  }

  execute(cmd: Command): void {
    if (this.locked) return;
    this.history.execute(cmd);
  }

  undo(): boolean {
    if (this.locked) return false;
    if (this.active.busy) this.active.cancel(this);
    const ok = this.history.undo();
    this.pruneSelection();
    return ok;
  }

  redo(): boolean {
    if (this.locked) return false;
    if (this.active.busy) this.active.cancel(this);
    const ok = this.history.redo();
    this.pruneSelection();
    return ok;
  }

  /** deleteSelection removes every selected point and shape as one undo step. */
  deleteSelection(): number {
    const pointIds = [...this.selection].filter((id) => this.doc.points.has(id));
    const shapeIds = [...this.selection].filter((id) => this.doc.polylines.has(id) || this.doc.polygons.has(id));
    const n = pointIds.length + shapeIds.length;
    if (n === 0 || this.locked) return 0;
    const parts: Command[] = [];
    if (pointIds.length) parts.push(new DeletePoints(pointIds));
    if (shapeIds.length) parts.push(new DeleteShapes(shapeIds));
    this.history.execute(parts.length === 1 ? parts[0]! : new Batch(`Delete ${n} items`, parts));
    this.selection.clear();
    this.notify();
    return n;
  }

  selectAll(): void {
    for (const id of this.doc.points.keys()) this.selection.add(id);
    for (const id of this.doc.polylines.keys()) this.selection.add(id);
    for (const id of this.doc.polygons.keys()) this.selection.add(id);
    this.notify();
  }

  clearSelection(): void {
    if (this.selection.size === 0) return;
    this.selection.clear();
    this.notify();
  }

  private pruneSelection(): void {
    for (const id of this.selection) {
      if (!this.doc.points.has(id) && !this.doc.polylines.has(id) && !this.doc.polygons.has(id)) {
        this.selection.delete(id);
      }
    }
  }

  /**
   * handleKey performs the editing shortcut for a key press, if any, and says
   * whether it did (the caller then prevents the browser's default).
   */
  handleKey(k: KeyInput): boolean {
    const key = k.key.length === 1 ? k.key.toLowerCase() : k.key;
    if (k.ctrl && !k.alt) {
      if (key === 'z' && !k.shift) return this.undo(), true;
      if ((key === 'z' && k.shift) || (key === 'y' && !k.shift)) return this.redo(), true;
      if (key === 'a' && !k.shift) return this.selectAll(), true;
      return false;
    }
    if (k.alt) return false;
    if (this.active.key(this, k.key)) return true;
    if (key === 'Escape') {
      if (this.active.busy) this.active.cancel(this);
      else this.clearSelection();
      return true;
    }
    if (key === 'Delete' || key === 'Backspace') {
      return this.deleteSelection() > 0;
    }
    if (key === '[' || key === ']') {
      const r = this.brushRadius;
      this.brushRadius = key === ']' ? Math.min(200, Math.max(r + 1, Math.round(r * 1.25))) : Math.max(1, Math.min(r - 1, Math.round(r * 0.8)));
      this.notify();
      return true;
    }
    const tool = !k.shift ? TOOL_KEYS[key] : undefined;
    if (tool) {
      this.setTool(tool);
      return true;
    }
    return false;
  }
}

export type { PointerInput, ToolId };
