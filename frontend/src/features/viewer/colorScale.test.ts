import { describe, expect, it } from 'vitest';
import { formatTick, heatColor, heatGradient, niceTicks } from './colorScale';

describe('colour scales', () => {
  it('runs blue → yellow → red and clamps outside 0–1', () => {
    expect(heatColor(0)).toEqual([40, 60, 200]);
    expect(heatColor(0.5)).toEqual([255, 230, 40]);
    expect(heatColor(1)).toEqual([255, 40, 20]);
    expect(heatColor(-3)).toEqual(heatColor(0));
    expect(heatColor(7)).toEqual(heatColor(1));
  });

  it('draws the legend ramp with the layer colours, ends included', () => {
    const g = heatGradient(3);
    expect(g).toBe('linear-gradient(to right, rgb(40, 60, 200) 0%, rgb(255, 230, 40) 50%, rgb(255, 40, 20) 100%)');
  });

  it('puts round ticks inside the range, at their place along it', () => {
    expect(niceTicks(0, 1, 4).map((t) => t.value)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0, 1, 8).map((t) => t.value)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    const d = niceTicks(41_250, 148_900, 4);
    expect(d.map((t) => t.value)).toEqual([50_000, 100_000]);
    for (const t of d) expect(t.t).toBeCloseTo((t.value - 41_250) / (148_900 - 41_250));
    expect(niceTicks(5, 5)).toEqual([{ value: 5, t: 0 }]);
    expect(niceTicks(Number.NaN, 1)).toEqual([]);
  });

  it('labels ticks compactly', () => {
    expect(formatTick(52_000)).toBe('52k');
    expect(formatTick(0.25)).toBe('0.25');
    expect(formatTick(1_500_000)).toBe('1.5M');
    expect(formatTick(250)).toBe('250');
    expect(formatTick(0)).toBe('0');
  });
});
