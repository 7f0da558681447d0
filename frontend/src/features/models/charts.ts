// The geometry of the registry's charts (hand-drawn SVG, like the run results): Dice with its
// 95% interval per version against the gate, drift statistics over time against their
// limits, and the shadow agreement histogram in the run charts' form. Pure, shared with the tests.
import { niceTicks } from '../../lib/ticks';

/** Plot is the drawing area inside a chart's margins, in SVG units. */
export interface Plot {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Tick {
  value: number;
  at: number;
  label?: string;
}

export interface CIDatum {
  /** The category along x (a version). */
  label: string;
  value: number | null;
  low: number | null;
  high: number | null;
}

export interface CIPoint extends CIDatum {
  cx: number;
  cy: number | null;
  cyLow: number | null;
  cyHigh: number | null;
}

/**
 * ciLayout places one point per category, evenly along x, with its interval, on a y axis
 * that holds every interval and the threshold (the gate) with a margin, within [floor, ceil].
 * Categories without a value keep their place (and label) but draw nothing.
 */
export function ciLayout(
  data: readonly CIDatum[],
  plot: Plot,
  { threshold = null, floor = 0, ceil = 1 }: { threshold?: number | null; floor?: number; ceil?: number } = {},
): { points: CIPoint[]; yTicks: Tick[]; thresholdAt: number | null; y0: number; y1: number } {
  const ys = data.flatMap((d) => [d.value, d.low, d.high]).filter((v): v is number => v !== null && Number.isFinite(v));
  if (threshold !== null) ys.push(threshold);
  let y0 = ys.length ? Math.min(...ys) : floor;
  let y1 = ys.length ? Math.max(...ys) : ceil;
  const pad = Math.max((y1 - y0) * 0.15, 0.005);
  y0 = Math.max(floor, y0 - pad);
  y1 = Math.min(ceil, y1 + pad);
  if (y1 <= y0) {
    y0 = floor;
    y1 = ceil;
  }
  const sy = (v: number) => plot.y + plot.height - ((v - y0) / (y1 - y0)) * plot.height;
  const step = data.length > 0 ? plot.width / data.length : plot.width;
  const points = data.map((d, i) => ({
    ...d,
    cx: plot.x + step * (i + 0.5),
    cy: d.value === null ? null : sy(d.value),
    cyLow: d.low === null ? null : sy(d.low),
    cyHigh: d.high === null ? null : sy(d.high),
  }));
  return {
    points,
    yTicks: niceTicks(y0, y1, 4).map((t) => ({ value: t.value, at: sy(t.value) })),
    thresholdAt: threshold === null ? null : sy(threshold),
    y0,
    y1,
  };
}

/** timeTicks labels n evenly spaced instants of [t0, t1] (ms) in a unit that suits the span. */
export function timeTicks(t0: number, t1: number, plot: Plot, n = 4): Tick[] {
  if (!(t1 > t0)) return [{ value: t0, at: plot.x + plot.width / 2, label: timeLabel(t0, 0) }];
  const out: Tick[] = [];
  for (let i = 0; i < n; i++) {
    const t = t0 + ((t1 - t0) * i) / (n - 1);
    out.push({ value: t, at: plot.x + (plot.width * i) / (n - 1), label: timeLabel(t, t1 - t0) });
  }
  return out;
}

/** timeLabel prints an instant to the precision a span of spanMs needs (UTC, like the server's logs). */
export function timeLabel(t: number, spanMs: number): string {
  const iso = new Date(t).toISOString();
  if (spanMs < 5 * 60_000) return iso.slice(11, 19);
  if (spanMs < 2 * 86_400_000) return iso.slice(11, 16);
  return iso.slice(5, 10);
}

export type DriftMetric = 'psi' | 'pValue';

export interface DriftFeatureValue {
  feature: string;
  psi: number;
  pValue: number;
  drifted: boolean;
}

export interface DriftHistoryPoint {
  at: string;
  features: readonly DriftFeatureValue[];
}

export interface DriftSeries {
  feature: string;
  points: { cx: number; cy: number; value: number; at: string; drifted: boolean }[];
  /** An SVG path through the points, oldest first. */
  path: string;
}

/** The smallest p-value the log axis shows; smaller ones sit on its floor. */
export const P_FLOOR = 1e-12;

/**
 * driftLayout draws each feature's statistic (PSI on a linear axis from 0, or the corrected
 * KS p-value on a log axis down to the smallest value or the limit) over the checks' times,
 * with the limit's line. Beyond the limit is PSI above it, or p below it.
 */
export function driftLayout(
  history: readonly DriftHistoryPoint[],
  metric: DriftMetric,
  limit: number,
  plot: Plot,
): { series: DriftSeries[]; limitAt: number; yTicks: Tick[]; xTicks: Tick[] } {
  const times = history.map((h) => Date.parse(h.at));
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = times.length ? Math.max(...times) : 0;
  const sx = (t: number) => (t1 > t0 ? plot.x + ((t - t0) / (t1 - t0)) * plot.width : plot.x + plot.width / 2);
  const values = history.flatMap((h) => h.features.map((f) => (metric === 'psi' ? f.psi : f.pValue))).filter(Number.isFinite);
  let sy: (v: number) => number;
  let yTicks: Tick[];
  if (metric === 'psi') {
    const hi = Math.max(limit, ...values) * 1.15 || 1;
    sy = (v) => plot.y + plot.height - (Math.max(0, v) / hi) * plot.height;
    yTicks = niceTicks(0, hi, 4).map((t) => ({ value: t.value, at: sy(t.value) }));
  } else {
    const smallest = Math.max(P_FLOOR, Math.min(limit, ...values.map((v) => Math.max(v, P_FLOOR))));
    // A decade below the smallest value (or the limit) when it falls on a decade, never below the floor.
    const lo = Math.max(Math.log10(P_FLOOR), Math.floor(Math.log10(smallest)) - (Math.log10(smallest) % 1 === 0 ? 1 : 0));
    sy = (v) => plot.y + ((0 - Math.log10(Math.max(v, P_FLOOR))) / (0 - lo)) * plot.height;
    const every = Math.max(1, Math.ceil(-lo / 4));
    yTicks = [];
    for (let e = 0; e >= lo; e -= every) yTicks.push({ value: 10 ** e, at: sy(10 ** e), label: e === 0 ? '1' : `1e${e}` });
  }
  const byFeature = new Map<string, DriftSeries>();
  history.forEach((h, i) => {
    for (const f of h.features) {
      let s = byFeature.get(f.feature);
      if (!s) {
        s = { feature: f.feature, points: [], path: '' };
        byFeature.set(f.feature, s);
      }
      const value = metric === 'psi' ? f.psi : f.pValue;
      s.points.push({ cx: sx(times[i]!), cy: sy(value), value, at: h.at, drifted: f.drifted });
    }
  });
  const series = [...byFeature.values()];
  for (const s of series) s.path = s.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${p.cx.toFixed(1)},${p.cy.toFixed(1)}`).join(' ');
  return { series, limitAt: sy(limit), yTicks, xTicks: times.length ? timeTicks(t0, t1, plot) : [] };
}

/**
 * shadowHistogram turns the server's 20 bins of per-run Dice over [0, 1] into the run charts'
 * histogram form (HistogramChart), with the mean Dice marked.
 */
export function shadowHistogram(counts: readonly number[], meanDice: number | null | undefined) {
  const total = counts.reduce((a, b) => a + b, 0);
  return { unit: 'Dice', min: 0, binWidth: counts.length ? 1 / counts.length : 1, counts, total, mean: meanDice ?? 0 };
}

/** A palette that tells eight features apart in both themes. */
export const SERIES_COLOURS = ['#2f6fdf', '#d97706', '#059669', '#db2777', '#7c3aed', '#0891b2', '#65a30d', '#b45309'];
