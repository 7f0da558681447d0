// A binary mask over the image as a bitset (one bit per pixel), painted by
// discs along brush strokes, serialised as run lengths.

export class MaskLayer {
  readonly width: number;
  readonly height: number;
  private readonly bits: Uint32Array;
  private count = 0;

  constructor(width: number, height: number) {
    if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
      throw new Error(`bad mask size ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.bits = new Uint32Array(Math.ceil((width * height) / 32));
  }

  /** area is the number of set pixels. */
  get area(): number {
    return this.count;
  }

  get(x: number, y: number): boolean {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return false;
    return this.getIndex(y * this.width + x);
  }

  getIndex(i: number): boolean {
    return ((this.bits[i >>> 5]! >>> (i & 31)) & 1) === 1;
  }

  /** setIndex sets one pixel and says whether it changed. */
  setIndex(i: number, value: boolean): boolean {
    const w = i >>> 5;
    const m = 1 << (i & 31);
    const was = (this.bits[w]! & m) !== 0;
    if (was === value) return false;
    this.bits[w] = value ? this.bits[w]! | m : this.bits[w]! & ~m;
    this.count += value ? 1 : -1;
    return true;
  }

  /**
   * paintDisc sets (or clears) every pixel whose centre lies within r of
   * (cx, cy) and appends the indices it changed to `changed`.
   */
  paintDisc(cx: number, cy: number, r: number, value: boolean, changed?: number[]): void {
    const y0 = Math.max(0, Math.ceil(cy - r - 0.5));
    const y1 = Math.min(this.height - 1, Math.floor(cy + r - 0.5));
    const r2 = r * r;
    for (let y = y0; y <= y1; y++) {
      const dy = y + 0.5 - cy;
      const half = Math.sqrt(Math.max(0, r2 - dy * dy));
      const x0 = Math.max(0, Math.ceil(cx - half - 0.5));
      const x1 = Math.min(this.width - 1, Math.floor(cx + half - 0.5));
      for (let x = x0; x <= x1; x++) {
        const i = y * this.width + x;
        if (this.setIndex(i, value)) changed?.push(i);
      }
    }
  }

  /** paintSegment paints discs of radius r along the segment a→b. */
  paintSegment(ax: number, ay: number, bx: number, by: number, r: number, value: boolean, changed?: number[]): void {
    const len = Math.hypot(bx - ax, by - ay);
    const steps = Math.max(1, Math.ceil(len / Math.max(0.5, r / 2)));
    for (let s = 0; s <= steps; s++) {
      const t = s / steps;
      this.paintDisc(ax + (bx - ax) * t, ay + (by - ay) * t, r, value, changed);
    }
  }

  /** flip inverts the listed pixels (how a stroke is undone and redone). */
  flip(indices: ArrayLike<number>): void {
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!;
      this.setIndex(i, !this.getIndex(i));
    }
  }

  /** toRuns gives alternating run lengths, starting with a run of clear pixels (maybe 0). */
  toRuns(): number[] {
    const runs: number[] = [];
    const n = this.width * this.height;
    let current = false;
    let run = 0;
    for (let i = 0; i < n; i++) {
      const w: number = this.bits[i >>> 5]!;
      // Skip whole words that continue the current run.
      if ((i & 31) === 0 && i + 32 <= n && w === (current ? 0xffffffff : 0) >>> 0) {
        run += 32;
        i += 31;
        continue;
      }
      const v: boolean = ((w >>> (i & 31)) & 1) === 1;
      if (v === current) run++;
      else {
        runs.push(run);
        current = v;
        run = 1;
      }
    }
    runs.push(run);
    return runs;
  }

  static fromRuns(width: number, height: number, runs: readonly number[]): MaskLayer {
    const m = new MaskLayer(width, height);
    const n = width * height;
    let i = 0;
    let value = false;
    for (const run of runs) {
      if (!Number.isInteger(run) || run < 0 || i + run > n) throw new Error('mask runs do not fit the mask');
      if (value) for (let k = i; k < i + run; k++) m.setIndex(k, true);
      i += run;
      value = !value;
    }
    if (i !== n) throw new Error(`mask runs cover ${i} of ${n} pixels`);
    return m;
  }

  equals(other: MaskLayer): boolean {
    if (other.width !== this.width || other.height !== this.height) return false;
    for (let k = 0; k < this.bits.length; k++) if (this.bits[k] !== other.bits[k]) return false;
    return true;
  }

  clone(): MaskLayer {
    const m = new MaskLayer(this.width, this.height);
    m.bits.set(this.bits);
    m.count = this.count;
    return m;
  }
}
