import { afterEach, describe, expect, it, vi } from 'vitest';
import { GraphQLRequestError, request, wsURL } from './client';

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

async function failure(p: Promise<unknown>): Promise<GraphQLRequestError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GraphQLRequestError);
  return err as GraphQLRequestError;
}

describe('request', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('posts query and variables and resolves with data', async () => {
    const fetchMock = vi.fn(async () => json({ data: { x: 1 } }));
    vi.stubGlobal('fetch', fetchMock);
    await expect(request<{ x: number }>('query Q($a: Int) { x(a: $a) }', { a: 2 })).resolves.toEqual({ x: 1 });
    const [, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(JSON.parse(init.body as string)).toEqual({ query: 'query Q($a: Int) { x(a: $a) }', variables: { a: 2 } });
    expect(new Headers(init.headers).get('content-type')).toBe('application/json');
  });

  it('reports GraphQL errors with their code', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => json({ data: null, errors: [{ message: 'forbidden', extensions: { code: 'FORBIDDEN' } }] })),
    );
    const err = await failure(request('{ x }'));
    expect(err.kind).toBe('graphql');
    expect(err.code).toBe('FORBIDDEN');
    expect(err.message).toBe('forbidden');
  });

  it('reports a network failure as unreachable', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))));
    const err = await failure(request('{ x }'));
    expect(err.kind).toBe('network');
    expect(err.message).toBe('API unreachable');
  });

  it('reports a non-JSON HTTP error', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>', { status: 503, statusText: 'Service Unavailable' })));
    const err = await failure(request('{ x }'));
    expect(err.kind).toBe('http');
    expect(err.status).toBe(503);
  });
});

describe('wsURL', () => {
  it('follows the page scheme and host', () => {
    expect(wsURL({ protocol: 'http:', host: 'localhost:5173' })).toBe('ws://localhost:5173/graphql');
    expect(wsURL({ protocol: 'https:', host: 'aomas.example.org' })).toBe('wss://aomas.example.org/graphql');
  });
});
