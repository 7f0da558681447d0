// Polyline tool: vessel centre-lines, at least two vertices.
import { AddPolyline } from '../commands';
import type { Vec2 } from '../types';
import { PathTool } from './pathTool';
import type { Tool, ToolContext } from './tool';

export class PolylineTool extends PathTool implements Tool {
  readonly id = 'polyline' as const;
  protected readonly closed = false;
  protected readonly minVertices = 2;
  protected commit(ctx: ToolContext, points: Vec2[]): void {
    ctx.history.execute(new AddPolyline({ id: ctx.doc.newId('l'), points }));
  }
}
