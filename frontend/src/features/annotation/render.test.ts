// The renderer against a recording 2D context: it draws only what is in view,
// picks its level of detail by the number of marks in view, and draws model
// and human marks in different colours.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AnnotationDocument } from './engine/document';
import { Editor } from './engine/editor';
import { mulberry32 } from '../../lib/prng';
import { AnnotationLayer, MARK_COLORS, type RenderFrame } from './render';

type Call = { name: string; args: unknown[]; state: Record<string, unknown> };

function recordingContext(width = 800, height = 600) {
  const calls: Call[] = [];
  const state: Record<string, unknown> = { fillStyle: '', strokeStyle: '', lineWidth: 1, globalAlpha: 1 };
  const canvas = { width, height };
  const ctx = new Proxy(state, {
    get(target, prop: string) {
      if (prop === 'canvas') return canvas;
      if (prop in target) return target[prop];
      if (prop === 'createImageData') {
        return (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) });
      }
      return (...args: unknown[]) => {
        calls.push({ name: prop, args, state: { ...target } });
      };
    },
    set(target, prop: string, value) {
      target[prop] = value;
      return true;
    },
  }) as unknown as CanvasRenderingContext2D;
  return { ctx, calls };
}

function editorWith(n: number, size: number, seed = 1) {
  const doc = new AnnotationDocument({ width: size, height: size });
  const rng = mulberry32(seed);
  for (let i = 0; i < n; i++) doc.putPoint({ id: `p${i}`, x: rng() * size, y: rng() * size, source: i % 10 === 0 ? 'human' : 'model' });
  return new Editor(doc);
}

function frame(scale: number, tx: number, ty: number, w = 800, h = 600): RenderFrame {
  return {
    view: { scale, tx, ty },
    viewport: { width: w, height: h },
    dpr: 1,
    visible: { x0: -tx / scale, y0: -ty / scale, x1: (w - tx) / scale, y1: (h - ty) / scale },
  };
}

let fakeCanvasCtx: ReturnType<typeof recordingContext>;
beforeEach(() => {
  fakeCanvasCtx = recordingContext();
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(() => fakeCanvasCtx.ctx as never);
});
afterEach(() => vi.restoreAllMocks());

describe('AnnotationLayer', () => {
  it('draws only the marks in view, as circles when few, model and human distinct', () => {
    const ed = editorWith(5_000, 4096);
    const layer = new AnnotationLayer(ed);
    const { ctx, calls } = recordingContext();
    const f = frame(4, -4000, -4000); // image 1000..1200 × 1000..1150
    layer.draw(ctx, f);
    const brute = [...ed.doc.points.values()].filter(
      (p) => p.x >= f.visible.x0 && p.x <= f.visible.x1 && p.y >= f.visible.y0 && p.y <= f.visible.y1,
    );
    expect(layer.visibleMarks).toBe(brute.length);
    const arcs = calls.filter((c) => c.name === 'arc');
    expect(arcs).toHaveLength(brute.length);
    const strokes = calls.filter((c) => c.name === 'stroke').map((c) => c.state.strokeStyle);
    expect(strokes).toContain(MARK_COLORS.model);
    expect(strokes).toContain(MARK_COLORS.human);
    // One batched path per kind, not one per mark.
    expect(calls.filter((c) => c.name === 'beginPath').length).toBeLessThanOrEqual(3);
  });

  it('switches to batched squares, then to a pixel splat, as marks in view grow', () => {
    const ed = editorWith(20_000, 4096);
    const layer = new AnnotationLayer(ed);
    const mid = recordingContext();
    layer.draw(mid.ctx, frame(0.3, 0, 0)); // ~ a third of the image: a few thousand marks
    expect(layer.visibleMarks).toBeGreaterThan(3_000);
    expect(layer.visibleMarks).toBeLessThanOrEqual(12_000);
    expect(mid.calls.filter((c) => c.name === 'rect').length).toBe(layer.visibleMarks);
    expect(mid.calls.filter((c) => c.name === 'arc')).toHaveLength(0);

    const far = recordingContext();
    layer.draw(far.ctx, frame(0.1, 100, 50)); // the whole image
    expect(layer.visibleMarks).toBe(20_000);
    expect(far.calls.filter((c) => c.name === 'rect' || c.name === 'arc')).toHaveLength(0);
    expect(far.calls.filter((c) => c.name === 'drawImage')).toHaveLength(1);
    expect(fakeCanvasCtx.calls.filter((c) => c.name === 'putImageData')).toHaveLength(1);

    // A pan at the same scale reuses the splat: no new putImageData.
    layer.draw(far.ctx, frame(0.1, 120, 60));
    expect(fakeCanvasCtx.calls.filter((c) => c.name === 'putImageData')).toHaveLength(1);
    // An edit rebuilds it.
    ed.setTool('point');
    ed.pointerDown({ x: 1, y: 1, shift: false, alt: false, clicks: 1 });
    layer.draw(far.ctx, frame(0.1, 120, 60));
    expect(fakeCanvasCtx.calls.filter((c) => c.name === 'putImageData')).toHaveLength(2);
  });

  it('hides layers that are switched off', () => {
    const ed = editorWith(100, 512);
    ed.doc.putPolyline({ id: 'l1', points: [{ x: 1, y: 1 }, { x: 50, y: 50 }] });
    const layer = new AnnotationLayer(ed);
    layer.visibility = { cones: false, vessels: false, regions: true, mask: true };
    const { ctx, calls } = recordingContext();
    layer.draw(ctx, frame(1, 0, 0));
    expect(layer.visibleMarks).toBe(0);
    expect(calls.filter((c) => c.name === 'arc' || c.name === 'lineTo')).toHaveLength(0);
  });
});
