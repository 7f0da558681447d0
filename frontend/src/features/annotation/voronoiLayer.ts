// Draws the marks' Voronoi cells (engine/voronoi) coloured by their number of sides.
// Zoomed in, the cells in view are drawn as vectors with their edges; zoomed out (many
// cells in view) a pre-rendered texture of all cells is scaled instead, so panning the
// whole 50,000-cell mosaic costs one drawImage.
import { sideClass, type VoronoiCells } from './engine/voronoi';
import type { RenderFrame } from './render';

/** SIDE_COLORS by number of sides; six-sided (regular packing) is green. */
export const SIDE_COLORS: Record<number, string> = {
  3: '#6d28d9',
  4: '#a855f7',
  5: '#3b82f6',
  6: '#22c55e',
  7: '#eab308',
  8: '#f97316',
  9: '#ef4444',
};

/** VECTOR_MAX is the most cells drawn as vectors in one frame. */
const VECTOR_MAX = 6000;
/** TEXTURE_MAX is the texture's long side: twice the screen pixels a fitted mosaic gets. */
const TEXTURE_MAX = 1024;

export class VoronoiLayer {
  visible = false;
  opacity = 0.45;
  /** cells are the last cells given (null before the first). */
  cells: VoronoiCells | null = null;
  private texture: HTMLCanvasElement | null = null;

  setCells(cells: VoronoiCells | null): void {
    this.cells = cells;
    this.texture = null;
  }

  draw(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const cells = this.cells;
    if (!this.visible || !cells) return;
    // Marks a little outside the view still have cells reaching into it.
    const pad = 16;
    const x0 = f.visible.x0 - pad;
    const y0 = f.visible.y0 - pad;
    const x1 = f.visible.x1 + pad;
    const y1 = f.visible.y1 + pad;
    const inView: number[] = [];
    const { xy } = cells;
    const n = xy.length / 2;
    for (let c = 0; c < n && inView.length <= VECTOR_MAX; c++) {
      const x = xy[2 * c]!;
      const y = xy[2 * c + 1]!;
      if (x >= x0 && x <= x1 && y >= y0 && y <= y1) inView.push(c);
    }
    ctx.save();
    ctx.globalAlpha = this.opacity;
    if (inView.length > VECTOR_MAX) {
      const tex = this.textureOf(cells);
      if (tex) {
        // Flat-coloured cells need no filtering.
        ctx.imageSmoothingEnabled = false;
        const { scale, tx, ty } = f.view;
        ctx.drawImage(tex, tx, ty, cells.width * scale, cells.height * scale);
      }
    } else {
      const { scale, tx, ty } = f.view;
      // Each cell is shrunk toward its mark by ~1 screen pixel: the gaps draw the edges
      // (stroking thousands of outlines costs a software canvas ~10 ms a frame; this costs nothing).
      this.paint(ctx, cells, inView, (v) => v * scale + tx, (v) => v * scale + ty, 1 / scale);
    }
    ctx.restore();
  }

  /** paint fills the cells by side class, one path per class, each cell inset by gap image px. */
  private paint(
    ctx: CanvasRenderingContext2D,
    cells: VoronoiCells,
    which: Iterable<number>,
    sx: (v: number) => number,
    sy: (v: number) => number,
    gap: number,
  ): void {
    const paths = new Map<number, Path2D>();
    for (const c of which) {
      const s = cells.sides[c]!;
      if (s === 0) continue;
      const k = sideClass(s);
      let p = paths.get(k);
      if (!p) paths.set(k, (p = new Path2D()));
      // Shrink about the mark by gap over the cell's mean radius.
      const shrink = Math.max(0, 1 - gap / Math.sqrt(cells.area[c]! / Math.PI));
      addPolygon(p, cells.polygons[c]!, cells.xy[2 * c]!, cells.xy[2 * c + 1]!, shrink, sx, sy);
    }
    for (const [k, p] of paths) {
      ctx.fillStyle = SIDE_COLORS[k]!;
      ctx.fill(p);
    }
  }

  /**
   * textureOf rasterises every cell into a texture of ≤ TEXTURE_MAX px a side: each texel takes
   * the colour of its nearest mark's cell (the Voronoi cell, by definition). Scanning in raster
   * order with the last cell as the hint makes each lookup a step or two, far cheaper than
   * filling 50,000 polygons on a software canvas (~7 s in headless Chromium).
   */
  private textureOf(cells: VoronoiCells): HTMLCanvasElement | null {
    if (this.texture) return this.texture;
    const k = Math.min(1, TEXTURE_MAX / Math.max(cells.width, cells.height));
    const c = document.createElement('canvas');
    const w = Math.max(1, Math.round(cells.width * k));
    const h = Math.max(1, Math.round(cells.height * k));
    c.width = w;
    c.height = h;
    const ctx = c.getContext('2d');
    if (!ctx) return null;
    const packed = new Uint32Array(10);
    for (const s of [3, 4, 5, 6, 7, 8, 9]) packed[s] = pack(SIDE_COLORS[s]!);
    const img = ctx.createImageData(w, h);
    const px = new Uint32Array(img.data.buffer);
    let hint = 0;
    for (let y = 0; y < h; y++) {
      let rowHint = hint;
      for (let x = 0; x < w; x++) {
        const cell = cells.nearest((x + 0.5) / k, (y + 0.5) / k, rowHint);
        if (cell < 0) continue;
        if (x === 0) hint = cell;
        rowHint = cell;
        const s = cells.sides[cell]!;
        if (s) px[y * w + x] = packed[sideClass(s)]!;
      }
    }
    ctx.putImageData(img, 0, 0);
    this.texture = c;
    return c;
  }
}

/** pack turns "#rrggbb" into little-endian RGBA for a Uint32 view of ImageData. */
function pack(hex: string): number {
  const v = parseInt(hex.slice(1), 16);
  return ((255 << 24) | ((v & 0xff) << 16) | (v & 0xff00) | ((v >> 16) & 0xff)) >>> 0;
}

/** addPolygon adds poly, scaled by k about (cx, cy), to p in screen coordinates. */
function addPolygon(p: Path2D, poly: Float64Array, cx: number, cy: number, k: number, sx: (v: number) => number, sy: (v: number) => number): void {
  if (poly.length < 6) return;
  p.moveTo(sx(cx + (poly[0]! - cx) * k), sy(cy + (poly[1]! - cy) * k));
  for (let i = 2; i < poly.length; i += 2) p.lineTo(sx(cx + (poly[i]! - cx) * k), sy(cy + (poly[i + 1]! - cy) * k));
  p.closePath();
}
