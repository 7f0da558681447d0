// Brush tool: paints the mask.
import { StrokeTool } from './strokeTool';
import type { Tool } from './tool';

export class BrushTool extends StrokeTool implements Tool {
  readonly id = 'brush' as const;
  protected readonly erase = false;
}
