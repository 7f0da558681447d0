import { describe, expect, it } from 'vitest';
import type { RunStatus } from '../../graphql/generated';
import type { RunProgress } from '../../graphql/operations/runs';
import { ProgressLog } from './progressLog';

function ev(i: number, status: RunStatus = 'RUNNING', step = 'segment'): RunProgress {
  return { runId: 'r', step, fraction: i / 10, message: `m${i}`, status, at: `2026-01-01T00:00:0${i}Z` };
}

describe('ProgressLog', () => {
  it('keeps events in order and drops a repeat of the last one', () => {
    const log = new ProgressLog();
    expect(log.add(ev(1))).toBe(true);
    expect(log.add(ev(1))).toBe(false);
    expect(log.add(ev(2))).toBe(true);
    expect(log.events.map((e) => e.message)).toEqual(['m1', 'm2']);
    expect(log.done).toBe(false);
  });

  it('ends with the final state and accepts nothing after it', () => {
    const log = new ProgressLog();
    log.add(ev(1));
    log.add(ev(9, 'SUCCEEDED', ''));
    expect(log.done).toBe(true);
    expect(log.add(ev(3))).toBe(false);
    expect(log.last?.status).toBe('SUCCEEDED');
  });

  it('bounds what it keeps', () => {
    const log = new ProgressLog(3);
    for (let i = 0; i < 6; i++) log.add({ ...ev(1), at: String(i) });
    expect(log.events.map((e) => e.at)).toEqual(['3', '4', '5']);
  });
});
