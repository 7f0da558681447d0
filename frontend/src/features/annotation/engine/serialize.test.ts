import { describe, expect, it } from 'vitest';
import { AnnotationDocument } from './document';
import { mulberry32 } from '../../../lib/prng';
import { deserialize, FORMAT_VERSION, FormatError, fromJSON, serialize, toJSON } from './serialize';

function sample(seed: number): AnnotationDocument {
  const rng = mulberry32(seed);
  const doc = new AnnotationDocument({ width: 500, height: 300, umPerPx: 0.73 });
  for (let i = 0; i < 1000; i++) {
    doc.putPoint({ id: doc.newId('p'), x: rng() * 500, y: rng() * 300, source: rng() < 0.3 ? 'human' : 'model' });
  }
  doc.putPolyline({ id: 'l1', points: [{ x: 0.1, y: 0.2 }, { x: 1e-9, y: 299.99999 }] });
  doc.putPolygon({ id: 'r1', points: [{ x: 1, y: 1 }, { x: 100, y: 1 }, { x: 50, y: 80.5 }] });
  for (let k = 0; k < 10; k++) doc.mask.paintDisc(rng() * 500, rng() * 300, rng() * 30, rng() < 0.8);
  return doc;
}

describe('serialisation', () => {
  it('round-trips exactly', () => {
    for (const seed of [1, 2, 3]) {
      const doc = sample(seed);
      const text = serialize(doc);
      const back = deserialize(text);
      expect(serialize(back)).toBe(text);
      expect(toJSON(back)).toEqual(toJSON(doc));
      expect(back.mask.equals(doc.mask)).toBe(true);
      expect(back.index.size).toBe(doc.points.size);
      expect(back.umPerPx).toBe(0.73);
      // Every point keeps its coordinates bit for bit.
      for (const p of doc.points.values()) expect(back.points.get(p.id)).toEqual(p);
    }
  });

  it('is canonical: insertion order does not matter', () => {
    const a = new AnnotationDocument({ width: 10, height: 10 });
    const b = new AnnotationDocument({ width: 10, height: 10 });
    a.putPoint({ id: 'x', x: 1, y: 1, source: 'model' });
    a.putPoint({ id: 'y', x: 2, y: 2, source: 'human' });
    b.putPoint({ id: 'y', x: 2, y: 2, source: 'human' });
    b.putPoint({ id: 'x', x: 1, y: 1, source: 'model' });
    expect(serialize(a)).toBe(serialize(b));
  });

  it('carries a format name and version number', () => {
    const json = toJSON(new AnnotationDocument({ width: 2, height: 2 }));
    expect(json.format).toBe('aomas-annotation');
    expect(json.version).toBe(FORMAT_VERSION);
    expect(json.mask).toEqual([4]);
  });

  it('refuses other versions and malformed documents', () => {
    const good = toJSON(sample(5));
    expect(() => fromJSON({ ...good, version: FORMAT_VERSION + 1 })).toThrow(/version/);
    expect(() => fromJSON({ ...good, format: 'other' })).toThrow(FormatError);
    expect(() => fromJSON(null)).toThrow(FormatError);
    expect(() => fromJSON({ ...good, points: [['a', 1, 2, 'robot']] })).toThrow(/source/);
    expect(() => fromJSON({ ...good, points: [['a', 1, 2, 'model'], ['a', 3, 4, 'human']] })).toThrow(/duplicate/);
    expect(() => fromJSON({ ...good, points: [['a', 'x', 2, 'model']] })).toThrow(/number/);
    expect(() => fromJSON({ ...good, mask: [1] })).toThrow(/mask/);
    expect(() => fromJSON({ ...good, polylines: [{ id: 'q', points: [[1]] }] })).toThrow(/\[x, y\]/);
  });

  it('new ids never collide with loaded ones', () => {
    const doc = deserialize(serialize(sample(6)));
    const id = doc.newId('p');
    expect(doc.points.has(id)).toBe(false);
  });
});
