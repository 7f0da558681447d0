// The tool state machine's contract. A tool receives pointer events in image
// coordinates and keys, edits the document through commands, and describes
// its transient state (a rubber band, a path being drawn) for the renderer.
import type { AnnotationDocument } from '../document';
import type { History } from '../history';
import type { Rect, Vec2 } from '../types';

export type ToolId = 'pan' | 'point' | 'select' | 'polyline' | 'polygon' | 'brush' | 'eraser';

export interface PointerInput {
  /** Position in image pixels. */
  x: number;
  y: number;
  shift: boolean;
  alt: boolean;
  /** Click count of a press (2 for a double-click). */
  clicks: number;
}

export interface ToolContext {
  readonly doc: AnnotationDocument;
  readonly history: History;
  /** Selected element ids (points and shapes). */
  readonly selection: Set<string>;
  /** How far (image px) a press may be from a mark and still hit it. */
  hitRadius: number;
  /** Brush and eraser radius in image px. */
  brushRadius: number;
  /** notify asks the view to redraw transient state (selection, previews). */
  notify(): void;
}

export type ToolOverlay =
  | { kind: 'box'; rect: Rect }
  | { kind: 'path'; points: readonly Vec2[]; cursor: Vec2 | null; closed: boolean }
  | { kind: 'brush'; x: number; y: number; r: number; erase: boolean };

export interface Tool {
  readonly id: ToolId;
  down(ctx: ToolContext, e: PointerInput): void;
  move(ctx: ToolContext, e: PointerInput): void;
  up(ctx: ToolContext, e: PointerInput): void;
  /** key handles a key press; true when the tool used it. */
  key(ctx: ToolContext, key: string): boolean;
  /** cancel abandons any gesture in progress, leaving the document as before it. */
  cancel(ctx: ToolContext): void;
  /** busy is true while a gesture is in progress. */
  readonly busy: boolean;
  overlay(): ToolOverlay | null;
}

/** PanTool edits nothing: the view pans while it is active. */
export class PanTool implements Tool {
  readonly id = 'pan' as const;
  readonly busy = false;
  down(): void {}
  move(): void {}
  up(): void {}
  key(): boolean {
    return false;
  }
  cancel(): void {}
  overlay(): null {
    return null;
  }
}
