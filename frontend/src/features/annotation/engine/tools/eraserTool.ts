// Eraser tool: clears the mask.
import { StrokeTool } from './strokeTool';
import type { Tool } from './tool';

export class EraserTool extends StrokeTool implements Tool {
  readonly id = 'eraser' as const;
  protected readonly erase = true;
}
