// A synthetic cone mosaic for the viewer until the server renders en-face
// images: a jittered hexagonal lattice of bright blobs with a few dark
// vessels, plus a smooth "uncertainty" field. Deterministic for a seed.
import { mulberry32 } from '../../lib/prng';

export interface DemoCones {
  size: number;
  /** x0, y0, x1, y1, ... in image pixels. */
  xy: Float32Array;
  count: number;
}

/** demoCones places exactly `count` cones on a jittered hexagonal lattice over size×size. */
export function demoCones(size: number, count: number, seed = 1): DemoCones {
  const rng = mulberry32(seed);
  // Hexagonal lattice spacing giving ~8% more sites than asked, then thinned.
  const spacing = Math.sqrt((size * size) / (count * 1.08 * (Math.sqrt(3) / 2)));
  const rowH = (spacing * Math.sqrt(3)) / 2;
  const sites: number[] = [];
  for (let r = 0, y = rowH / 2; y < size; r++, y += rowH) {
    for (let x = (r % 2 ? spacing / 2 : 0) + spacing / 4; x < size; x += spacing) {
      const jx = x + (rng() - 0.5) * spacing * 0.35;
      const jy = y + (rng() - 0.5) * spacing * 0.35;
      if (jx >= 0 && jy >= 0 && jx < size && jy < size) sites.push(jx, jy);
    }
  }
  const n = sites.length / 2;
  if (n < count) throw new Error(`lattice too sparse: ${n} < ${count}`);
  // Partial Fisher-Yates: keep `count` random sites.
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(rng() * (n - i));
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const xy = new Float32Array(count * 2);
  for (let i = 0; i < count; i++) {
    const k = order[i]!;
    xy[2 * i] = sites[2 * k]!;
    xy[2 * i + 1] = sites[2 * k + 1]!;
  }
  return { size, xy, count };
}

/** demoUncertainty is a smooth field of a few bumps on a grid of side cells. */
export function demoUncertainty(cells: number, seed = 2): { data: Float32Array; width: number; height: number } {
  const rng = mulberry32(seed);
  const bumps = Array.from({ length: 9 }, () => ({
    x: rng() * cells,
    y: rng() * cells,
    s: cells * (0.04 + rng() * 0.1),
    a: 0.3 + rng() * 0.7,
  }));
  const data = new Float32Array(cells * cells);
  for (let y = 0; y < cells; y++) {
    for (let x = 0; x < cells; x++) {
      let v = 0.05;
      for (const b of bumps) v += b.a * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.s * b.s));
      data[y * cells + x] = Math.min(1, v);
    }
  }
  return { data, width: cells, height: cells };
}

/**
 * demoFibres is a synthetic nerve-fibre field for the demo: bundles leaving an optic disc
 * beyond the left edge and arcing around the image centre (the fovea), as the retina's
 * arcuate bundles do; coherence fades toward the centre, where there are no fibres.
 */
export function demoFibres(size: number, cells: number): { cellPx: number; cols: number; rows: number; angleDeg: number[]; coherence: number[] } {
  const cellPx = size / cells;
  const disc = { x: -0.35 * size, y: 0.5 * size };
  const fovea = { x: 0.5 * size, y: 0.5 * size };
  const angleDeg: number[] = [];
  const coherence: number[] = [];
  for (let r = 0; r < cells; r++) {
    for (let c = 0; c < cells; c++) {
      const x = (c + 0.5) * cellPx;
      const y = (r + 0.5) * cellPx;
      // Radial from the disc, bent to pass around the fovea (a tangent about it, weighted by nearness).
      const rx = x - disc.x;
      const ry = y - disc.y;
      const fx = x - fovea.x;
      const fy = y - fovea.y;
      const dFovea = Math.hypot(fx, fy) / size;
      const w = Math.exp(-((dFovea / 0.35) ** 2));
      const side = fy >= 0 ? 1 : -1;
      const tx = -fy * side;
      const ty = fx * side;
      const vx = rx / Math.hypot(rx, ry) + w * (tx / Math.max(1e-9, Math.hypot(tx, ty)));
      const vy = ry / Math.hypot(rx, ry) + w * (ty / Math.max(1e-9, Math.hypot(tx, ty)));
      let a = (Math.atan2(-vy, vx) * 180) / Math.PI; // screen y grows down
      a = ((a % 180) + 180) % 180;
      angleDeg.push(Math.round(a * 10) / 10);
      coherence.push(Math.round(Math.min(1, 0.15 + 0.85 * (1 - Math.exp(-((dFovea / 0.18) ** 2)))) * 1000) / 1000);
    }
  }
  return { cellPx, cols: cells, rows: cells, angleDeg, coherence };
}

/**
 * renderDemoMosaic draws the cones into a size×size canvas; null where the
 * browser gives no 2D context (tests under jsdom).
 */
export function renderDemoMosaic(cones: DemoCones, seed = 3): HTMLCanvasElement | null {
  const canvas = document.createElement('canvas');
  canvas.width = cones.size;
  canvas.height = cones.size;
  let ctx: CanvasRenderingContext2D | null = null;
  try {
    ctx = canvas.getContext('2d');
  } catch {
    ctx = null;
  }
  if (!ctx) return null;
  const rng = mulberry32(seed);
  const size = cones.size;
  ctx.fillStyle = '#161616';
  ctx.fillRect(0, 0, size, size);
  // Low-frequency illumination.
  for (let k = 0; k < 6; k++) {
    const x = rng() * size;
    const y = rng() * size;
    const r = size * (0.2 + rng() * 0.4);
    const g = ctx.createRadialGradient(x, y, 0, x, y, r);
    g.addColorStop(0, 'rgba(70,70,70,0.55)');
    g.addColorStop(1, 'rgba(70,70,70,0)');
    ctx.fillStyle = g;
    ctx.fillRect(0, 0, size, size);
  }
  // Cones in a few brightness groups, one path each: halo then core.
  const groups = 6;
  for (const [radius, base] of [
    [5.2, 60],
    [3.4, 120],
    [1.8, 185],
  ] as const) {
    for (let gI = 0; gI < groups; gI++) {
      ctx.beginPath();
      for (let i = gI; i < cones.count; i += groups) {
        const x = cones.xy[2 * i]!;
        const y = cones.xy[2 * i + 1]!;
        ctx.moveTo(x + radius, y);
        ctx.arc(x, y, radius, 0, Math.PI * 2);
      }
      const v = Math.round(base + gI * 11);
      ctx.fillStyle = `rgba(${v},${v},${v},0.85)`;
      ctx.fill();
    }
  }
  // Vessels: dark, soft-edged curves.
  ctx.lineCap = 'round';
  for (let k = 0; k < 5; k++) {
    const w = 18 + rng() * 40;
    ctx.beginPath();
    ctx.moveTo(rng() * size, 0);
    ctx.bezierCurveTo(rng() * size, size * 0.33, rng() * size, size * 0.66, rng() * size, size);
    ctx.strokeStyle = 'rgba(8,8,8,0.55)';
    ctx.lineWidth = w;
    ctx.stroke();
    ctx.strokeStyle = 'rgba(8,8,8,0.6)';
    ctx.lineWidth = w * 0.6;
    ctx.stroke();
  }
  return canvas;
}
