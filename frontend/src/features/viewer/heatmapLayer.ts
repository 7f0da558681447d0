// A scalar field (e.g. the model's uncertainty) drawn over the image as a
// translucent heat map, scaled from its own grid to the image.
import { heatColor } from './colorScale';
import type { CanvasLayer, LayerFrame } from './ImageCanvas';

export interface ScalarField {
  data: Float32Array;
  width: number;
  height: number;
}

export class HeatmapLayer implements CanvasLayer {
  visible = false;
  opacity = 0.45;
  private field: ScalarField;
  private readonly imageWidth: number;
  private readonly imageHeight: number;
  private canvas: HTMLCanvasElement | null = null;
  /** range fixes the colour scale (uncertainty: 0–1); without it the field's own min–max is used. */
  private readonly range: readonly [number, number] | null;

  constructor(field: ScalarField, imageWidth: number, imageHeight: number, range: readonly [number, number] | null = null) {
    this.field = field;
    this.imageWidth = imageWidth;
    this.imageHeight = imageHeight;
    this.range = range;
  }

  /** setField replaces the field (e.g. a density map after edits). */
  setField(field: ScalarField): void {
    if (field === this.field) return;
    this.field = field;
    this.canvas = null;
  }

  /** scale is the value range the colours span (the legend's ends); null for an empty field. */
  scale(): readonly [number, number] | null {
    if (this.range) return this.range;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of this.field.data) {
      if (Number.isNaN(v)) continue;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    return lo <= hi ? [lo, hi] : null;
  }

  private texture(): HTMLCanvasElement | null {
    if (this.canvas) return this.canvas;
    const { data, width, height } = this.field;
    const c = document.createElement('canvas');
    c.width = width;
    c.height = height;
    const ctx = c.getContext('2d');
    if (!ctx) return null;
    const [lo, hi] = this.scale() ?? [0, 0];
    const img = ctx.createImageData(width, height);
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (Number.isNaN(v)) continue;
      const [r, g, b] = heatColor(hi > lo ? (v - lo) / (hi - lo) : 0);
      img.data.set([r, g, b, 255], i * 4);
    }
    ctx.putImageData(img, 0, 0);
    this.canvas = c;
    return c;
  }

  draw(ctx: CanvasRenderingContext2D, f: LayerFrame): void {
    if (!this.visible) return;
    const tex = this.texture();
    if (!tex) return;
    const { scale, tx, ty } = f.view;
    ctx.globalAlpha = this.opacity;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tex, tx, ty, this.imageWidth * scale, this.imageHeight * scale);
    ctx.globalAlpha = 1;
  }
}
