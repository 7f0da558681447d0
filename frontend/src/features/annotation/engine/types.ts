// Plain data types of an annotation document. No React, no DOM.

/** Where a mark came from: the segmentation model or a person. */
export type MarkSource = 'model' | 'human';

export interface Vec2 {
  x: number;
  y: number;
}

/** A cone photoreceptor centre, in image pixels. */
export interface ConePoint {
  id: string;
  x: number;
  y: number;
  source: MarkSource;
}

/** A vessel centre-line. */
export interface Polyline {
  id: string;
  points: Vec2[];
}

/** A closed region of interest. */
export interface Polygon {
  id: string;
  points: Vec2[];
}

/** An axis-aligned rectangle, x0 <= x1 and y0 <= y1. */
export interface Rect {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** normRect orders the corners of a rectangle given by any two opposite corners. */
export function normRect(a: Vec2, b: Vec2): Rect {
  return {
    x0: Math.min(a.x, b.x),
    y0: Math.min(a.y, b.y),
    x1: Math.max(a.x, b.x),
    y1: Math.max(a.y, b.y),
  };
}
