// Round tick values for the axes of charts and colour scales, and their compact labels.

/** niceStep is the round step (1, 2 or 5 × 10^k) that cuts span into about `count` parts. */
export function niceStep(span: number, count: number): number {
  if (!(span > 0) || !(count > 0)) return 0;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

/**
 * niceTicks returns round values within [lo, hi] (about `count` of them), each with its
 * position t in [0, 1] along the scale; lo = hi gives the one value.
 */
export function niceTicks(lo: number, hi: number, count = 4): { value: number; t: number }[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [];
  if (hi <= lo) return [{ value: lo, t: 0 }];
  const step = niceStep(hi - lo, count);
  const out: { value: number; t: number }[] = [];
  // Snap to the step's decimals so 0.1 + 0.2 prints as 0.3.
  const decimals = Math.max(0, -Math.floor(Math.log10(step)));
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) {
    const value = Number(v.toFixed(decimals));
    out.push({ value, t: (value - lo) / (hi - lo) });
  }
  return out;
}

/** formatTick prints a tick compactly: 52,000 as "52k", 0.25 as "0.25". */
export function formatTick(v: number): string {
  const a = Math.abs(v);
  if (a >= 1e6) return `${+(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${+(v / 1e3).toFixed(1)}k`;
  if (a >= 100 || v === 0) return Math.round(v).toLocaleString('en');
  return `${+v.toPrecision(2)}`;
}
