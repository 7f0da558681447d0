// The geometry of the results charts (hand-drawn SVG): bars of a histogram the server binned,
// and points of a scatter plot, each with round axis ticks. Pure, shared with the tests.
import { niceTicks } from '../../lib/ticks';

export interface Histogram {
  unit: string;
  min: number;
  binWidth: number;
  counts: readonly number[];
  total: number;
  mean: number;
}

/** Plot is the drawing area inside a chart's margins, in SVG units. */
export interface Plot {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Bar {
  x: number;
  y: number;
  width: number;
  height: number;
  count: number;
  /** The bin's values: [from, to). */
  from: number;
  to: number;
}

export interface Tick {
  value: number;
  /** Position along the axis in SVG units. */
  at: number;
}

/**
 * histogramBars lays out h in plot: one bar per bin, heights to the largest count, x ticks
 * in the histogram's unit and y ticks in cells. A one-bin histogram of equal values fills the plot.
 */
export function histogramBars(h: Histogram, plot: Plot): { bars: Bar[]; xTicks: Tick[]; yTicks: Tick[]; meanAt: number | null } {
  const n = h.counts.length;
  if (n === 0 || h.total === 0) return { bars: [], xTicks: [], yTicks: [], meanAt: null };
  const maxCount = Math.max(...h.counts);
  const lo = h.min;
  const hi = h.min + h.binWidth * n;
  const span = hi - lo;
  const bw = plot.width / n;
  const bars = h.counts.map((count, i) => {
    const height = (count / maxCount) * plot.height;
    return { x: plot.x + i * bw, y: plot.y + plot.height - height, width: bw, height, count, from: lo + i * h.binWidth, to: lo + (i + 1) * h.binWidth };
  });
  const xAt = (v: number) => (span > 0 ? plot.x + ((v - lo) / span) * plot.width : plot.x + plot.width / 2);
  const xTicks = span > 0 ? niceTicks(lo, hi, 5).map((t) => ({ value: t.value, at: xAt(t.value) })) : [{ value: lo, at: xAt(lo) }];
  const yTicks = niceTicks(0, maxCount, 3).map((t) => ({ value: t.value, at: plot.y + plot.height - t.t * plot.height }));
  return { bars, xTicks, yTicks, meanAt: xAt(h.mean) };
}

export interface ScatterDatum {
  id: string;
  x: number;
  y: number;
  /** Optional vertical interval (95% CI). */
  yLow?: number | null;
  yHigh?: number | null;
}

export interface ScatterPoint extends ScatterDatum {
  cx: number;
  cy: number;
  cyLow: number | null;
  cyHigh: number | null;
}

/**
 * scatterLayout places data in plot over axes from 0 (or below, for negative data) to a
 * little past the largest value (intervals included), with round ticks.
 */
export function scatterLayout(data: readonly ScatterDatum[], plot: Plot): { points: ScatterPoint[]; xTicks: Tick[]; yTicks: Tick[] } {
  if (data.length === 0) return { points: [], xTicks: [], yTicks: [] };
  const xs = data.map((d) => d.x);
  const ys = data.flatMap((d) => [d.y, d.yLow ?? d.y, d.yHigh ?? d.y]);
  const x0 = Math.min(0, ...xs);
  const x1 = Math.max(...xs) * 1.05 || 1;
  const y0 = Math.min(0, ...ys);
  const y1 = Math.max(...ys) * 1.05 || 1;
  const sx = (v: number) => plot.x + ((v - x0) / (x1 - x0)) * plot.width;
  const sy = (v: number) => plot.y + plot.height - ((v - y0) / (y1 - y0)) * plot.height;
  return {
    points: data.map((d) => ({
      ...d,
      cx: sx(d.x),
      cy: sy(d.y),
      cyLow: d.yLow == null ? null : sy(d.yLow),
      cyHigh: d.yHigh == null ? null : sy(d.yHigh),
    })),
    xTicks: niceTicks(x0, x1, 5).map((t) => ({ value: t.value, at: sx(t.value) })),
    yTicks: niceTicks(y0, y1, 4).map((t) => ({ value: t.value, at: sy(t.value) })),
  };
}
