import { describe, expect, it } from 'vitest';
import { csvFileName, formatCell } from './csv';

describe('csvFileName', () => {
  it('names the cohort and the day, with nothing a file system dislikes', () => {
    const day = new Date('2026-12-05T12:00:00Z');
    expect(csvFileName('cohort-a', day)).toBe('aomas-metrics-cohort-a-2026-12-05.csv');
    expect(csvFileName('../x y', day)).toBe('aomas-metrics-x-y-2026-12-05.csv');
    expect(csvFileName('  ', day)).toBe('aomas-metrics-all-2026-12-05.csv');
  });
});

describe('formatCell', () => {
  it('writes a value with its interval, or a dash when not measured', () => {
    expect(formatCell(null)).toBe('—');
    expect(formatCell({ value: 41234.5, ci95Low: 40000, ci95High: 42500 })).toBe('41,235 [40,000, 42,500]');
    expect(formatCell({ value: 3.14159, ci95Low: null, ci95High: null })).toBe('3.14');
  });
});
