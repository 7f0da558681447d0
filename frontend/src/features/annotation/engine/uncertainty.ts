// "Next most uncertain region": the model's uncertainty map is cut into
// square regions; the navigator visits their centres from the most to the
// least uncertain (mean uncertainty), skipping regions already visited.

export interface UncertaintyMap {
  data: Float32Array;
  width: number;
  height: number;
}

export interface UncertainRegion {
  /** Region centre in image pixels. */
  x: number;
  y: number;
  /** Mean uncertainty over the region. */
  score: number;
  /** Region index (row-major over the region grid). */
  index: number;
  /** The region's extent in image pixels (its outline when the navigator moves there). */
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * rankRegions splits the map into regionSize×regionSize blocks (in map
 * pixels) and returns every block's centre, scaled to image pixels by
 * imageScale, in descending mean uncertainty (ties: lower index first).
 * NaN values are ignored.
 */
export function rankRegions(map: UncertaintyMap, regionSize: number, imageScale = 1): UncertainRegion[] {
  const { data, width, height } = map;
  if (data.length !== width * height) throw new Error('uncertainty map size does not match its data');
  if (!(regionSize >= 1)) throw new Error('regionSize must be at least 1');
  const cols = Math.ceil(width / regionSize);
  const rows = Math.ceil(height / regionSize);
  const sum = new Float64Array(cols * rows);
  const n = new Uint32Array(cols * rows);
  for (let y = 0; y < height; y++) {
    const ry = Math.floor(y / regionSize) * cols;
    for (let x = 0; x < width; x++) {
      const v = data[y * width + x]!;
      if (Number.isNaN(v)) continue;
      const k = ry + Math.floor(x / regionSize);
      sum[k] = sum[k]! + v;
      n[k] = n[k]! + 1;
    }
  }
  const out: UncertainRegion[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const k = r * cols + c;
      if (n[k] === 0) continue;
      const x0 = c * regionSize;
      const y0 = r * regionSize;
      const x1 = Math.min(width, x0 + regionSize);
      const y1 = Math.min(height, y0 + regionSize);
      out.push({
        x: ((x0 + x1) / 2) * imageScale,
        y: ((y0 + y1) / 2) * imageScale,
        score: sum[k]! / n[k]!,
        index: k,
        x0: x0 * imageScale,
        y0: y0 * imageScale,
        x1: x1 * imageScale,
        y1: y1 * imageScale,
      });
    }
  }
  out.sort((a, b) => b.score - a.score || a.index - b.index);
  return out;
}

export class UncertaintyNavigator {
  private readonly ranked: UncertainRegion[];
  private readonly visited = new Set<number>();
  private readonly regionSize: number;
  private readonly imageScale: number;
  private readonly cols: number;
  private readonly map: UncertaintyMap;

  constructor(map: UncertaintyMap, regionSize = 64, imageScale = 1) {
    this.map = map;
    this.regionSize = regionSize;
    this.imageScale = imageScale;
    this.cols = Math.ceil(map.width / regionSize);
    this.ranked = rankRegions(map, regionSize, imageScale);
  }

  get regions(): readonly UncertainRegion[] {
    return this.ranked;
  }

  get remaining(): number {
    return this.ranked.length - this.visited.size;
  }

  /** next returns the most uncertain unvisited region and marks it visited; null when all are. */
  next(): UncertainRegion | null {
    for (const r of this.ranked) {
      if (!this.visited.has(r.index)) {
        this.visited.add(r.index);
        return r;
      }
    }
    return null;
  }

  /** markVisitedAt marks the region holding image point (x, y) as visited (the user looked there). */
  markVisitedAt(x: number, y: number): void {
    const mx = Math.floor(x / this.imageScale);
    const my = Math.floor(y / this.imageScale);
    if (mx < 0 || my < 0 || mx >= this.map.width || my >= this.map.height) return;
    this.visited.add(Math.floor(my / this.regionSize) * this.cols + Math.floor(mx / this.regionSize));
  }

  isVisited(index: number): boolean {
    return this.visited.has(index);
  }

  reset(): void {
    this.visited.clear();
  }
}

/**
 * clipRegion cuts r to a width×height image and says what fraction of its area lies inside
 * (the map's last cells may reach past the image): the part to outline, centred anew.
 */
export function clipRegion(r: UncertainRegion, width: number, height: number): { region: UncertainRegion; inside: number } {
  const x0 = Math.max(0, r.x0);
  const y0 = Math.max(0, r.y0);
  const x1 = Math.min(width, r.x1);
  const y1 = Math.min(height, r.y1);
  const full = (r.x1 - r.x0) * (r.y1 - r.y0);
  const kept = Math.max(0, x1 - x0) * Math.max(0, y1 - y0);
  return { region: { ...r, x0, y0, x1, y1, x: (x0 + x1) / 2, y: (y0 + y1) / 2 }, inside: full > 0 ? kept / full : 0 };
}
