// Unbounded undo/redo over commands.
import type { Command } from './commands';
import type { AnnotationDocument } from './document';

export class History {
  private readonly doc: AnnotationDocument;
  private readonly done: Command[] = [];
  private readonly undone: Command[] = [];

  constructor(doc: AnnotationDocument) {
    this.doc = doc;
  }

  /** execute applies a command and makes it the newest undo step; the redo stack is cleared. */
  execute(cmd: Command): void {
    cmd.apply(this.doc);
    this.record(cmd);
  }

  /** record adds a command whose effect is already in the document (e.g. a brush stroke painted live). */
  record(cmd: Command): void {
    this.done.push(cmd);
    this.undone.length = 0;
    this.doc.changed();
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  get undoLabel(): string | null {
    return this.done.at(-1)?.label ?? null;
  }

  get redoLabel(): string | null {
    return this.undone.at(-1)?.label ?? null;
  }

  get depth(): { undo: number; redo: number } {
    return { undo: this.done.length, redo: this.undone.length };
  }

  undo(): boolean {
    const cmd = this.done.pop();
    if (!cmd) return false;
    cmd.revert(this.doc);
    this.undone.push(cmd);
    this.doc.changed();
    return true;
  }

  redo(): boolean {
    const cmd = this.undone.pop();
    if (!cmd) return false;
    cmd.apply(this.doc);
    this.done.push(cmd);
    this.doc.changed();
    return true;
  }

  clear(): void {
    this.done.length = 0;
    this.undone.length = 0;
  }
}
