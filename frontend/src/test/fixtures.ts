import type { Health } from '../graphql/operations/health';
import { graphqlHealthSource, type HealthSource } from '../features/system';

export function healthy(overrides: Partial<Health> = {}): Health {
  return {
    postgres: true,
    redis: true,
    objectStorage: true,
    checkedAt: '2025-01-02T03:04:05Z',
    services: [
      { name: 'postgres', ok: true, latencyMs: 1.25, error: null },
      { name: 'redis', ok: true, latencyMs: 0.4, error: null },
      { name: 'objectStorage', ok: true, latencyMs: 12.6, error: null },
    ],
    ...overrides,
  };
}

export function redisDown(): Health {
  const h = healthy({ redis: false });
  h.services[1] = { name: 'redis', ok: false, latencyMs: 2000, error: 'dial tcp 127.0.0.1:6379: connect: connection refused' };
  return h;
}

/** jsonResponse is what the GraphQL server answers to a POST. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'Content-Type': 'application/json' },
  });
}

/**
 * pollingOnlySource queries over the real request() (so a stubbed fetch
 * answers) and has a websocket that fails at once.
 */
export const pollingOnlySource: HealthSource = {
  fetchHealth: graphqlHealthSource.fetchHealth,
  subscribeHealth(_everyMs, _onData, onError) {
    queueMicrotask(() => onError(new Error('websocket closed (1006)')));
    return () => {};
  },
};

/** staticSource answers every poll with the same health, with no websocket. */
export function staticSource(h: Health = healthy()): HealthSource {
  return {
    fetchHealth: async () => h,
    subscribeHealth: (_e, _d, onError) => {
      queueMicrotask(() => onError(new Error('no websocket in tests')));
      return () => {};
    },
  };
}
