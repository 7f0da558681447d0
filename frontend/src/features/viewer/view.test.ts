import { describe, expect, it } from 'vitest';
import { interpolateView, centerOn, fitView, imageToScreen, MAX_SCALE, panBy, scaleBar, screenToImage, visibleRect, zoomAt } from './view';

describe('view transform', () => {
  it('fits the image centred with a margin', () => {
    const v = fitView({ width: 4096, height: 4096 }, { width: 1000, height: 800 }, 16);
    expect(v.scale).toBeCloseTo(768 / 4096);
    expect(imageToScreen(v, 2048, 2048)).toEqual({ x: 500, y: 400 });
  });

  it('zooms about the pointer, keeping the image point under it', () => {
    const v0 = { scale: 0.5, tx: 10, ty: 20 };
    const before = screenToImage(v0, 300, 200);
    const v1 = zoomAt(v0, 3, 300, 200);
    expect(v1.scale).toBe(1.5);
    const after = screenToImage(v1, 300, 200);
    expect(after.x).toBeCloseTo(before.x);
    expect(after.y).toBeCloseTo(before.y);
    expect(zoomAt(v1, 1e9, 0, 0).scale).toBe(MAX_SCALE);
  });

  it('pans and centres', () => {
    const v = panBy({ scale: 2, tx: 0, ty: 0 }, 5, -5);
    expect(v).toEqual({ scale: 2, tx: 5, ty: -5 });
    const c = centerOn(v, { width: 100, height: 100 }, 10, 10, 4);
    expect(imageToScreen(c, 10, 10)).toEqual({ x: 50, y: 50 });
  });

  it('knows the visible part of the image', () => {
    const r = visibleRect({ scale: 2, tx: -100, ty: -50 }, { width: 200, height: 100 }, 1);
    expect(r).toEqual({ x0: 49, y0: 24, x1: 151, y1: 76 });
  });

  it('picks round scale-bar lengths', () => {
    // 0.5 µm/px at scale 1: 60 px = 30 µm -> 50 µm bar of 100 px.
    expect(scaleBar(0.5, 1)).toEqual({ um: 50, px: 100, label: '50 µm' });
    expect(scaleBar(0.5, 0.1).label).toBe('500 µm');
    expect(scaleBar(1, 0.01).label).toBe('10 mm');
    expect(scaleBar(0.5, 64).label).toBe('0.5 µm');
    // With no pixel size the bar counts pixels: never a guessed µm or mm.
    expect(scaleBar(1, 1, 60, 'px')).toEqual({ um: 100, px: 100, label: '100 px' });
    expect(scaleBar(1, 0.01, 60, 'px').label).toBe('10000 px');
    for (const s of [0.013, 0.2, 1, 7.7, 40]) {
      const b = scaleBar(0.73, s);
      expect(b.px).toBeGreaterThanOrEqual(60);
      expect(b.px).toBeLessThan(60 * 2.5 + 1e-9);
    }
  });
});

describe('view animation', () => {
  it('interpolates from one view to another, centre linearly and scale geometrically', () => {
    const vp = { width: 200, height: 100 };
    const a = centerOn({ scale: 1, tx: 0, ty: 0 }, vp, 100, 100, 1);
    const b = centerOn(a, vp, 300, 100, 4);
    expect(interpolateView(a, b, 0, vp)).toEqual(a);
    expect(interpolateView(a, b, 1, vp)).toEqual(b);
    const mid = interpolateView(a, b, 0.5, vp);
    expect(mid.scale).toBeCloseTo(2);
    const c = screenToImage(mid, 100, 50);
    expect(c.x).toBeCloseTo(200);
    expect(c.y).toBeCloseTo(100);
  });
});
