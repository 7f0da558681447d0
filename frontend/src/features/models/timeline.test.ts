import { describe, expect, it } from 'vitest';
import { MIN_BAR, timelineLayout, type TimelineInterval } from './timeline';

const plot = { x: 100, y: 0, width: 600, height: 0 };
const T0 = Date.parse('2026-12-05T10:00:00Z');
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
const iv = (versionId: string, stage: string, from: number, to: number | null, canaryPercent: number | null = null): TimelineInterval => ({
  versionId,
  versionLabel: `v${versionId}`,
  stage,
  canaryPercent,
  from: at(from),
  to: to === null ? null : at(to),
});

describe('production timeline', () => {
  it('gives each version a lane in the order it first held a stage, and scales time to now', () => {
    // Given out of order: v1 production 0–60, v2 canary 30–45 then production 45–50, v1 again from 50 (rollback).
    const { lanes, bars, xTicks, height } = timelineLayout(
      [iv('2', 'PRODUCTION', 45, 50), iv('1', 'PRODUCTION', 0, 45), iv('2', 'CANARY', 30, 45, 50), iv('1', 'PRODUCTION', 50, null)],
      T0 + 60 * 60_000,
      plot,
      20,
    );
    expect(lanes.map((l) => [l.versionId, l.y])).toEqual([
      ['1', 10],
      ['2', 30],
    ]);
    expect(height).toBe(40);
    const px = (min: number) => 100 + (min / 60) * 600;
    expect(bars.map((b) => [b.interval.versionId, b.interval.stage, b.lane, b.x, b.width, b.open])).toEqual([
      ['1', 'PRODUCTION', 0, px(0), px(45) - px(0), false],
      ['2', 'CANARY', 1, px(30), px(45) - px(30), false],
      ['2', 'PRODUCTION', 1, px(45), px(50) - px(45), false],
      ['1', 'PRODUCTION', 0, px(50), px(60) - px(50), true],
    ]);
    expect(bars[0]).toMatchObject({ y: 3, height: 14 });
    expect(bars[1]).toMatchObject({ y: 23 });
    expect(xTicks[0]!.at).toBe(100);
    expect(xTicks.at(-1)!.at).toBe(700);
  });

  it('keeps a moment’s interval visible and inside the plot', () => {
    const { bars } = timelineLayout([iv('1', 'PRODUCTION', 0, 60), iv('2', 'PRODUCTION', 60, null)], T0 + 60 * 60_000, plot);
    expect(bars[1]!.width).toBe(MIN_BAR);
    expect(bars[1]!.x + bars[1]!.width).toBeLessThanOrEqual(700);
  });

  it('lays out nothing for no history', () => {
    expect(timelineLayout([], T0, plot)).toEqual({ lanes: [], bars: [], xTicks: [], height: 0 });
  });
});
