import { describe, expect, it } from 'vitest';
import { histogramBars, scatterLayout } from './charts';

const plot = { x: 40, y: 10, width: 200, height: 100 };

describe('histogram bars', () => {
  it('draws one bar per bin, the fullest bin full height, on the histogram’s own scale', () => {
    const h = { unit: 'µm', min: 2, binWidth: 0.5, counts: [1, 4, 2, 0], total: 7, mean: 2.9 };
    const { bars, xTicks, yTicks, meanAt } = histogramBars(h, plot);
    expect(bars).toHaveLength(4);
    expect(bars[1]).toMatchObject({ x: 90, width: 50, height: 100, y: 10, count: 4, from: 2.5, to: 3 });
    expect(bars[0]!.height).toBeCloseTo(25);
    expect(bars[3]!.height).toBe(0);
    // Ticks at round values inside [2, 4], placed linearly.
    expect(xTicks.map((t) => t.value)).toEqual([2, 2.5, 3, 3.5, 4]);
    expect(xTicks[0]!.at).toBe(40);
    expect(xTicks.at(-1)!.at).toBe(240);
    expect(yTicks[0]).toEqual({ value: 0, at: 110 });
    expect(meanAt).toBeCloseTo(40 + (0.9 / 2) * 200);
  });

  it('draws nothing for an empty histogram and one bar for equal values', () => {
    expect(histogramBars({ unit: 'px', min: 0, binWidth: 0, counts: [], total: 0, mean: 0 }, plot).bars).toEqual([]);
    const one = histogramBars({ unit: 'px', min: 5, binWidth: 0, counts: [3], total: 3, mean: 5 }, plot);
    expect(one.bars).toHaveLength(1);
    expect(one.bars[0]).toMatchObject({ x: 40, width: 200, height: 100 });
    expect(one.xTicks).toEqual([{ value: 5, at: 140 }]);
  });
});

describe('scatter layout', () => {
  it('places points from zero to past the largest value, intervals included', () => {
    const { points, xTicks, yTicks } = scatterLayout(
      [
        { id: 'a', x: 0, y: 100, yLow: 80, yHigh: 120 },
        { id: 'b', x: 10, y: 50 },
      ],
      plot,
    );
    const xMax = 10 * 1.05;
    const yMax = 120 * 1.05;
    expect(points[0]!.cx).toBe(40);
    expect(points[1]!.cx).toBeCloseTo(40 + (10 / xMax) * 200);
    expect(points[0]!.cy).toBeCloseTo(110 - (100 / yMax) * 100);
    expect(points[0]!.cyHigh).toBeCloseTo(110 - (120 / yMax) * 100);
    expect(points[1]!.cyLow).toBeNull();
    expect(xTicks[0]).toEqual({ value: 0, at: 40 });
    expect(yTicks[0]).toEqual({ value: 0, at: 110 });
  });

  it('lays out nothing for no data', () => {
    expect(scatterLayout([], plot)).toEqual({ points: [], xTicks: [], yTicks: [] });
  });
});
