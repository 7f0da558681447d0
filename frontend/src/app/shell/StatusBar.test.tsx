import { act, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { graphqlHealthSource, HealthProvider, type HealthSource } from '../../features/system';
import { HEALTH_QUERY } from '../../graphql/operations/health';
import { healthy, jsonResponse, pollingOnlySource, redisDown } from '../../test/fixtures';
import { StatusBar } from './StatusBar';

function renderStatusBar(source: HealthSource = pollingOnlySource) {
  return render(
    <HealthProvider source={source}>
      <StatusBar version="test" />
    </HealthProvider>,
  );
}

const item = (name: string) => screen.getByTestId(`status-${name}`);

describe('StatusBar', () => {
  beforeEach(() => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it('shows every service ok, from the health query', async () => {
    const fetchMock = vi.fn(async () => jsonResponse({ data: { health: healthy() } }));
    vi.stubGlobal('fetch', fetchMock);
    renderStatusBar();

    await vi.waitFor(() => expect(item('postgres')).toHaveAttribute('data-ok', 'true'));
    expect(item('redis')).toHaveAttribute('data-ok', 'true');
    expect(item('objectStorage')).toHaveAttribute('data-ok', 'true');
    expect(item('postgres')).toHaveAttribute('title', 'PostgreSQL: ok · 1.25 ms');
    expect(screen.queryByText('API unreachable')).not.toBeInTheDocument();
    expect(screen.getByTestId('status-transport')).toHaveTextContent('polling');

    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/graphql');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body as string)).toEqual({ query: HEALTH_QUERY });
    expect(HEALTH_QUERY).toContain('query Health { health { ...HealthFields } }');
    expect(HEALTH_QUERY).toContain('fragment HealthFields on Health { postgres redis objectStorage checkedAt services { name ok latencyMs error } }');
  });

  it('marks a down service red with its error in the tooltip', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => jsonResponse({ data: { health: redisDown() } })));
    renderStatusBar();

    await vi.waitFor(() => expect(item('redis')).toHaveAttribute('data-state', 'down'));
    expect(item('redis')).toHaveAttribute('data-ok', 'false');
    expect(item('redis').getAttribute('title')).toContain('connection refused');
    expect(item('postgres')).toHaveAttribute('data-ok', 'true');
    expect(item('objectStorage')).toHaveAttribute('data-ok', 'true');
  });

  it('says the API is unreachable when fetch fails', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    renderStatusBar();

    const alert = await screen.findByText('API unreachable');
    expect(alert.closest('[data-testid="status-api"]')).toHaveAttribute('title', 'API unreachable: Failed to fetch');
    for (const name of ['postgres', 'redis', 'objectStorage']) {
      expect(item(name)).toHaveAttribute('data-ok', 'false');
      expect(item(name)).toHaveAttribute('data-state', 'unknown');
    }
  });

  it('treats a non-GraphQL HTTP error (a proxy 502) as unreachable', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' })));
    renderStatusBar();
    await screen.findByText('API unreachable');
    expect(screen.getByTestId('status-api')).toHaveAttribute('title', 'HTTP 502 Bad Gateway');
  });

  it('recovers on the next poll, 5 s later', async () => {
    const fetchMock = vi
      .fn()
      .mockRejectedValueOnce(new TypeError('Failed to fetch'))
      .mockResolvedValue(jsonResponse({ data: { health: healthy() } }));
    vi.stubGlobal('fetch', fetchMock);
    renderStatusBar();

    await screen.findByText('API unreachable');
    await act(async () => {
      await vi.advanceTimersByTimeAsync(5_000);
    });
    await vi.waitFor(() => expect(item('redis')).toHaveAttribute('data-ok', 'true'));
    expect(screen.queryByText('API unreachable')).not.toBeInTheDocument();
  });

  it('prefers the healthChanged subscription and does not poll while it delivers', async () => {
    const fetchMock = vi.fn(async () => jsonResponse({ data: { health: healthy() } }));
    vi.stubGlobal('fetch', fetchMock);
    let push: (h: ReturnType<typeof healthy>) => void = () => {};
    const source: HealthSource = {
      fetchHealth: graphqlHealthSource.fetchHealth,
      subscribeHealth(everyMs, onData) {
        expect(everyMs).toBe(5_000);
        push = onData;
        return () => {};
      },
    };
    renderStatusBar(source);
    await vi.waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1)); // first paint comes from the query

    act(() => push(redisDown()));
    expect(item('redis')).toHaveAttribute('data-ok', 'false');
    expect(screen.getByTestId('status-transport')).toHaveTextContent('live');

    for (let i = 0; i < 3; i++) {
      await act(async () => {
        await vi.advanceTimersByTimeAsync(4_000);
      });
      act(() => push(healthy()));
    }
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(item('redis')).toHaveAttribute('data-ok', 'true');
  });

  it('falls back to polling when the websocket fails', async () => {
    const fetchMock = vi.fn(async () => jsonResponse({ data: { health: healthy() } }));
    vi.stubGlobal('fetch', fetchMock);
    let fail: (e: Error) => void = () => {};
    let push: (h: ReturnType<typeof healthy>) => void = () => {};
    const source: HealthSource = {
      fetchHealth: graphqlHealthSource.fetchHealth,
      subscribeHealth(_everyMs, onData, onError) {
        push = onData;
        fail = onError;
        return () => {};
      },
    };
    renderStatusBar(source);
    await vi.waitFor(() => expect(screen.getByTestId('status-transport')).toHaveTextContent('polling'));
    act(() => push(healthy()));
    expect(screen.getByTestId('status-transport')).toHaveTextContent('live');
    const before = fetchMock.mock.calls.length;

    act(() => fail(new Error('websocket closed (1006)')));
    await vi.waitFor(() => expect(fetchMock.mock.calls.length).toBeGreaterThan(before));
    await vi.waitFor(() => expect(screen.getByTestId('status-transport')).toHaveTextContent('polling'));
  });
});
