// Polygon tool: closed regions of interest, at least three vertices; a click
// on the first vertex closes the region.
import { AddPolygon } from '../commands';
import type { Vec2 } from '../types';
import { PathTool } from './pathTool';
import type { Tool, ToolContext } from './tool';

export class PolygonTool extends PathTool implements Tool {
  readonly id = 'polygon' as const;
  protected readonly closed = true;
  protected readonly minVertices = 3;
  protected commit(ctx: ToolContext, points: Vec2[]): void {
    ctx.history.execute(new AddPolygon({ id: ctx.doc.newId('r'), points }));
  }
}
