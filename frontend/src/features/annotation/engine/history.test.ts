// Property-style checks of undo/redo over random edit sequences.
import { describe, expect, it } from 'vitest';
import { AddPoints, AddPolygon, AddPolyline, DeletePoints, DeleteShapes, MaskStroke, MovePoints, type Command } from './commands';
import { AnnotationDocument } from './document';
import { History } from './history';
import { mulberry32, randInt, type Rng } from '../../../lib/prng';
import { serialize } from './serialize';

const W = 300;
const H = 200;

function randomCommand(rng: Rng, doc: AnnotationDocument): Command {
  const ids = [...doc.points.keys()];
  const shapes = [...doc.polylines.keys(), ...doc.polygons.keys()];
  const pick = randInt(rng, 0, 7);
  const pts = (n: number) => Array.from({ length: n }, () => ({ x: rng() * W, y: rng() * H }));
  switch (pick) {
    case 0:
    case 1: {
      const n = randInt(rng, 1, 20);
      return new AddPoints(
        Array.from({ length: n }, () => ({ id: doc.newId('p'), x: rng() * W, y: rng() * H, source: rng() < 0.5 ? 'model' : 'human' })),
      );
    }
    case 2:
      return new DeletePoints(ids.filter(() => rng() < 0.2));
    case 3:
      return new MovePoints(ids.filter(() => rng() < 0.2).map((id) => ({ id, x: rng() * W, y: rng() * H })));
    case 4:
      return rng() < 0.5
        ? new AddPolyline({ id: doc.newId('l'), points: pts(randInt(rng, 2, 6)) })
        : new AddPolygon({ id: doc.newId('r'), points: pts(randInt(rng, 3, 6)) });
    case 5:
      return new DeleteShapes(shapes.filter(() => rng() < 0.5));
    default: {
      // A stroke is painted live and then recorded, like the brush tool does.
      const erase = rng() < 0.4;
      const changed: number[] = [];
      doc.mask.paintSegment(rng() * W, rng() * H, rng() * W, rng() * H, 1 + rng() * 10, !erase, changed);
      doc.mask.flip(changed); // undo the live paint: the test applies it through the command
      return new MaskStroke(erase, changed, false);
    }
  }
}

function indexConsistent(doc: AnnotationDocument): boolean {
  if (doc.index.size !== doc.points.size) return false;
  const all = doc.index.queryRect({ x0: -1, y0: -1, x1: W + 1, y1: H + 1 });
  return all.length === doc.points.size && all.every((p) => doc.points.get(p.id) === p);
}

describe('History', () => {
  it('undo after do is the identity, and redo after undo restores exactly', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const rng = mulberry32(seed);
      const doc = new AnnotationDocument({ width: W, height: H });
      const h = new History(doc);
      for (let step = 0; step < 40; step++) {
        const before = serialize(doc);
        const cmd = randomCommand(rng, doc);
        h.execute(cmd);
        const after = serialize(doc);
        expect(indexConsistent(doc)).toBe(true);
        h.undo();
        expect(serialize(doc)).toBe(before);
        expect(indexConsistent(doc)).toBe(true);
        h.redo();
        expect(serialize(doc)).toBe(after);
      }
    }
  });

  it('unwinds a long history to the start and replays it to the end', () => {
    const rng = mulberry32(99);
    const doc = new AnnotationDocument({ width: W, height: H });
    const h = new History(doc);
    const states = [serialize(doc)];
    for (let step = 0; step < 300; step++) {
      h.execute(randomCommand(rng, doc));
      states.push(serialize(doc));
    }
    for (let k = states.length - 2; k >= 0; k--) {
      expect(h.undo()).toBe(true);
      expect(serialize(doc)).toBe(states[k]);
    }
    expect(h.undo()).toBe(false);
    for (let k = 1; k < states.length; k++) {
      expect(h.redo()).toBe(true);
      expect(serialize(doc)).toBe(states[k]);
    }
    expect(h.redo()).toBe(false);
    expect(indexConsistent(doc)).toBe(true);
  });

  it('random walks of do/undo/redo agree with a model of states', () => {
    const rng = mulberry32(4242);
    const doc = new AnnotationDocument({ width: W, height: H });
    const h = new History(doc);
    // The model: a list of states and a cursor into it.
    let states = [serialize(doc)];
    let cursor = 0;
    for (let step = 0; step < 600; step++) {
      const r = rng();
      if (r < 0.5) {
        h.execute(randomCommand(rng, doc));
        states = states.slice(0, cursor + 1);
        states.push(serialize(doc));
        cursor++;
        expect(h.canRedo).toBe(false); // a new command clears the redo stack
      } else if (r < 0.75) {
        expect(h.undo()).toBe(cursor > 0);
        if (cursor > 0) cursor--;
      } else {
        expect(h.redo()).toBe(cursor < states.length - 1);
        if (cursor < states.length - 1) cursor++;
      }
      expect(serialize(doc)).toBe(states[cursor]);
      expect(h.depth).toEqual({ undo: cursor, redo: states.length - 1 - cursor });
    }
  });

  it('labels steps and bumps the document revision', () => {
    const doc = new AnnotationDocument({ width: W, height: H });
    const h = new History(doc);
    let calls = 0;
    doc.subscribe(() => calls++);
    expect(h.undoLabel).toBeNull();
    h.execute(new AddPoints([{ id: 'a', x: 1, y: 1, source: 'human' }]));
    expect(h.undoLabel).toBe('Add mark');
    h.undo();
    expect(h.redoLabel).toBe('Add mark');
    expect(calls).toBe(2);
    expect(doc.revision).toBe(2);
  });

  it('refuses to add a point whose id exists', () => {
    const doc = new AnnotationDocument({ width: W, height: H });
    doc.putPoint({ id: 'a', x: 1, y: 1, source: 'model' });
    expect(() => new History(doc).execute(new AddPoints([{ id: 'a', x: 2, y: 2, source: 'human' }]))).toThrow(/exists/);
  });
});
