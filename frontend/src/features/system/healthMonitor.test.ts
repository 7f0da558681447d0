import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { healthy } from '../../test/fixtures';
import { HealthMonitor, type HealthSource } from './healthMonitor';

describe('HealthMonitor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('tries the websocket again 30 s after it fails, and stops cleanly', async () => {
    const fetchHealth = vi.fn(async () => healthy());
    const ends: Array<() => void> = [];
    const onErrors: Array<(e: Error) => void> = [];
    const source: HealthSource = {
      fetchHealth,
      subscribeHealth: vi.fn((_every, _onData, onError) => {
        onErrors.push(onError);
        const end = vi.fn();
        ends.push(end);
        return end;
      }),
    };
    const m = new HealthMonitor(source, { pollMs: 5_000, resubscribeMs: 30_000 });
    m.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(m.getState()).toMatchObject({ phase: 'live', transport: 'polling' });
    expect(source.subscribeHealth).toHaveBeenCalledTimes(1);

    onErrors[0]!(new Error('closed'));
    await vi.advanceTimersByTimeAsync(29_999);
    expect(source.subscribeHealth).toHaveBeenCalledTimes(1);
    // polled at start, on the failure, and every 5 s since
    expect(fetchHealth.mock.calls.length).toBeGreaterThanOrEqual(7);
    await vi.advanceTimersByTimeAsync(1);
    expect(source.subscribeHealth).toHaveBeenCalledTimes(2);

    m.stop();
    expect(ends[1]).toHaveBeenCalled();
    const calls = fetchHealth.mock.calls.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(fetchHealth.mock.calls.length).toBe(calls);
  });
});
