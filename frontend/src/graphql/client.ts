// The GraphQL client: queries and mutations as POST JSON to /graphql on the
// same origin, subscriptions over graphql-transport-ws (graphql-ws) on the
// same path. Operations live beside this file in operations/.
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';

export const GRAPHQL_PATH = '/graphql';

/** The cookie the server sets beside the session cookie, echoed in CSRF_HEADER. */
export const CSRF_COOKIE = 'aomas_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';

/** errorText is what a caught error says, for showing it. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** PROJECT_KEY is where the chosen project is kept (localStorage). */
export const PROJECT_KEY = 'aomas.project';

/** currentProject is the project requests act in; null leaves it to the server (default). */
export function currentProject(): string | null {
  try {
    return window.localStorage.getItem(PROJECT_KEY);
  } catch {
    return null;
  }
}

/** chooseProject switches every later request (and subscription) to project. */
export function chooseProject(project: string): void {
  window.localStorage.setItem(PROJECT_KEY, project);
}

/** projectHeaders names the chosen project for the server. */
export function projectHeaders(): Record<string, string> {
  const p = currentProject();
  return p ? { 'X-Aomas-Project': p } : {};
}

/** csrfHeaders returns the session's CSRF header, which every POST must carry. */
export function csrfHeaders(): Record<string, string> {
  const m = document.cookie.match(/(?:^|;\s*)aomas_csrf=([^;]+)/);
  return m?.[1] ? { [CSRF_HEADER]: decodeURIComponent(m[1]) } : {};
}

/** One entry of a GraphQL response's `errors` list. */
export interface GraphQLErrorEntry {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string } & Record<string, unknown>;
}

export type Variables = Record<string, unknown>;

/** Why a request failed: the network, the HTTP layer, or GraphQL itself. */
export type GraphQLFailureKind = 'network' | 'http' | 'graphql';

/** GraphQLRequestError is thrown by request() and passed to subscribe() error handlers. */
export class GraphQLRequestError extends Error {
  readonly kind: GraphQLFailureKind;
  readonly status: number | undefined;
  readonly errors: readonly GraphQLErrorEntry[];

  constructor(
    kind: GraphQLFailureKind,
    message: string,
    opts: { status?: number; errors?: readonly GraphQLErrorEntry[]; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'GraphQLRequestError';
    this.kind = kind;
    this.status = opts.status;
    this.errors = opts.errors ?? [];
  }

  /** code is the first error's `extensions.code` (NOT_FOUND, FORBIDDEN, ...), if any. */
  get code(): string | undefined {
    return this.errors[0]?.extensions?.code;
  }
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: GraphQLErrorEntry[];
}

function graphqlError(errors: readonly GraphQLErrorEntry[], status?: number): GraphQLRequestError {
  const message = errors.map((e) => e.message).join('; ') || 'GraphQL error';
  return new GraphQLRequestError('graphql', message, { errors, status });
}

/**
 * request sends one query or mutation and resolves with its `data`.
 * It rejects with a GraphQLRequestError when the server cannot be reached,
 * answers with a non-GraphQL HTTP error, or returns any GraphQL error.
 */
export async function request<T, V extends Variables = Variables>(
  query: string,
  variables?: V,
  opts: { signal?: AbortSignal } = {},
): Promise<T> {
  let res: Response;
  try {
    res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'application/graphql-response+json, application/json',
        ...csrfHeaders(),
        ...projectHeaders(),
      },
      body: JSON.stringify(variables === undefined ? { query } : { query, variables }),
      credentials: 'same-origin',
      signal: opts.signal,
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new GraphQLRequestError('network', 'API unreachable', { cause: err });
  }

  const contentType = res.headers.get('content-type') ?? '';
  if (!contentType.includes('json')) {
    throw new GraphQLRequestError('http', `HTTP ${res.status} ${res.statusText}`.trim(), {
      status: res.status,
    });
  }
  let body: GraphQLResponse<T>;
  try {
    body = (await res.json()) as GraphQLResponse<T>;
  } catch (err) {
    throw new GraphQLRequestError('http', `HTTP ${res.status}: malformed JSON`, {
      status: res.status,
      cause: err,
    });
  }
  if (body.errors && body.errors.length > 0) throw graphqlError(body.errors, res.status);
  if (!res.ok) {
    throw new GraphQLRequestError('http', `HTTP ${res.status} ${res.statusText}`.trim(), {
      status: res.status,
    });
  }
  if (body.data === undefined || body.data === null) {
    throw new GraphQLRequestError('graphql', 'response has no data', { status: res.status });
  }
  return body.data;
}

/** wsURL is the graphql-transport-ws endpoint for a page served from `loc`. */
export function wsURL(loc: Pick<Location, 'protocol' | 'host'> = window.location): string {
  const scheme = loc.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${loc.host}${GRAPHQL_PATH}`;
}

let wsClient: Client | null = null;

function getWsClient(): Client {
  if (wsClient === null) {
    wsClient = createClient({
      url: wsURL(),
      lazy: true, // connect on the first subscription, close when none is left
      lazyCloseTimeout: 3_000,
      keepAlive: 15_000,
      // Callers fall back (e.g. to polling) on error, so give up quickly.
      retryAttempts: 2,
      // Browsers cannot set headers on a websocket: the project travels in connection_init.
      connectionParams: () => {
        const project = currentProject();
        return project ? { project } : {};
      },
    });
  }
  return wsClient;
}

/** closeSubscriptions closes the shared websocket (e.g. on sign-out). */
export function closeSubscriptions(): void {
  if (wsClient !== null) {
    void wsClient.dispose();
    wsClient = null;
  }
}

export interface SubscriptionHandlers<T> {
  next(data: T): void;
  error(err: GraphQLRequestError): void;
  complete?(): void;
}

function describeSocketError(err: unknown): GraphQLRequestError {
  if (Array.isArray(err)) return graphqlError(err as GraphQLErrorEntry[]);
  if (err instanceof Error) {
    return new GraphQLRequestError('network', err.message || 'websocket error', { cause: err });
  }
  // A CloseEvent (or something shaped like one).
  const ev = err as { code?: number; reason?: string } | null;
  const detail =
    ev && typeof ev.code === 'number'
      ? `websocket closed (${ev.code}${ev.reason ? `: ${ev.reason}` : ''})`
      : 'websocket error';
  return new GraphQLRequestError('network', detail, { cause: err });
}

/**
 * subscribe starts a GraphQL subscription over the shared websocket and
 * returns a function that ends it. `error` is called at most once, after
 * which no more events arrive.
 */
export function subscribe<T, V extends Variables = Variables>(
  query: string,
  variables: V | undefined,
  handlers: SubscriptionHandlers<T>,
): () => void {
  let done = false;
  const unsubscribe = getWsClient().subscribe<T>(
    variables === undefined ? { query } : { query, variables },
    {
      next(result: ExecutionResult<T>) {
        if (done) return;
        if (result.errors && result.errors.length > 0) {
          done = true;
          handlers.error(graphqlError(result.errors as unknown as readonly GraphQLErrorEntry[]));
          unsubscribe();
          return;
        }
        if (result.data !== undefined && result.data !== null) handlers.next(result.data);
      },
      error(err: unknown) {
        if (done) return;
        done = true;
        handlers.error(describeSocketError(err));
      },
      complete() {
        if (done) return;
        done = true;
        handlers.complete?.();
      },
    },
  );
  return () => {
    done = true;
    unsubscribe();
  };
}
