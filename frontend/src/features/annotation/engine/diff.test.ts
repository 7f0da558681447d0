import { describe, expect, it } from 'vitest';
import { diffMarks, medianNearest } from './diff';

/** A square lattice of marks spaced 10 px. */
function lattice(n: number, step = 10) {
  const out: { x: number; y: number }[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out.push({ x: 5 + i * step, y: 5 + j * step });
  return out;
}

describe('diffMarks', () => {
  it('keeps an unchanged copy of the model marks as it is', () => {
    const model = lattice(10);
    const d = diffMarks(model, model.map((p) => ({ ...p })));
    expect(d.kept).toHaveLength(100);
    expect(d.moved).toHaveLength(0);
    expect(d.added).toHaveLength(0);
    expect(d.removed).toHaveLength(0);
  });

  it('measures the move radius from the mosaic: half the model marks’ spacing', () => {
    expect(medianNearest(lattice(8))).toBeCloseTo(10);
    expect(diffMarks(lattice(8), []).moveRadius).toBeCloseTo(5);
    expect(diffMarks(lattice(8, 6), []).moveRadius).toBeCloseTo(3);
  });

  it('tells added, removed and moved marks apart; a deleted model mark is reported, not lost', () => {
    const model = lattice(5); // 25 marks, spacing 10, radius 5
    const labeler = model.map((p) => ({ ...p }));
    labeler.splice(labeler.findIndex((p) => p.x === 25 && p.y === 25), 1); // deleted
    const i = labeler.findIndex((p) => p.x === 5 && p.y === 5);
    labeler[i] = { x: 7, y: 8 }; // moved 3.6 px
    labeler.push({ x: 50, y: 50 }); // added, 7 px from the nearest model mark
    const d = diffMarks(model, labeler);
    expect(d.removed).toEqual([{ x: 25, y: 25 }]);
    expect(d.moved).toEqual([{ from: { x: 5, y: 5 }, to: { x: 7, y: 8 } }]);
    expect(d.added).toEqual([{ x: 50, y: 50 }]);
    expect(d.kept).toHaveLength(23);
  });

  it('a mark moved beyond the radius is one removed and one added', () => {
    const model = lattice(3);
    const labeler = model.map((p) => (p.x === 15 && p.y === 15 ? { x: 15, y: 21 } : { ...p }));
    const d = diffMarks(model, labeler);
    expect(d.moved).toHaveLength(0);
    expect(d.removed).toEqual([{ x: 15, y: 15 }]);
    expect(d.added).toEqual([{ x: 15, y: 21 }]);
  });

  it('pairs each mark once: two labeler marks near one model mark give one move and one addition', () => {
    const model = [
      { x: 0, y: 0 },
      { x: 100, y: 100 },
    ];
    const d = diffMarks(model, [{ x: 1, y: 0 }, { x: 2, y: 0 }, { x: 100, y: 100 }], { moveRadius: 4 });
    expect(d.moved).toEqual([{ from: { x: 0, y: 0 }, to: { x: 1, y: 0 } }]);
    expect(d.added).toEqual([{ x: 2, y: 0 }]);
    expect(d.kept).toHaveLength(1);
    expect(d.removed).toHaveLength(0);
  });

  it('with no model marks everything is added; with no labeler marks everything removed', () => {
    expect(diffMarks([], lattice(2)).added).toHaveLength(4);
    expect(diffMarks(lattice(2), []).removed).toHaveLength(4);
  });

  it('handles a full mosaic quickly enough to run on open (50,000 marks)', () => {
    const model = lattice(224, 7);
    const labeler = model.map((p, i) => (i % 10 === 0 ? { x: p.x + 1, y: p.y } : p)).filter((_, i) => i % 97 !== 0);
    const d = diffMarks(model, labeler);
    expect(d.kept.length + d.moved.length + d.removed.length).toBe(model.length);
    expect(d.kept.length + d.moved.length + d.added.length).toBe(labeler.length);
    expect(d.removed.length).toBeGreaterThan(0);
  });
});
