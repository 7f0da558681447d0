// Colour scales of the overlays: the heat ramp the density and uncertainty maps are painted
// with, as a CSS gradient for their legends, and round tick values for the legend's axis.
// Pure functions, shared by the layers, the legends and their tests.
export { formatTick, niceTicks } from '../../lib/ticks';

/** heatColor maps t in [0, 1] to a blue→yellow→red ramp (RGB 0-255). */
export function heatColor(t: number): [number, number, number] {
  const u = Math.min(1, Math.max(0, t));
  if (u < 0.5) {
    const k = u / 0.5;
    return [Math.round(40 + 215 * k), Math.round(60 + 170 * k), Math.round(200 - 160 * k)];
  }
  const k = (u - 0.5) / 0.5;
  return [255, Math.round(230 - 190 * k), Math.round(40 - 20 * k)];
}

/** heatGradient is the ramp as a left-to-right CSS linear-gradient with `stops` stops. */
export function heatGradient(stops = 9): string {
  const parts: string[] = [];
  for (let i = 0; i < stops; i++) {
    const t = i / (stops - 1);
    const [r, g, b] = heatColor(t);
    parts.push(`rgb(${r}, ${g}, ${b}) ${Math.round(t * 100)}%`);
  }
  return `linear-gradient(to right, ${parts.join(', ')})`;
}
