// Draws an editor's document and tool state onto a 2D canvas. The frame type
// matches the viewer's layer contract structurally (features do not import
// each other). Level of detail keeps 50,000 marks cheap:
//   many in view (> 12,000)  -> marks are splatted into a reused pixel buffer;
//   some (> 3,000)           -> one batched path of small squares per source;
//   few                      -> circles (model) and crosshair rings (human).
import type { Editor } from './engine/editor';
import type { ConePoint } from './engine/types';

export interface RenderFrame {
  view: { scale: number; tx: number; ty: number };
  viewport: { width: number; height: number };
  dpr: number;
  visible: { x0: number; y0: number; x1: number; y1: number };
}

export interface LayerVisibility {
  cones: boolean;
  vessels: boolean;
  regions: boolean;
  mask: boolean;
}

export const MARK_COLORS = {
  model: '#22d3ee',
  human: '#fb923c',
  selected: '#ffffff',
  vessel: '#f43f5e',
  region: '#a3e635',
  mask: 'rgba(168, 85, 247, 0.38)',
} as const;

// Packed little-endian RGBA for the pixel splat.
const rgba = (r: number, g: number, b: number) => (255 << 24) | (b << 16) | (g << 8) | r;
const SPLAT = { model: rgba(0x22, 0xd3, 0xee), human: rgba(0xfb, 0x92, 0x3c), selected: rgba(255, 255, 255) };

/** MASK_SAMPLES is the most mask samples a side drawn for one view. */
const MASK_SAMPLES = 1024;

interface MaskSample {
  canvas: HTMLCanvasElement;
  /** region of the image sampled, every step-th pixel. */
  region: { x0: number; y0: number; x1: number; y1: number; step: number };
  revision: number;
}

export class AnnotationLayer {
  readonly editor: Editor;
  visibility: LayerVisibility = { cones: true, vessels: true, regions: true, mask: true };
  /** visibleMarks is how many marks the last frame drew. */
  visibleMarks = 0;
  private splat: ImageData | null = null;
  private splatCanvas: HTMLCanvasElement | null = null;
  private maskSample: MaskSample | null = null;

  constructor(editor: Editor) {
    this.editor = editor;
  }

  draw(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const vis = this.visibility;
    if (vis.mask && this.editor.doc.mask.area > 0) this.drawMask(ctx, f);
    if (vis.regions) this.drawRegions(ctx, f);
    if (vis.vessels) this.drawVessels(ctx, f);
    if (vis.cones) this.drawMarks(ctx, f);
    else this.visibleMarks = 0;
    this.drawTool(ctx, f);
  }

  private drawMarks(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const { scale, tx, ty } = f.view;
    const sel = this.editor.selection;
    const doc = this.editor.doc;
    // Zoomed out over the whole image: while only the offset changes (a pan), reuse one
    // splat of every mark at this scale and just move it.
    const dpr = f.dpr;
    const wholeW = Math.ceil(doc.width * scale * dpr) + 4;
    const wholeH = Math.ceil(doc.height * scale * dpr) + 4;
    if (doc.points.size > 12_000 && wholeW * wholeH <= 2048 * 2048) {
      let n = 0;
      doc.index.forEachInRect(f.visible, () => n++);
      if (n > 12_000) {
        this.visibleMarks = n;
        this.drawWholeSplat(ctx, f, wholeW, wholeH);
        return;
      }
    }
    const model: ConePoint[] = [];
    const human: ConePoint[] = [];
    const selected: ConePoint[] = [];
    doc.index.forEachInRect(f.visible, (p) => {
      (p.source === 'model' ? model : human).push(p);
      if (sel.size > 0 && sel.has(p.id)) selected.push(p);
    });
    this.visibleMarks = model.length + human.length;
    const n = this.visibleMarks;
    if (n > 12_000) {
      this.drawSplat(ctx, f, model, human, selected);
      return;
    }
    if (n > 3_000) {
      const s = Math.max(2, Math.min(4, scale * 2));
      for (const [pts, color, size] of [
        [model, MARK_COLORS.model, s],
        [human, MARK_COLORS.human, s + 1],
        [selected, MARK_COLORS.selected, s + 2],
      ] as const) {
        if (pts.length === 0) continue;
        ctx.beginPath();
        for (const p of pts) ctx.rect(p.x * scale + tx - size / 2, p.y * scale + ty - size / 2, size, size);
        if (pts === selected) {
          ctx.strokeStyle = color;
          ctx.lineWidth = 1.5;
          ctx.stroke();
        } else {
          ctx.fillStyle = color;
          ctx.fill();
        }
      }
      return;
    }
    const r = Math.min(14, Math.max(3, scale * 3.2));
    ctx.lineWidth = 1.5;
    if (model.length) {
      ctx.beginPath();
      for (const p of model) {
        const x = p.x * scale + tx;
        const y = p.y * scale + ty;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, Math.PI * 2);
      }
      ctx.strokeStyle = MARK_COLORS.model;
      ctx.stroke();
    }
    if (human.length) {
      ctx.beginPath();
      for (const p of human) {
        const x = p.x * scale + tx;
        const y = p.y * scale + ty;
        ctx.moveTo(x + r, y);
        ctx.arc(x, y, r, 0, Math.PI * 2);
        ctx.moveTo(x - r * 0.5, y);
        ctx.lineTo(x + r * 0.5, y);
        ctx.moveTo(x, y - r * 0.5);
        ctx.lineTo(x, y + r * 0.5);
      }
      ctx.strokeStyle = MARK_COLORS.human;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
    if (selected.length) {
      ctx.beginPath();
      for (const p of selected) {
        const x = p.x * scale + tx;
        const y = p.y * scale + ty;
        ctx.moveTo(x + r + 3, y);
        ctx.arc(x, y, r + 3, 0, Math.PI * 2);
      }
      ctx.strokeStyle = MARK_COLORS.selected;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }

  private whole: { canvas: HTMLCanvasElement; scale: number; dpr: number; version: number } | null = null;

  /** drawWholeSplat blits a cached splat of every mark at this scale, rebuilding it when the scale or the editor changed. */
  private drawWholeSplat(ctx: CanvasRenderingContext2D, f: RenderFrame, w: number, h: number): void {
    const { scale, tx, ty } = f.view;
    const dpr = f.dpr;
    const version = this.editor.version;
    const c = this.whole;
    if (!c || c.scale !== scale || c.dpr !== dpr || c.version !== version) {
      const canvas = c?.canvas ?? document.createElement('canvas');
      canvas.width = w;
      canvas.height = h;
      const sctx = canvas.getContext('2d');
      if (!sctx) return;
      const img = sctx.createImageData(w, h);
      const buf = new Uint32Array(img.data.buffer);
      const k = scale * dpr;
      const dense = k < 0.3;
      const sel = this.editor.selection;
      const put = (x: number, y: number, color: number, size: number) => {
        const x0 = Math.round(x * k) + 2 - (size >> 1);
        const y0 = Math.round(y * k) + 2 - (size >> 1);
        for (let dy = 0; dy < size; dy++) {
          const yy = y0 + dy;
          if (yy < 0 || yy >= h) continue;
          for (let dx = 0; dx < size; dx++) {
            const xx = x0 + dx;
            if (xx >= 0 && xx < w) buf[yy * w + xx] = color;
          }
        }
      };
      // Model marks first, so that human and selected marks draw over them.
      for (const p of this.editor.doc.points.values()) if (p.source === 'model') put(p.x, p.y, SPLAT.model, dense ? 1 : 2);
      for (const p of this.editor.doc.points.values()) if (p.source === 'human') put(p.x, p.y, SPLAT.human, dense ? 2 : 3);
      if (sel.size > 0) {
        for (const id of sel) {
          const p = this.editor.doc.points.get(id);
          if (p) put(p.x, p.y, SPLAT.selected, 3);
        }
      }
      sctx.putImageData(img, 0, 0);
      this.whole = { canvas, scale, dpr, version };
    }
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(this.whole!.canvas, Math.round(tx * dpr) - 2, Math.round(ty * dpr) - 2);
    ctx.restore();
  }

  private drawSplat(
    ctx: CanvasRenderingContext2D,
    f: RenderFrame,
    model: ConePoint[],
    human: ConePoint[],
    selected: ConePoint[],
  ): void {
    const w = ctx.canvas.width;
    const h = ctx.canvas.height;
    if (!this.splat || this.splat.width !== w || this.splat.height !== h) {
      this.splat = new ImageData(w, h);
      this.splatCanvas = document.createElement('canvas');
      this.splatCanvas.width = w;
      this.splatCanvas.height = h;
    }
    const buf = new Uint32Array(this.splat.data.buffer);
    buf.fill(0);
    const { scale, tx, ty } = f.view;
    const k = f.dpr;
    const put = (pts: ConePoint[], color: number, size: number) => {
      for (const p of pts) {
        const x0 = Math.round((p.x * scale + tx) * k) - (size >> 1);
        const y0 = Math.round((p.y * scale + ty) * k) - (size >> 1);
        for (let dy = 0; dy < size; dy++) {
          const y = y0 + dy;
          if (y < 0 || y >= h) continue;
          const row = y * w;
          for (let dx = 0; dx < size; dx++) {
            const x = x0 + dx;
            if (x >= 0 && x < w) buf[row + x] = color;
          }
        }
      }
    };
    const dense = scale * k < 0.3;
    put(model, SPLAT.model, dense ? 1 : 2);
    put(human, SPLAT.human, dense ? 2 : 3);
    put(selected, SPLAT.selected, 3);
    // putImageData replaces pixels; go through a scratch canvas so layers below survive.
    const sctx = this.splatCanvas!.getContext('2d');
    if (!sctx) return;
    sctx.putImageData(this.splat, 0, 0);
    ctx.save();
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.drawImage(this.splatCanvas!, 0, 0);
    ctx.restore();
  }

  /**
   * drawMask draws the brush mask from a cached sample of it: zoomed out, the whole mask at
   * ≤ 1024 samples a side; zoomed in, the pixels around the view (snapped to a 256 px grid so
   * panning reuses them). The sample is rebuilt only when the document changes or the view
   * leaves it, not every frame.
   */
  private drawMask(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const doc = this.editor.doc;
    const mask = doc.mask;
    const { scale, tx, ty } = f.view;
    const vx0 = Math.max(0, Math.floor(f.visible.x0));
    const vy0 = Math.max(0, Math.floor(f.visible.y0));
    const vx1 = Math.min(mask.width, Math.ceil(f.visible.x1));
    const vy1 = Math.min(mask.height, Math.ceil(f.visible.y1));
    if (vx1 <= vx0 || vy1 <= vy0) return;
    let region: MaskSample['region'];
    if (Math.max(vx1 - vx0, vy1 - vy0) > MASK_SAMPLES) {
      region = { x0: 0, y0: 0, x1: mask.width, y1: mask.height, step: Math.ceil(Math.max(mask.width, mask.height) / MASK_SAMPLES) };
    } else {
      const g = 256;
      region = {
        x0: Math.max(0, Math.floor(vx0 / g) * g - g),
        y0: Math.max(0, Math.floor(vy0 / g) * g - g),
        x1: Math.min(mask.width, Math.ceil(vx1 / g) * g + g),
        y1: Math.min(mask.height, Math.ceil(vy1 / g) * g + g),
        step: 1,
      };
    }
    const c = this.maskSample;
    const fresh =
      c && c.revision === doc.revision && c.region.step === region.step &&
      c.region.x0 <= vx0 && c.region.y0 <= vy0 && c.region.x1 >= vx1 && c.region.y1 >= vy1;
    const sample = fresh ? c : this.sampleMask(region);
    if (!sample) return;
    const r = sample.region;
    ctx.save();
    ctx.globalAlpha = 0.4;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(sample.canvas, r.x0 * scale + tx, r.y0 * scale + ty, sample.canvas.width * r.step * scale, sample.canvas.height * r.step * scale);
    ctx.restore();
  }

  private sampleMask(region: MaskSample['region']): MaskSample | null {
    const mask = this.editor.doc.mask;
    const { x0, y0, x1, y1, step } = region;
    const cols = Math.ceil((x1 - x0) / step);
    const rows = Math.ceil((y1 - y0) / step);
    const canvas = this.maskSample?.canvas ?? document.createElement('canvas');
    if (canvas.width !== cols || canvas.height !== rows) {
      canvas.width = cols;
      canvas.height = rows;
    }
    const mctx = canvas.getContext('2d');
    if (!mctx) return null;
    const img = mctx.createImageData(cols, rows);
    const buf = new Uint32Array(img.data.buffer);
    const on = rgba(168, 85, 247);
    for (let r = 0; r < rows; r++) {
      const rowIdx = (y0 + r * step) * mask.width;
      for (let c = 0; c < cols; c++) if (mask.getIndex(rowIdx + x0 + c * step)) buf[r * cols + c] = on;
    }
    mctx.putImageData(img, 0, 0);
    this.maskSample = { canvas, region, revision: this.editor.doc.revision };
    return this.maskSample;
  }

  private drawVessels(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const { scale, tx, ty } = f.view;
    const sel = this.editor.selection;
    for (const l of this.editor.doc.polylines.values()) {
      ctx.beginPath();
      l.points.forEach((v, i) => (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, v.x * scale + tx, v.y * scale + ty));
      ctx.strokeStyle = sel.has(l.id) ? MARK_COLORS.selected : MARK_COLORS.vessel;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  }

  private drawRegions(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const { scale, tx, ty } = f.view;
    const sel = this.editor.selection;
    for (const g of this.editor.doc.polygons.values()) {
      ctx.beginPath();
      g.points.forEach((v, i) => (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, v.x * scale + tx, v.y * scale + ty));
      ctx.closePath();
      ctx.fillStyle = 'rgba(163, 230, 53, 0.1)';
      ctx.fill();
      ctx.setLineDash([6, 4]);
      ctx.strokeStyle = sel.has(g.id) ? MARK_COLORS.selected : MARK_COLORS.region;
      ctx.lineWidth = 2;
      ctx.stroke();
      ctx.setLineDash([]);
    }
  }

  private drawTool(ctx: CanvasRenderingContext2D, f: RenderFrame): void {
    const o = this.editor.tool.overlay();
    if (!o) return;
    const { scale, tx, ty } = f.view;
    const X = (x: number) => x * scale + tx;
    const Y = (y: number) => y * scale + ty;
    ctx.lineWidth = 1.5;
    if (o.kind === 'box') {
      ctx.setLineDash([5, 4]);
      ctx.strokeStyle = MARK_COLORS.selected;
      ctx.fillStyle = 'rgba(255,255,255,0.08)';
      const w = (o.rect.x1 - o.rect.x0) * scale;
      const h = (o.rect.y1 - o.rect.y0) * scale;
      ctx.fillRect(X(o.rect.x0), Y(o.rect.y0), w, h);
      ctx.strokeRect(X(o.rect.x0), Y(o.rect.y0), w, h);
      ctx.setLineDash([]);
    } else if (o.kind === 'path') {
      ctx.beginPath();
      o.points.forEach((v, i) => (i === 0 ? ctx.moveTo : ctx.lineTo).call(ctx, X(v.x), Y(v.y)));
      if (o.cursor) ctx.lineTo(X(o.cursor.x), Y(o.cursor.y));
      if (o.closed && o.points.length > 1) ctx.closePath();
      ctx.strokeStyle = o.closed ? MARK_COLORS.region : MARK_COLORS.vessel;
      ctx.setLineDash([4, 3]);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = MARK_COLORS.selected;
      for (const v of o.points) ctx.fillRect(X(v.x) - 3, Y(v.y) - 3, 6, 6);
    } else {
      ctx.beginPath();
      ctx.arc(X(o.x), Y(o.y), o.r * scale, 0, Math.PI * 2);
      ctx.strokeStyle = o.erase ? '#f87171' : '#c084fc';
      ctx.stroke();
    }
  }
}
