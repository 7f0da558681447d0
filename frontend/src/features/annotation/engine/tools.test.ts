import { describe, expect, it } from 'vitest';
import { AnnotationDocument } from './document';
import { Editor } from './editor';
import { serialize } from './serialize';
import type { PointerInput } from './tools/tool';

function setup(points: [string, number, number, 'model' | 'human'][] = []) {
  const doc = new AnnotationDocument({ width: 200, height: 100, umPerPx: 0.5 });
  for (const [id, x, y, source] of points) doc.putPoint({ id, x, y, source });
  const ed = new Editor(doc);
  ed.hitRadius = 5;
  ed.brushRadius = 4;
  return { doc, ed };
}

const at = (x: number, y: number, more: Partial<PointerInput> = {}): PointerInput => ({
  x,
  y,
  shift: false,
  alt: false,
  clicks: 1,
  ...more,
});

function click(ed: Editor, x: number, y: number, more: Partial<PointerInput> = {}) {
  ed.pointerDown(at(x, y, more));
  ed.pointerUp(at(x, y, more));
}

function drag(ed: Editor, from: [number, number], to: [number, number], more: Partial<PointerInput> = {}) {
  ed.pointerDown(at(from[0], from[1], more));
  ed.pointerMove(at((from[0] + to[0]) / 2, (from[1] + to[1]) / 2, more));
  ed.pointerMove(at(to[0], to[1], more));
  ed.pointerUp(at(to[0], to[1], more));
}

const key = (ed: Editor, k: string, mods: { ctrl?: boolean; shift?: boolean; alt?: boolean } = {}) =>
  ed.handleKey({ key: k, ctrl: false, shift: false, alt: false, ...mods });

describe('point tool', () => {
  it('adds a human mark on empty image and selects it', () => {
    const { doc, ed } = setup();
    ed.setTool('point');
    click(ed, 10, 20);
    expect(doc.points.size).toBe(1);
    const p = [...doc.points.values()][0]!;
    expect(p).toMatchObject({ x: 10, y: 20, source: 'human' });
    expect([...ed.selection]).toEqual([p.id]);
    expect(doc.index.nearest(10, 20, 1)?.id).toBe(p.id);
    expect(ed.history.undoLabel).toBe('Add mark');
  });

  it('does not add outside the image', () => {
    const { doc, ed } = setup();
    ed.setTool('point');
    click(ed, -5, 20);
    click(ed, 10, 120);
    expect(doc.points.size).toBe(0);
    expect(ed.history.canUndo).toBe(false);
  });

  it('moves a mark by dragging, as one undoable step that makes it human', () => {
    const { doc, ed } = setup([['m1', 50, 50, 'model']]);
    ed.setTool('point');
    drag(ed, [52, 51], [82, 61]);
    expect(doc.points.get('m1')).toMatchObject({ x: 80, y: 60, source: 'human' });
    expect(doc.index.nearest(80, 60, 1)?.id).toBe('m1');
    expect(doc.index.nearest(50, 50, 3)).toBeNull();
    expect(ed.history.depth.undo).toBe(1);
    ed.undo();
    expect(doc.points.get('m1')).toMatchObject({ x: 50, y: 50, source: 'model' });
    expect(doc.index.nearest(50, 50, 1)?.id).toBe('m1');
    ed.redo();
    expect(doc.points.get('m1')).toMatchObject({ x: 80, y: 60, source: 'human' });
  });

  it('selects without a history entry when a mark is clicked but not moved', () => {
    const { ed } = setup([['m1', 50, 50, 'model']]);
    ed.setTool('point');
    click(ed, 51, 50);
    expect(ed.history.canUndo).toBe(false);
    expect([...ed.selection]).toEqual(['m1']);
  });

  it('clamps a dragged mark to the image', () => {
    const { doc, ed } = setup([['m1', 50, 50, 'model']]);
    ed.setTool('point');
    drag(ed, [50, 50], [500, -40]);
    expect(doc.points.get('m1')).toMatchObject({ x: 200, y: 0 });
  });

  it('Escape during a drag puts the mark back', () => {
    const { doc, ed } = setup([['m1', 50, 50, 'model']]);
    ed.setTool('point');
    ed.pointerDown(at(50, 50));
    ed.pointerMove(at(70, 70));
    expect(doc.points.get('m1')).toMatchObject({ x: 70, y: 70 });
    key(ed, 'Escape');
    expect(doc.points.get('m1')).toMatchObject({ x: 50, y: 50, source: 'model' });
    ed.pointerUp(at(70, 70));
    expect(ed.history.canUndo).toBe(false);
  });

  it('Alt+click deletes the mark under the pointer', () => {
    const { doc, ed } = setup([
      ['m1', 50, 50, 'model'],
      ['m2', 90, 50, 'model'],
    ]);
    ed.setTool('point');
    click(ed, 52, 49, { alt: true });
    expect([...doc.points.keys()]).toEqual(['m2']);
    click(ed, 10, 10, { alt: true }); // nothing there: no-op
    expect(ed.history.depth.undo).toBe(1);
    ed.undo();
    expect(doc.points.get('m1')).toMatchObject({ x: 50, y: 50, source: 'model' });
  });

  it('deletes the selected mark with Delete', () => {
    const { doc, ed } = setup([['m1', 50, 50, 'model']]);
    ed.setTool('point');
    click(ed, 50, 50);
    expect(key(ed, 'Delete')).toBe(true);
    expect(doc.points.size).toBe(0);
    expect(key(ed, 'Delete')).toBe(false);
  });
});

describe('select tool', () => {
  const grid = () => {
    const pts: [string, number, number, 'model' | 'human'][] = [];
    for (let x = 5; x < 200; x += 10) for (let y = 5; y < 100; y += 10) pts.push([`g${x}_${y}`, x, y, 'model']);
    return setup(pts);
  };

  it('box-selects exactly the marks inside the rubber band', () => {
    const { doc, ed } = grid();
    ed.setTool('select');
    ed.pointerDown(at(12, 12));
    ed.pointerMove(at(48, 38));
    expect(ed.tool.overlay()).toEqual({ kind: 'box', rect: { x0: 12, y0: 12, x1: 48, y1: 38 } });
    ed.pointerUp(at(48, 38));
    const expected = [...doc.points.values()].filter((p) => p.x >= 12 && p.x <= 48 && p.y >= 12 && p.y <= 38);
    expect([...ed.selection].sort()).toEqual(expected.map((p) => p.id).sort());
    expect(ed.selection.size).toBe(4 * 3);
    expect(ed.tool.overlay()).toBeNull();
  });

  it('adds to the selection with Shift and replaces it without', () => {
    const { ed } = grid();
    ed.setTool('select');
    drag(ed, [0, 0], [20, 20]);
    expect(ed.selection.size).toBe(4);
    drag(ed, [100, 0], [120, 20], { shift: true });
    expect(ed.selection.size).toBe(8);
    drag(ed, [100, 0], [110, 10]);
    expect(ed.selection.size).toBe(1);
  });

  it('click selects one and shift-click toggles', () => {
    const { ed } = grid();
    ed.setTool('select');
    click(ed, 16, 14);
    expect([...ed.selection]).toEqual(['g15_15']);
    click(ed, 26, 14, { shift: true });
    expect(ed.selection.size).toBe(2);
    click(ed, 15, 15, { shift: true });
    expect([...ed.selection]).toEqual(['g25_15']);
    click(ed, 1, 1); // empty: clears
    expect(ed.selection.size).toBe(0);
  });

  it('bulk-deletes the selection as one undo step, and undo restores every mark', () => {
    const { doc, ed } = grid();
    const before = serialize(doc);
    ed.setTool('select');
    drag(ed, [0, 0], [100, 100]);
    expect(ed.selection.size).toBe(100);
    expect(key(ed, 'Backspace')).toBe(true);
    expect(doc.points.size).toBe(100);
    expect(ed.selection.size).toBe(0);
    expect(ed.history.undoLabel).toBe('Delete 100 marks');
    key(ed, 'z', { ctrl: true });
    expect(serialize(doc)).toBe(before);
    expect(doc.index.size).toBe(200);
  });

  it('selects and deletes shapes wholly inside the band', () => {
    const { doc, ed } = setup();
    doc.putPolyline({ id: 'l1', points: [{ x: 10, y: 10 }, { x: 30, y: 30 }] });
    doc.putPolygon({ id: 'r1', points: [{ x: 10, y: 10 }, { x: 150, y: 10 }, { x: 150, y: 90 }] });
    ed.setTool('select');
    drag(ed, [0, 0], [50, 50]);
    expect([...ed.selection]).toEqual(['l1']);
    key(ed, 'Delete');
    expect(doc.polylines.size).toBe(0);
    expect(doc.polygons.size).toBe(1);
    ed.undo();
    expect(doc.polylines.get('l1')?.points).toEqual([{ x: 10, y: 10 }, { x: 30, y: 30 }]);
  });

  it('Escape clears the selection and Ctrl+A selects everything', () => {
    const { ed } = grid();
    key(ed, 'a', { ctrl: true });
    expect(ed.selection.size).toBe(200);
    key(ed, 'Escape');
    expect(ed.selection.size).toBe(0);
  });
});

describe('polyline tool', () => {
  it('adds vertices on clicks and finishes with Enter', () => {
    const { doc, ed } = setup();
    ed.setTool('polyline');
    click(ed, 10, 10);
    click(ed, 20, 15);
    ed.pointerMove(at(40, 40));
    expect(ed.tool.overlay()).toEqual({
      kind: 'path',
      points: [{ x: 10, y: 10 }, { x: 20, y: 15 }],
      cursor: { x: 40, y: 40 },
      closed: false,
    });
    click(ed, 30, 30);
    expect(key(ed, 'Enter')).toBe(true);
    expect(doc.polylines.size).toBe(1);
    expect([...doc.polylines.values()][0]!.points).toEqual([
      { x: 10, y: 10 },
      { x: 20, y: 15 },
      { x: 30, y: 30 },
    ]);
    expect(ed.tool.busy).toBe(false);
    ed.undo();
    expect(doc.polylines.size).toBe(0);
  });

  it('Backspace removes the last vertex without deleting the selection', () => {
    const { doc, ed } = setup([['m1', 5, 5, 'model']]);
    ed.selection.add('m1');
    ed.setTool('polyline');
    click(ed, 10, 10);
    click(ed, 20, 20);
    click(ed, 30, 30);
    key(ed, 'Backspace');
    key(ed, 'Enter');
    expect([...doc.polylines.values()][0]!.points).toHaveLength(2);
    expect(doc.points.has('m1')).toBe(true);
  });

  it('finishes on a double-click and drops a one-vertex line', () => {
    const { doc, ed } = setup();
    ed.setTool('polyline');
    click(ed, 10, 10);
    click(ed, 50, 10);
    click(ed, 50, 10, { clicks: 2 });
    expect(doc.polylines.size).toBe(1);
    click(ed, 10, 10);
    key(ed, 'Enter');
    expect(doc.polylines.size).toBe(1);
  });

  it('Escape abandons the path', () => {
    const { doc, ed } = setup();
    ed.setTool('polyline');
    click(ed, 10, 10);
    click(ed, 50, 10);
    key(ed, 'Escape');
    expect(ed.tool.overlay()).toBeNull();
    key(ed, 'Enter');
    expect(doc.polylines.size).toBe(0);
  });

  it('switching tools abandons the path', () => {
    const { doc, ed } = setup();
    ed.setTool('polyline');
    click(ed, 10, 10);
    click(ed, 50, 10);
    key(ed, 'p');
    expect(ed.tool.id).toBe('point');
    expect(doc.polylines.size).toBe(0);
  });
});

describe('polygon tool', () => {
  it('closes the region on a click near the first vertex', () => {
    const { doc, ed } = setup();
    ed.setTool('polygon');
    click(ed, 10, 10);
    click(ed, 60, 10);
    click(ed, 60, 60);
    click(ed, 12, 11); // near the first vertex
    expect(doc.polygons.size).toBe(1);
    expect([...doc.polygons.values()][0]!.points).toEqual([
      { x: 10, y: 10 },
      { x: 60, y: 10 },
      { x: 60, y: 60 },
    ]);
    expect(ed.history.undoLabel).toBe('Add region');
  });

  it('needs three vertices', () => {
    const { doc, ed } = setup();
    ed.setTool('polygon');
    click(ed, 10, 10);
    click(ed, 60, 10);
    click(ed, 11, 10); // near the first, but only two vertices: a new vertex
    key(ed, 'Enter');
    expect(doc.polygons.size).toBe(1);
    ed.undo();
    click(ed, 10, 10);
    click(ed, 60, 10);
    key(ed, 'Enter');
    expect(doc.polygons.size).toBe(0);
  });

  it('clamps vertices to the image', () => {
    const { doc, ed } = setup();
    ed.setTool('polygon');
    click(ed, -10, -10);
    click(ed, 300, 10);
    click(ed, 100, 300);
    key(ed, 'Enter');
    expect([...doc.polygons.values()][0]!.points).toEqual([
      { x: 0, y: 0 },
      { x: 200, y: 10 },
      { x: 100, y: 100 },
    ]);
  });
});

describe('brush and eraser', () => {
  it('a brush stroke paints the mask and is one undo step', () => {
    const { doc, ed } = setup();
    ed.setTool('brush');
    drag(ed, [20, 50], [120, 50]);
    const area = doc.mask.area;
    expect(area).toBeGreaterThan(100 * 6);
    expect(doc.mask.get(70, 50)).toBe(true);
    expect(ed.history.undoLabel).toBe('Brush');
    ed.undo();
    expect(doc.mask.area).toBe(0);
    ed.redo();
    expect(doc.mask.area).toBe(area);
  });

  it('the eraser clears, and undo brings the pixels back exactly', () => {
    const { doc, ed } = setup();
    ed.setTool('brush');
    drag(ed, [20, 50], [120, 50]);
    const painted = serialize(doc);
    ed.setTool('eraser');
    drag(ed, [70, 20], [70, 80]);
    expect(doc.mask.get(70, 50)).toBe(false);
    expect(doc.mask.get(30, 50)).toBe(true);
    expect(ed.history.undoLabel).toBe('Erase');
    ed.undo();
    expect(serialize(doc)).toBe(painted);
  });

  it('a stroke that changes nothing leaves no history', () => {
    const { ed } = setup();
    ed.setTool('eraser');
    drag(ed, [20, 50], [120, 50]);
    expect(ed.history.canUndo).toBe(false);
  });

  it('Escape mid-stroke removes the stroke', () => {
    const { doc, ed } = setup();
    ed.setTool('brush');
    ed.pointerDown(at(50, 50));
    ed.pointerMove(at(90, 50));
    expect(doc.mask.area).toBeGreaterThan(0);
    key(ed, 'Escape');
    expect(doc.mask.area).toBe(0);
    ed.pointerUp(at(90, 50));
    expect(ed.history.canUndo).toBe(false);
  });

  it('[ and ] change the brush size', () => {
    const { ed } = setup();
    key(ed, ']');
    expect(ed.brushRadius).toBe(5);
    key(ed, '[');
    key(ed, '[');
    expect(ed.brushRadius).toBe(3);
    for (let i = 0; i < 10; i++) key(ed, '[');
    expect(ed.brushRadius).toBe(1);
  });

  it('shows the brush outline under the pointer', () => {
    const { ed } = setup();
    ed.setTool('eraser');
    ed.pointerMove(at(30, 40));
    expect(ed.tool.overlay()).toEqual({ kind: 'brush', x: 30, y: 40, r: 4, erase: true });
  });
});

describe('editor keys', () => {
  it('selects tools with their letters, and not with modifiers', () => {
    const { ed } = setup();
    const seen: string[] = [];
    for (const k of ['p', 'v', 'l', 'r', 'b', 'e', 'h']) {
      expect(key(ed, k)).toBe(true);
      seen.push(ed.tool.id);
    }
    expect(seen).toEqual(['point', 'select', 'polyline', 'polygon', 'brush', 'eraser', 'pan']);
    expect(key(ed, 'P', { shift: true })).toBe(false);
    expect(key(ed, 'p', { alt: true })).toBe(false);
    expect(key(ed, 'q')).toBe(false);
  });

  it('Ctrl+Z undoes, Ctrl+Shift+Z and Ctrl+Y redo', () => {
    const { doc, ed } = setup();
    ed.setTool('point');
    click(ed, 10, 10);
    click(ed, 30, 10);
    key(ed, 'z', { ctrl: true });
    expect(doc.points.size).toBe(1);
    key(ed, 'Z', { ctrl: true, shift: true });
    expect(doc.points.size).toBe(2);
    key(ed, 'z', { ctrl: true });
    key(ed, 'z', { ctrl: true });
    expect(doc.points.size).toBe(0);
    key(ed, 'y', { ctrl: true });
    expect(doc.points.size).toBe(1);
  });

  it('drops undone marks from the selection', () => {
    const { ed } = setup();
    ed.setTool('point');
    click(ed, 10, 10);
    expect(ed.selection.size).toBe(1);
    ed.undo();
    expect(ed.selection.size).toBe(0);
  });

  it('the pan tool edits nothing', () => {
    const { doc, ed } = setup();
    drag(ed, [10, 10], [50, 50]);
    expect(doc.points.size).toBe(0);
    expect(ed.tool.overlay()).toBeNull();
  });
});

describe('read-only editor', () => {
  it('lets the user pan and select but takes no edit', () => {
    const { doc, ed } = setup([
      ['a', 10, 10, 'model'],
      ['b', 50, 50, 'model'],
    ]);
    key(ed, 'p');
    click(ed, 100, 80);
    expect(doc.points.size).toBe(3);
    ed.readOnly = true;
    expect(ed.tool.id).toBe('pan'); // the point tool is put down
    const before = serialize(doc);
    const revision = doc.revision;
    for (const k of ['p', 'l', 'r', 'b', 'e']) key(ed, k);
    expect(ed.tool.id).toBe('pan');
    expect(ed.canUse('point')).toBe(false);
    key(ed, 'v');
    expect(ed.tool.id).toBe('select');
    drag(ed, [0, 0], [60, 60]);
    expect([...ed.selection].sort()).toEqual(['a', 'b']);
    expect(key(ed, 'Delete')).toBe(false);
    expect(ed.undo()).toBe(false);
    expect(key(ed, 'z', { ctrl: true })).toBe(true); // the shortcut is still the editor's, and does nothing
    expect(serialize(doc)).toBe(before);
    expect(doc.revision).toBe(revision);
    ed.readOnly = false;
    expect(ed.undo()).toBe(true);
    expect(doc.points.size).toBe(2);
  });
});
