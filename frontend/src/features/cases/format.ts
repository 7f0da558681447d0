// Display formats for cases and volumes.
import type { Volume } from '../../graphql/operations/cases';

export function formatBytes(n: number | string): string {
  const v = typeof n === 'string' ? Number(n) : n;
  if (!Number.isFinite(v)) return '—';
  if (v < 1024) return `${v} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let x = v / 1024;
  let i = 0;
  while (x >= 1024 && i < units.length - 1) {
    x /= 1024;
    i++;
  }
  return `${x < 10 ? x.toFixed(1) : Math.round(x)} ${units[i]}`;
}

export function formatDims(d: Volume['dims']): string {
  return d.z > 1 ? `${d.x} × ${d.y} × ${d.z}` : `${d.x} × ${d.y}`;
}

const um = (v: number | null) => (v === null ? '?' : Number(v.toPrecision(3)).toString());

export function formatSpacing(s: Volume['spacingUm']): string {
  if (s.x === null && s.y === null && s.z === null) return 'unknown';
  return s.z === null ? `${um(s.x)} × ${um(s.y)} µm` : `${um(s.x)} × ${um(s.y)} × ${um(s.z)} µm`;
}

export function formatDate(t: string | null): string {
  if (!t) return '—';
  return t.slice(0, 10);
}

export function formatDateTime(t: string | null): string {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  return `${d.toISOString().slice(0, 10)} ${d.toTimeString().slice(0, 5)}`;
}

export function formatEccentricity(v: number | null): string {
  return v === null ? '—' : `${Number(v.toFixed(2))}°`;
}

/** parseTags splits "a, b  c" into ["a", "b", "c"]. */
export function parseTags(s: string): string[] {
  return s
    .split(/[,\s]+/)
    .map((t) => t.trim())
    .filter(Boolean);
}

const SOURCE_WORDS: Record<Volume['pixelSizeSource'], string> = {
  UPLOADER: 'stated',
  FILE: 'from the file',
  DEVICE: 'device calibration',
  NONE: 'unknown',
};

/** formatPixelSize says the pixel size the pipeline measures with and where it came from. */
export function formatPixelSize(v: Pick<Volume, 'umPerPx' | 'pixelSizeSource'>): string {
  if (v.umPerPx === null || v.pixelSizeSource === 'NONE') return 'unknown (pixel units only)';
  return `${Number(v.umPerPx.toPrecision(4))} µm/px · ${SOURCE_WORDS[v.pixelSizeSource]}`;
}
