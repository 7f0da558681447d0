// The viewport transform: a screen point s and an image point p relate by
// s = p * scale + t. Pure functions, shared by the canvas and its tests.

export interface ViewState {
  scale: number;
  tx: number;
  ty: number;
}

export interface Size {
  width: number;
  height: number;
}

export interface ImageRect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export const MIN_SCALE = 1 / 64;
export const MAX_SCALE = 64;

export function clampScale(s: number): number {
  return Math.min(MAX_SCALE, Math.max(MIN_SCALE, s));
}

/** fitView shows the whole image centred in the viewport, with a margin. */
export function fitView(image: Size, viewport: Size, margin = 16): ViewState {
  if (image.width <= 0 || image.height <= 0 || viewport.width <= 0 || viewport.height <= 0) {
    return { scale: 1, tx: 0, ty: 0 };
  }
  const scale = clampScale(
    Math.min((viewport.width - 2 * margin) / image.width, (viewport.height - 2 * margin) / image.height),
  );
  return {
    scale,
    tx: (viewport.width - image.width * scale) / 2,
    ty: (viewport.height - image.height * scale) / 2,
  };
}

/** zoomAt scales by factor keeping the image point under screen point (sx, sy) fixed. */
export function zoomAt(v: ViewState, factor: number, sx: number, sy: number): ViewState {
  const scale = clampScale(v.scale * factor);
  const k = scale / v.scale;
  return { scale, tx: sx - (sx - v.tx) * k, ty: sy - (sy - v.ty) * k };
}

export function panBy(v: ViewState, dx: number, dy: number): ViewState {
  return { scale: v.scale, tx: v.tx + dx, ty: v.ty + dy };
}

/** centerOn puts image point (x, y) at the viewport centre, optionally at a new scale. */
export function centerOn(v: ViewState, viewport: Size, x: number, y: number, scale = v.scale): ViewState {
  const s = clampScale(scale);
  return { scale: s, tx: viewport.width / 2 - x * s, ty: viewport.height / 2 - y * s };
}

export function screenToImage(v: ViewState, sx: number, sy: number): { x: number; y: number } {
  return { x: (sx - v.tx) / v.scale, y: (sy - v.ty) / v.scale };
}

export function imageToScreen(v: ViewState, x: number, y: number): { x: number; y: number } {
  return { x: x * v.scale + v.tx, y: y * v.scale + v.ty };
}

/** visibleRect is the part of image space the viewport shows (unclipped), grown by pad image px. */
export function visibleRect(v: ViewState, viewport: Size, pad = 0): ImageRect {
  const a = screenToImage(v, 0, 0);
  const b = screenToImage(v, viewport.width, viewport.height);
  return { x0: a.x - pad, y0: a.y - pad, x1: b.x + pad, y1: b.y + pad };
}

export interface ScaleBar {
  /** Length of the bar in micrometres (1, 2 or 5 times a power of ten). */
  um: number;
  /** Its length on screen in CSS pixels. */
  px: number;
  label: string;
}

/** scaleBar picks a round length whose bar is between minPx and 2.5×minPx on screen. */
export function scaleBar(umPerPx: number, scale: number, minPx = 60, unit: 'µm' | 'px' = 'µm'): ScaleBar {
  const umPerScreenPx = umPerPx / scale;
  const target = minPx * umPerScreenPx;
  const pow = 10 ** Math.floor(Math.log10(target));
  let um = pow;
  for (const m of [1, 2, 5, 10]) {
    um = m * pow;
    if (um >= target) break;
  }
  // Without a pixel size (unit px, umPerPx 1) the bar measures pixels, never guessed µm.
  const label =
    unit === 'px' ? `${Number(um.toPrecision(3))} px` : um >= 1000 ? `${um / 1000} mm` : um >= 1 ? `${um} µm` : `${Number(um.toPrecision(3))} µm`;
  return { um, px: um / umPerScreenPx, label };
}

/**
 * interpolateView is the view a fraction t (0..1) of the way from a to b: the
 * image point at the viewport centre moves linearly and the scale
 * geometrically, so a zoom feels even at every step.
 */
export function interpolateView(a: ViewState, b: ViewState, t: number, viewport: Size): ViewState {
  if (t >= 1) return b;
  if (t <= 0) return a;
  const ca = screenToImage(a, viewport.width / 2, viewport.height / 2);
  const cb = screenToImage(b, viewport.width / 2, viewport.height / 2);
  const scale = Math.exp(Math.log(a.scale) + (Math.log(b.scale) - Math.log(a.scale)) * t);
  const cx = ca.x + (cb.x - ca.x) * t;
  const cy = ca.y + (cb.y - ca.y) * t;
  return { scale, tx: viewport.width / 2 - cx * scale, ty: viewport.height / 2 - cy * scale };
}
