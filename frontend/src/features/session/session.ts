// Signing in and out: POST /auth/login sets the HttpOnly session cookie and the CSRF
// cookie; POST /auth/logout ends the session. Everything else goes through GraphQL.
import { closeSubscriptions, csrfHeaders, request } from '../../graphql/client';
import type { MeQuery } from '../../graphql/generated';
import { ME_QUERY, type Viewer } from '../../graphql/operations/session';

/** fetchViewer returns who is signed in, or null. */
export async function fetchViewer(signal?: AbortSignal): Promise<Viewer | null> {
  const d = await request<MeQuery>(ME_QUERY, undefined, { signal });
  return d.me;
}

/** signIn starts a session; it rejects with the server's reason (wrong password, locked, too many tries). */
export async function signIn(email: string, password: string): Promise<void> {
  let res: Response;
  try {
    res = await fetch('/auth/login', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email, password }),
      credentials: 'same-origin',
    });
  } catch {
    throw new Error('The server cannot be reached.');
  }
  if (res.ok) return;
  let reason = `Sign-in failed (HTTP ${res.status}).`;
  try {
    const body = (await res.json()) as { error?: string };
    if (body.error) reason = body.error.charAt(0).toUpperCase() + body.error.slice(1) + '.';
  } catch {
    // keep the HTTP status
  }
  throw new Error(reason);
}

/** signOut ends the session and closes live subscriptions. */
export async function signOut(): Promise<void> {
  closeSubscriptions();
  await fetch('/auth/logout', { method: 'POST', headers: csrfHeaders(), credentials: 'same-origin' });
}
