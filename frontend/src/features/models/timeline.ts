// The production history as a timeline: one lane per version, a bar for each interval it was
// PRODUCTION or CANARY, over the time from the first interval to now. Pure, shared with the tests.
import { timeTicks, type Plot, type Tick } from './charts';

export interface TimelineInterval {
  versionId: string;
  versionLabel: string;
  stage: string;
  canaryPercent: number | null;
  from: string;
  /** Null while the version still holds the stage. */
  to: string | null;
}

export interface TimelineBar {
  interval: TimelineInterval;
  lane: number;
  x: number;
  y: number;
  width: number;
  height: number;
  open: boolean;
}

export interface TimelineLane {
  versionId: string;
  label: string;
  y: number;
}

/** The narrowest bar, so that an interval of a second still shows. */
export const MIN_BAR = 3;

/**
 * timelineLayout lays out intervals (any order) on lanes, one per version in the order each
 * first held a stage, top to bottom; an open interval runs to now. Lanes are laneHeight apart
 * from plot.y; bars are 70% of a lane.
 */
export function timelineLayout(
  intervals: readonly TimelineInterval[],
  now: number,
  plot: Plot,
  laneHeight = 22,
): { lanes: TimelineLane[]; bars: TimelineBar[]; xTicks: Tick[]; height: number } {
  if (intervals.length === 0) return { lanes: [], bars: [], xTicks: [], height: 0 };
  const sorted = [...intervals].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  const laneOf = new Map<string, number>();
  const lanes: TimelineLane[] = [];
  for (const iv of sorted) {
    if (!laneOf.has(iv.versionId)) {
      laneOf.set(iv.versionId, lanes.length);
      lanes.push({ versionId: iv.versionId, label: iv.versionLabel, y: plot.y + lanes.length * laneHeight + laneHeight / 2 });
    }
  }
  const end = (iv: TimelineInterval) => (iv.to === null ? now : Date.parse(iv.to));
  const t0 = Math.min(...sorted.map((iv) => Date.parse(iv.from)));
  const t1 = Math.max(t0 + 1, ...sorted.map(end));
  const sx = (t: number) => plot.x + ((t - t0) / (t1 - t0)) * plot.width;
  const barH = laneHeight * 0.7;
  const bars = sorted.map((iv) => {
    const lane = laneOf.get(iv.versionId)!;
    const x = sx(Date.parse(iv.from));
    const width = Math.max(MIN_BAR, sx(end(iv)) - x);
    return {
      interval: iv,
      lane,
      // A bar that would poke past the plot's right edge (a tiny last interval) steps back in.
      x: Math.min(x, plot.x + plot.width - width),
      y: plot.y + lane * laneHeight + (laneHeight - barH) / 2,
      width,
      height: barH,
      open: iv.to === null,
    };
  });
  return { lanes, bars, xTicks: timeTicks(t0, t1, plot), height: lanes.length * laneHeight };
}
