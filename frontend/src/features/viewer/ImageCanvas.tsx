// ImageCanvas shows one large image with smooth zoom and pan (wheel, drag,
// keyboard through its handle) and draws layers (annotations, overlays) on a
// second canvas above it. Redraws are batched to one per animation frame and
// never go through React state, so panning costs no re-render.
import { forwardRef, useCallback, useEffect, useImperativeHandle, useRef, type CSSProperties } from 'react';
import {
  centerOn,
  fitView,
  interpolateView,
  panBy,
  scaleBar,
  screenToImage,
  visibleRect,
  zoomAt,
  type ImageRect,
  type Size,
  type ViewState,
} from './view';

/** What a layer gets to draw one frame. Coordinates: CSS pixels; ctx is pre-scaled by dpr. */
export interface LayerFrame {
  view: ViewState;
  viewport: Size;
  dpr: number;
  /** The visible part of image space, padded a little. */
  visible: ImageRect;
}

export interface CanvasLayer {
  draw(ctx: CanvasRenderingContext2D, frame: LayerFrame): void;
}

export interface ImagePointer {
  x: number;
  y: number;
  shift: boolean;
  alt: boolean;
  clicks: number;
  /** Current zoom, for hit radii in screen pixels. */
  scale: number;
}

export type PointerPhase = 'down' | 'move' | 'up' | 'leave';

export interface ImageCanvasHandle {
  zoomBy(factor: number): void;
  panBy(dx: number, dy: number): void;
  fit(): void;
  setScale(scale: number): void;
  centerOn(x: number, y: number, scale?: number): void;
  view(): ViewState;
  viewportSize(): Size;
  redraw(): void;
}

export type ImageSource = CanvasImageSource & { width: number; height: number };

const ANIMATION_MS = 140;

export interface ImageCanvasProps {
  image: ImageSource | null;
  imageSize: Size;
  /** umPerPx is the calibrated pixel size; null when unknown (the scale bar is then in px). */
  umPerPx: number | null;
  brightness?: number;
  contrast?: number;
  layers?: readonly CanvasLayer[];
  /** The primary button pans (hand tool); otherwise it goes to onPointer. Middle/right drag and Space+drag always pan. */
  panWithPrimary?: boolean;
  onPointer?(phase: PointerPhase, p: ImagePointer): void;
  onViewChange?(v: ViewState): void;
  label: string;
  /** autoFocus puts keyboard focus on the viewer when it mounts (Space-drag, arrows). */
  autoFocus?: boolean;
}

/** Recent draw durations, for performance journeys (window.__aomasViewer). */
interface ViewerStats {
  drawMs: number[];
  draws: number;
  view: ViewState | null;
  /** performance.now() of the first frame that showed an image. */
  firstImageAt?: number;
  /** A keyboard zoom or jump is animating. */
  animating?: boolean;
}

declare global {
  interface Window {
    __aomasViewer?: ViewerStats;
  }
}

function stats(): ViewerStats {
  if (!window.__aomasViewer) window.__aomasViewer = { drawMs: [], draws: 0, view: null };
  return window.__aomasViewer;
}

/** A mip pyramid so that zoomed-out frames sample a small canvas, not the full image. */
function buildPyramid(image: ImageSource): ImageSource[] {
  const levels: ImageSource[] = [image];
  let src: ImageSource = image;
  while (src.width > 512 || src.height > 512) {
    const c = document.createElement('canvas');
    c.width = Math.max(1, Math.ceil(src.width / 2));
    c.height = Math.max(1, Math.ceil(src.height / 2));
    const ctx = c.getContext('2d');
    if (!ctx) break;
    ctx.imageSmoothingQuality = 'medium';
    ctx.drawImage(src, 0, 0, c.width, c.height);
    levels.push(c);
    src = c;
  }
  return levels;
}

function get2d(c: HTMLCanvasElement | null): CanvasRenderingContext2D | null {
  if (!c) return null;
  try {
    return c.getContext('2d');
  } catch {
    return null; // jsdom
  }
}

export const ImageCanvas = forwardRef<ImageCanvasHandle, ImageCanvasProps>(function ImageCanvas(props, ref) {
  const hostRef = useRef<HTMLDivElement>(null);
  const baseRef = useRef<HTMLCanvasElement>(null);
  const overRef = useRef<HTMLCanvasElement>(null);
  const barRef = useRef<HTMLDivElement>(null);
  const barLabelRef = useRef<HTMLSpanElement>(null);
  const propsRef = useRef(props);
  propsRef.current = props;

  const viewRef = useRef<ViewState>({ scale: 1, tx: 0, ty: 0 });
  const sizeRef = useRef<Size>({ width: 0, height: 0 });
  // The view stays fitted to the window (through the dock settling, resizes and the image
  // arriving) until the user zooms, pans or works on the image; Fit (0) makes it follow again.
  const autoFitRef = useRef(true);
  const pyramidRef = useRef<ImageSource[]>([]);
  const frameRef = useRef(0);
  const lastViewReport = useRef(0);
  const reportTimer = useRef(0);
  const spaceRef = useRef(false);

  const draw = useCallback(() => {
    frameRef.current = 0;
    const t0 = performance.now();
    const p = propsRef.current;
    const base = baseRef.current;
    const over = overRef.current;
    const viewport = sizeRef.current;
    if (!base || !over || viewport.width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    const v = viewRef.current;
    const bctx = get2d(base);
    if (bctx) {
      bctx.setTransform(1, 0, 0, 1, 0, 0);
      bctx.clearRect(0, 0, base.width, base.height);
      const levels = pyramidRef.current;
      if (levels.length > 0) {
        // The coarsest level that still has at least one texel per device pixel.
        const k = Math.max(0, Math.min(levels.length - 1, Math.floor(Math.log2(1 / (v.scale * dpr)))));
        const lvl = levels[k]!;
        const f = lvl.width / p.imageSize.width; // level texels per image pixel
        const vis = visibleRect(v, viewport);
        const x0 = Math.max(0, Math.floor(vis.x0));
        const y0 = Math.max(0, Math.floor(vis.y0));
        const x1 = Math.min(p.imageSize.width, Math.ceil(vis.x1));
        const y1 = Math.min(p.imageSize.height, Math.ceil(vis.y1));
        if (x1 > x0 && y1 > y0) {
          bctx.imageSmoothingEnabled = v.scale * dpr < 2;
          bctx.setTransform(dpr, 0, 0, dpr, 0, 0);
          const b = p.brightness ?? 1;
          const c = p.contrast ?? 1;
          bctx.filter = b === 1 && c === 1 ? 'none' : `brightness(${b}) contrast(${c})`;
          bctx.drawImage(
            lvl,
            x0 * f,
            y0 * f,
            Math.max(1, (x1 - x0) * f),
            Math.max(1, (y1 - y0) * f),
            x0 * v.scale + v.tx,
            y0 * v.scale + v.ty,
            (x1 - x0) * v.scale,
            (y1 - y0) * v.scale,
          );
          bctx.filter = 'none';
        }
      }
    }
    const octx = get2d(over);
    if (octx) {
      octx.setTransform(1, 0, 0, 1, 0, 0);
      octx.clearRect(0, 0, over.width, over.height);
      const frame: LayerFrame = { view: v, viewport, dpr, visible: visibleRect(v, viewport, 8 / v.scale) };
      for (const layer of p.layers ?? []) {
        octx.setTransform(dpr, 0, 0, dpr, 0, 0);
        octx.save();
        layer.draw(octx, frame);
        octx.restore();
      }
    }
    const bar = p.umPerPx ? scaleBar(p.umPerPx, v.scale) : scaleBar(1, v.scale, 60, 'px');
    if (barRef.current) barRef.current.style.width = `${bar.px}px`;
    if (barLabelRef.current) barLabelRef.current.textContent = bar.label;
    const s = stats();
    if (s.firstImageAt === undefined && pyramidRef.current.length > 0) s.firstImageAt = performance.now();
    s.draws++;
    s.view = v;
    s.drawMs.push(performance.now() - t0);
    if (s.drawMs.length > 2000) s.drawMs.splice(0, 1000);
    // Tell the page about the view at most every 100 ms, and always about the last one.
    const now = performance.now();
    if (p.onViewChange && reportTimer.current === 0) {
      const wait = Math.max(0, 100 - (now - lastViewReport.current));
      reportTimer.current = window.setTimeout(() => {
        reportTimer.current = 0;
        lastViewReport.current = performance.now();
        propsRef.current.onViewChange?.(viewRef.current);
      }, wait);
    }
  }, []);

  const invalidate = useCallback(() => {
    if (frameRef.current === 0) frameRef.current = requestAnimationFrame(draw);
  }, [draw]);

  const animRef = useRef<{ from: ViewState; to: ViewState; start: number; raf: number } | null>(null);

  const stopAnimation = useCallback(() => {
    if (animRef.current) cancelAnimationFrame(animRef.current.raf);
    animRef.current = null;
    stats().animating = false;
  }, []);

  /** setView jumps (pointer gestures: they must track the hand exactly). */
  const setView = useCallback(
    (v: ViewState) => {
      stopAnimation();
      autoFitRef.current = false;
      viewRef.current = v;
      invalidate();
    },
    [invalidate, stopAnimation],
  );

  /** animateTo glides to v (keyboard zoom, fit, jumps to a region). */
  const animateTo = useCallback(
    (v: ViewState) => {
      if (animRef.current) cancelAnimationFrame(animRef.current.raf);
      const a = { from: viewRef.current, to: v, start: performance.now(), raf: 0 };
      animRef.current = a;
      stats().animating = true;
      const step = (now: number) => {
        if (animRef.current !== a) return;
        const t = Math.min(1, (now - a.start) / ANIMATION_MS);
        const eased = 1 - (1 - t) ** 3;
        viewRef.current = interpolateView(a.from, a.to, eased, sizeRef.current);
        draw();
        if (t < 1) a.raf = requestAnimationFrame(step);
        else {
          animRef.current = null;
          stats().animating = false;
        }
      };
      a.raf = requestAnimationFrame(step);
    },
    [draw],
  );

  /** goal is where the view is heading: repeated key presses build on the target, not the frame. */
  const goal = () => animRef.current?.to ?? viewRef.current;

  useImperativeHandle(
    ref,
    (): ImageCanvasHandle => ({
      zoomBy(factor) {
        autoFitRef.current = false;
        const { width, height } = sizeRef.current;
        animateTo(zoomAt(goal(), factor, width / 2, height / 2));
      },
      panBy(dx, dy) {
        autoFitRef.current = false;
        animateTo(panBy(goal(), dx, dy));
      },
      fit() {
        autoFitRef.current = true;
        animateTo(fitView(propsRef.current.imageSize, sizeRef.current));
      },
      setScale(scale) {
        autoFitRef.current = false;
        const { width, height } = sizeRef.current;
        const g = goal();
        animateTo(zoomAt(g, scale / g.scale, width / 2, height / 2));
      },
      centerOn(x, y, scale) {
        autoFitRef.current = false;
        animateTo(centerOn(goal(), sizeRef.current, x, y, scale));
      },
      view: () => viewRef.current,
      viewportSize: () => sizeRef.current,
      redraw: invalidate,
    }),
    [animateTo, invalidate],
  );

  useEffect(() => {
    if (propsRef.current.autoFocus) hostRef.current?.focus({ preventScroll: true });
  }, []);

  // The image's pyramid.
  useEffect(() => {
    pyramidRef.current = props.image ? buildPyramid(props.image) : [];
    invalidate();
  }, [props.image, invalidate]);

  // Any prop change (layers, brightness, ...) redraws.
  useEffect(() => {
    invalidate();
  });

  // Size the canvases to the host; fit the image the first time.
  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const resize = () => {
      const width = host.clientWidth;
      const height = host.clientHeight;
      const dpr = window.devicePixelRatio || 1;
      sizeRef.current = { width, height };
      for (const c of [baseRef.current, overRef.current]) {
        if (!c) continue;
        c.width = Math.max(1, Math.round(width * dpr));
        c.height = Math.max(1, Math.round(height * dpr));
      }
      if (autoFitRef.current && width > 0 && height > 0) {
        stopAnimation();
        viewRef.current = fitView(propsRef.current.imageSize, { width, height });
      }
      invalidate();
    };
    resize();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(resize);
    ro.observe(host);
    return () => ro.disconnect();
  }, [invalidate, stopAnimation]);

  // A new image size (the image arrived) refits while the view follows the window.
  const { width: imageWidth, height: imageHeight } = props.imageSize;
  useEffect(() => {
    const vp = sizeRef.current;
    if (!autoFitRef.current || vp.width <= 0 || vp.height <= 0) return;
    viewRef.current = fitView({ width: imageWidth, height: imageHeight }, vp);
    invalidate();
  }, [imageWidth, imageHeight, invalidate]);

  useEffect(
    () => () => {
      cancelAnimationFrame(frameRef.current);
      window.clearTimeout(reportTimer.current);
      if (animRef.current) cancelAnimationFrame(animRef.current.raf);
    },
    [],
  );

  // Wheel zoom about the pointer (non-passive, to keep the page from scrolling).
  useEffect(() => {
    const el = overRef.current;
    if (!el) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      const unit = e.deltaMode === 1 ? 0.05 : e.deltaMode === 2 ? 1 : 0.0015;
      const factor = Math.exp(-e.deltaY * unit);
      setView(zoomAt(viewRef.current, factor, e.clientX - r.left, e.clientY - r.top));
    };
    el.addEventListener('wheel', onWheel, { passive: false });
    return () => el.removeEventListener('wheel', onWheel);
  }, [setView]);

  // Space held: temporary pan.
  useEffect(() => {
    const down = (e: KeyboardEvent) => {
      if (e.code === 'Space' && e.target === hostRef.current) {
        spaceRef.current = true;
        e.preventDefault();
      }
    };
    const up = (e: KeyboardEvent) => {
      if (e.code === 'Space') spaceRef.current = false;
    };
    window.addEventListener('keydown', down);
    window.addEventListener('keyup', up);
    return () => {
      window.removeEventListener('keydown', down);
      window.removeEventListener('keyup', up);
    };
  }, []);

  const gesture = useRef<{ mode: 'pan' | 'tool'; lastX: number; lastY: number; id: number } | null>(null);
  const lastDown = useRef({ t: 0, x: 0, y: 0, clicks: 0 });

  function toImage(e: React.PointerEvent): ImagePointer & { sx: number; sy: number } {
    const r = e.currentTarget.getBoundingClientRect();
    const sx = e.clientX - r.left;
    const sy = e.clientY - r.top;
    const p = screenToImage(viewRef.current, sx, sy);
    return { ...p, sx, sy, shift: e.shiftKey, alt: e.altKey, clicks: 1, scale: viewRef.current.scale };
  }

  function onPointerDown(e: React.PointerEvent<HTMLCanvasElement>) {
    hostRef.current?.focus({ preventScroll: true });
    // Working on the image pins the view: a panel resizing later must not move it under the hand.
    autoFitRef.current = false;
    const p = toImage(e);
    const pan = e.button === 1 || e.button === 2 || spaceRef.current || (e.button === 0 && !!props.panWithPrimary);
    if (!pan && e.button !== 0) return;
    e.preventDefault();
    e.currentTarget.setPointerCapture?.(e.pointerId);
    gesture.current = { mode: pan ? 'pan' : 'tool', lastX: p.sx, lastY: p.sy, id: e.pointerId };
    if (!pan) {
      const ld = lastDown.current;
      const now = performance.now();
      const clicks = now - ld.t < 350 && Math.hypot(ld.x - p.sx, ld.y - p.sy) < 5 ? ld.clicks + 1 : 1;
      lastDown.current = { t: now, x: p.sx, y: p.sy, clicks };
      propsRef.current.onPointer?.('down', { ...p, clicks });
    }
  }

  function onPointerMove(e: React.PointerEvent<HTMLCanvasElement>) {
    const p = toImage(e);
    const g = gesture.current;
    if (g && g.id === e.pointerId && g.mode === 'pan') {
      setView(panBy(viewRef.current, p.sx - g.lastX, p.sy - g.lastY));
      g.lastX = p.sx;
      g.lastY = p.sy;
      return;
    }
    propsRef.current.onPointer?.('move', p);
  }

  function onPointerUp(e: React.PointerEvent<HTMLCanvasElement>) {
    const g = gesture.current;
    if (!g || g.id !== e.pointerId) return;
    gesture.current = null;
    if (g.mode === 'tool') propsRef.current.onPointer?.('up', toImage(e));
  }

  const b = props.brightness ?? 1;
  const c = props.contrast ?? 1;
  const cursor: CSSProperties['cursor'] = props.panWithPrimary ? 'grab' : 'crosshair';
  return (
    <div
      ref={hostRef}
      className="image-canvas"
      tabIndex={0}
      role="application"
      aria-label={props.label}
      aria-roledescription="image viewer"
      data-brightness={b}
      data-contrast={c}
    >
      <canvas ref={baseRef} className="image-canvas__layer" aria-hidden="true" />
      <canvas
        ref={overRef}
        className="image-canvas__layer image-canvas__overlay"
        style={{ cursor }}
        data-testid="viewer-canvas"
        onPointerDown={onPointerDown}
        onPointerMove={onPointerMove}
        onPointerUp={onPointerUp}
        onPointerCancel={onPointerUp}
        onPointerLeave={() => propsRef.current.onPointer?.('leave', { x: NaN, y: NaN, shift: false, alt: false, clicks: 0, scale: viewRef.current.scale })}
        onContextMenu={(e) => e.preventDefault()}
      />
      <div className="scale-bar" data-testid="scale-bar">
        <div ref={barRef} className="scale-bar__bar" />
        <span ref={barLabelRef} className="scale-bar__label" />
      </div>
    </div>
  );
});
