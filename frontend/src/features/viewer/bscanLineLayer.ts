// Where the B-scan shown beside the en-face view lies in it: the row y = bscan, drawn across the image.
import type { CanvasLayer, LayerFrame } from './ImageCanvas';

export class BScanLineLayer implements CanvasLayer {
  /** bscan is the row to mark; null draws nothing. */
  bscan: number | null = null;
  constructor(private readonly width: number) {}

  draw(ctx: CanvasRenderingContext2D, f: LayerFrame): void {
    if (this.bscan === null) return;
    const { scale, tx, ty } = f.view;
    const y = ty + (this.bscan + 0.5) * scale;
    ctx.save();
    ctx.strokeStyle = '#00e5ff';
    ctx.lineWidth = 1.5;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(tx, y);
    ctx.lineTo(tx + this.width * scale, y);
    ctx.stroke();
    ctx.restore();
  }
}
