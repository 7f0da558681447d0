// The document's JSON form, versioned. It is canonical: elements are sorted
// by id, so equal documents serialise to equal strings.
import { AnnotationDocument } from './document';
import { MaskLayer } from './mask';
import type { MarkSource, Vec2 } from './types';

export const FORMAT_VERSION = 1;

export interface SerializedDocument {
  format: 'aomas-annotation';
  version: number;
  width: number;
  height: number;
  umPerPx: number;
  /** [id, x, y, source] per point, compact for 50,000 marks. */
  points: [string, number, number, MarkSource][];
  polylines: { id: string; points: [number, number][] }[];
  polygons: { id: string; points: [number, number][] }[];
  /** Alternating run lengths of the brush mask, starting with clear pixels. */
  mask: number[];
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const pairs = (pts: Vec2[]): [number, number][] => pts.map((v) => [v.x, v.y]);

export function toJSON(doc: AnnotationDocument): SerializedDocument {
  return {
    format: 'aomas-annotation',
    version: FORMAT_VERSION,
    width: doc.width,
    height: doc.height,
    umPerPx: doc.umPerPx,
    points: [...doc.points.values()].sort(byId).map((p) => [p.id, p.x, p.y, p.source]),
    polylines: [...doc.polylines.values()].sort(byId).map((l) => ({ id: l.id, points: pairs(l.points) })),
    polygons: [...doc.polygons.values()].sort(byId).map((g) => ({ id: g.id, points: pairs(g.points) })),
    mask: doc.mask.toRuns(),
  };
}

export function serialize(doc: AnnotationDocument): string {
  return JSON.stringify(toJSON(doc));
}

export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

function num(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new FormatError(`${what} is not a number`);
  return v;
}

function vecs(raw: unknown, what: string): Vec2[] {
  if (!Array.isArray(raw)) throw new FormatError(`${what} is not a list`);
  return raw.map((pt, i) => {
    if (!Array.isArray(pt) || pt.length !== 2) throw new FormatError(`${what}[${i}] is not [x, y]`);
    return { x: num(pt[0], `${what}[${i}].x`), y: num(pt[1], `${what}[${i}].y`) };
  });
}

/** fromJSON rebuilds a document; it refuses other formats and newer versions. */
export function fromJSON(data: unknown): AnnotationDocument {
  const d = data as Partial<SerializedDocument> | null;
  if (!d || typeof d !== 'object' || d.format !== 'aomas-annotation') {
    throw new FormatError('not an aomas annotation document');
  }
  if (d.version !== FORMAT_VERSION) {
    throw new FormatError(`unsupported annotation format version ${String(d.version)} (this build reads ${FORMAT_VERSION})`);
  }
  const doc = new AnnotationDocument({
    width: num(d.width, 'width'),
    height: num(d.height, 'height'),
    umPerPx: num(d.umPerPx, 'umPerPx'),
  });
  const seen = new Set<string>();
  const claim = (id: unknown) => {
    if (typeof id !== 'string' || id === '') throw new FormatError('an element has no id');
    if (seen.has(id)) throw new FormatError(`duplicate id ${id}`);
    seen.add(id);
    return id;
  };
  for (const raw of d.points ?? []) {
    if (!Array.isArray(raw) || raw.length !== 4) throw new FormatError('a point is not [id, x, y, source]');
    const [id, x, y, source] = raw;
    if (source !== 'model' && source !== 'human') throw new FormatError(`point ${String(id)} has source ${String(source)}`);
    doc.putPoint({ id: claim(id), x: num(x, 'x'), y: num(y, 'y'), source });
  }
  for (const l of d.polylines ?? []) doc.putPolyline({ id: claim(l.id), points: vecs(l.points, `polyline ${l.id}`) });
  for (const g of d.polygons ?? []) doc.putPolygon({ id: claim(g.id), points: vecs(g.points, `polygon ${g.id}`) });
  try {
    doc.mask = MaskLayer.fromRuns(doc.width, doc.height, d.mask ?? [doc.width * doc.height]);
  } catch (err) {
    throw new FormatError(`mask: ${(err as Error).message}`);
  }
  return doc;
}

export function deserialize(text: string): AnnotationDocument {
  return fromJSON(JSON.parse(text));
}
