// Frame-time measurement helpers for the browser journeys.

/** percentile of a sorted copy of xs (p in [0, 100]), nearest-rank. */
export function percentile(xs, p) {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const k = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[k];
}

/** startFrameClock records requestAnimationFrame intervals in the page until stopFrameClock. */
export async function startFrameClock(page) {
  await page.evaluate(() => {
    const w = window;
    w.__frameClock = { intervals: [], last: 0, on: true, drawStart: w.__aomasViewer?.drawMs.length ?? 0 };
    const tick = (t) => {
      const c = w.__frameClock;
      if (!c.on) return;
      if (c.last) c.intervals.push(t - c.last);
      c.last = t;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}

/** stopFrameClock returns the frame intervals and the viewer's draw durations since the start. */
export async function stopFrameClock(page) {
  return page.evaluate(() => {
    const w = window;
    const c = w.__frameClock;
    c.on = false;
    const draws = (w.__aomasViewer?.drawMs ?? []).slice(c.drawStart);
    return { intervals: c.intervals, draws };
  });
}

export function summarise(ms) {
  const f = (x) => Math.round(x * 10) / 10;
  return { n: ms.length, median: f(percentile(ms, 50)), p95: f(percentile(ms, 95)), max: f(Math.max(...ms)) };
}
