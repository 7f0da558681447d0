import { describe, expect, it } from 'vitest';
import { ciLayout, driftLayout, shadowHistogram, timeLabel, timeTicks } from './charts';

const plot = { x: 40, y: 10, width: 200, height: 100 };

describe('Dice with intervals per version', () => {
  it('spreads versions evenly and fits every interval and the gate with a margin', () => {
    const { points, thresholdAt, y0, y1 } = ciLayout(
      [
        { label: '1.0.0', value: 0.96, low: 0.95, high: 0.97 },
        { label: '1.1.0', value: 0.8, low: 0.78, high: 0.82 },
      ],
      plot,
      { threshold: 0.95 },
    );
    expect(points.map((p) => p.cx)).toEqual([90, 190]);
    // Span 0.78–0.97, 15% margin each side, inside [0, 1].
    expect(y0).toBeCloseTo(0.78 - 0.19 * 0.15);
    expect(y1).toBeCloseTo(0.97 + 0.19 * 0.15);
    const sy = (v: number) => 110 - ((v - y0) / (y1 - y0)) * 100;
    expect(points[1]!.cy).toBeCloseTo(sy(0.8));
    expect(points[1]!.cyLow).toBeCloseTo(sy(0.78));
    expect(points[0]!.cyHigh!).toBeLessThan(points[0]!.cy!);
    expect(thresholdAt).toBeCloseTo(sy(0.95));
  });

  it('keeps a version without a score in its place, and stays within [0, 1]', () => {
    const { points, y1 } = ciLayout(
      [
        { label: 'a', value: 0.999, low: 0.998, high: 1 },
        { label: 'b', value: null, low: null, high: null },
      ],
      plot,
    );
    expect(points[1]).toMatchObject({ cx: 190, cy: null, cyLow: null });
    expect(y1).toBe(1);
    expect(points[0]!.cyHigh).toBe(10);
  });
});

describe('time axes', () => {
  it('labels instants to the precision the span needs, in UTC', () => {
    const t = Date.parse('2026-12-05T21:04:05Z');
    expect(timeLabel(t, 60_000)).toBe('21:04:05');
    expect(timeLabel(t, 3_600_000)).toBe('21:04');
    expect(timeLabel(t, 10 * 86_400_000)).toBe('12-05');
    const ticks = timeTicks(t, t + 30_000, plot);
    expect(ticks.map((x) => x.at)).toEqual([40, 40 + 200 / 3, 40 + 400 / 3, 240]);
    expect(ticks.at(-1)!.label).toBe('21:04:35');
    expect(timeTicks(t, t, plot)).toEqual([{ value: t, at: 140, label: '21:04:05' }]);
  });
});

describe('drift over time', () => {
  const history = [
    { at: '2026-12-05T10:00:00Z', features: [{ feature: 'snr', psi: 0.05, pValue: 0.5, drifted: false }, { feature: 'count', psi: 0.1, pValue: 1, drifted: false }] },
    { at: '2026-12-05T11:00:00Z', features: [{ feature: 'snr', psi: 0.6, pValue: 1e-5, drifted: true }, { feature: 'count', psi: 0.1, pValue: 0.2, drifted: false }] },
  ];

  it('draws PSI on a linear axis from 0 that holds the largest value and the limit', () => {
    const { series, limitAt, yTicks, xTicks } = driftLayout(history, 'psi', 0.2, plot);
    expect(series.map((s) => s.feature)).toEqual(['snr', 'count']);
    const hi = 0.6 * 1.15;
    expect(series[0]!.points.map((p) => p.cx)).toEqual([40, 240]);
    expect(series[0]!.points[1]!.cy).toBeCloseTo(110 - (0.6 / hi) * 100);
    expect(series[0]!.points[1]!.drifted).toBe(true);
    expect(limitAt).toBeCloseTo(110 - (0.2 / hi) * 100);
    expect(series[0]!.path).toMatch(/^M40\.0,\d+\.\d L240\.0,\d+\.\d$/);
    expect(yTicks[0]).toEqual({ value: 0, at: 110 });
    expect(xTicks[0]!.label).toBe('10:00');
  });

  it('draws corrected p-values on a log axis from 1 down past the smallest value and the limit', () => {
    const { series, limitAt, yTicks } = driftLayout(history, 'pValue', 0.01, plot);
    // Smallest 1e-5: the axis runs 1 (top) to 1e-6 (bottom).
    const sy = (p: number) => 10 + (-Math.log10(p) / 6) * 100;
    expect(series[0]!.points[1]!.cy).toBeCloseTo(sy(1e-5));
    expect(series[1]!.points[0]!.cy).toBeCloseTo(10);
    expect(limitAt).toBeCloseTo(sy(0.01));
    expect(yTicks.map((t) => t.label)).toEqual(['1', '1e-2', '1e-4', '1e-6']);
  });

  it('puts a p-value of 0 on the axis floor and draws nothing without checks', () => {
    const { series } = driftLayout([{ at: '2026-12-05T10:00:00Z', features: [{ feature: 'snr', psi: 1, pValue: 0, drifted: true }] }], 'pValue', 0.01, plot);
    expect(series[0]!.points[0]!.cy).toBeCloseTo(110);
    expect(series[0]!.points[0]!.cx).toBe(140);
    expect(driftLayout([], 'psi', 0.2, plot)).toMatchObject({ series: [], xTicks: [] });
  });
});

describe('shadow agreement', () => {
  it('turns 20 bins over [0, 1] into a histogram of runs with the mean Dice', () => {
    const counts = Array.from({ length: 20 }, (_, i) => (i === 19 ? 18 : i === 18 ? 2 : 0));
    expect(shadowHistogram(counts, 0.97)).toEqual({ unit: 'Dice', min: 0, binWidth: 0.05, counts, total: 20, mean: 0.97 });
  });
});
