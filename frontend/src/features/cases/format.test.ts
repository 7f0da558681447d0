import { describe, expect, it } from 'vitest';
import { formatBytes, formatDims, formatEccentricity, formatPixelSize, formatSpacing, parseTags } from './format';

describe('formats', () => {
  it('formats sizes, dims and spacing', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes('65536')).toBe('64 KiB');
    expect(formatBytes(5.5 * 1024 * 1024)).toBe('5.5 MiB');
    expect(formatDims({ z: 1, y: 256, x: 512 })).toBe('512 × 256');
    expect(formatDims({ z: 40, y: 256, x: 512 })).toBe('512 × 256 × 40');
    expect(formatSpacing({ x: 0.5, y: 0.5, z: null })).toBe('0.5 × 0.5 µm');
    expect(formatSpacing({ x: null, y: null, z: null })).toBe('unknown');
    expect(formatEccentricity(2.456)).toBe('2.46°');
    expect(formatEccentricity(null)).toBe('—');
  });

  it('parses tags', () => {
    expect(parseTags(' a, b  c,,')).toEqual(['a', 'b', 'c']);
    expect(parseTags('')).toEqual([]);
  });
});

describe('formatPixelSize', () => {
  it('says the size and its source, and never invents one', () => {
    expect(formatPixelSize({ umPerPx: 0.4746, pixelSizeSource: 'UPLOADER' })).toBe('0.4746 µm/px · stated');
    expect(formatPixelSize({ umPerPx: 0.5, pixelSizeSource: 'FILE' })).toBe('0.5 µm/px · from the file');
    expect(formatPixelSize({ umPerPx: 0.8486, pixelSizeSource: 'DEVICE' })).toBe('0.8486 µm/px · device calibration');
    expect(formatPixelSize({ umPerPx: null, pixelSizeSource: 'NONE' })).toBe('unknown (pixel units only)');
  });
});
