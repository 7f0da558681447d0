// SessionGate shows the sign-in form until `me` names someone, then its children.
import { useCallback, useEffect, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { chooseProject, errorText } from '../../graphql/client';
import type { Viewer } from '../../graphql/operations/session';
import { fetchViewer, signIn, signOut } from './session';
import { SessionContext, type SessionValue } from './session-context';

type State = { kind: 'checking' } | { kind: 'out'; error?: string } | { kind: 'in'; viewer: Viewer };

export function SessionGate({ children }: { children: ReactNode }) {
  const [state, setState] = useState<State>({ kind: 'checking' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    fetchViewer(ac.signal)
      .then((viewer) => {
        // A project remembered from another account: go back to one of this caller's.
        if (viewer && viewer.projects.length > 0 && !viewer.projects.includes(viewer.project)) {
          chooseProject(viewer.projects.includes('default') ? 'default' : viewer.projects[0]!);
          setTick((t) => t + 1);
          return;
        }
        setState(viewer ? { kind: 'in', viewer } : { kind: 'out' });
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setState({ kind: 'out', error: errorText(err) });
      });
    return () => ac.abort();
  }, [tick]);

  const out = useCallback(() => {
    void signOut().finally(() => setState({ kind: 'out' }));
  }, []);
  const value = useMemo<SessionValue | null>(
    () => (state.kind === 'in' ? { viewer: state.viewer, signOut: out } : null),
    [state, out],
  );

  if (state.kind === 'checking') {
    return (
      <div className="login" aria-busy="true">
        <p className="login__muted">Checking your session…</p>
      </div>
    );
  }
  if (state.kind === 'out' || !value) {
    return <LoginForm error={state.kind === 'out' ? state.error : undefined} onSignedIn={() => setTick((t) => t + 1)} />;
  }
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

function LoginForm({ error, onSignedIn }: { error?: string; onSignedIn(): void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>(error);
  const [sso, setSSO] = useState(false);
  useEffect(() => {
    fetch('/auth/providers')
      .then((r) => (r.ok ? (r.json() as Promise<{ oidc?: boolean }>) : Promise.resolve<{ oidc?: boolean }>({})))
      .then((p) => setSSO(Boolean(p.oidc)))
      .catch(() => setSSO(false));
  }, []);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      await signIn(email.trim(), password);
      setPassword('');
      onSignedIn();
    } catch (err) {
      setFailure(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login">
      <form className="login__card form" onSubmit={submit} aria-labelledby="login-title" data-testid="login-form">
        <h1 id="login-title" className="login__title">
          Sign in to aomas
        </h1>
        <p className="login__muted">AO-OCT Microstructure Analytics</p>
        <label>
          <span>E-mail</span>
          <input
            type="email"
            autoComplete="username"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          <span>Password</span>
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {failure && <ErrorNote className="login__error">{failure}</ErrorNote>}
        <button type="submit" className="button button--primary" disabled={busy || !email || !password}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        {sso && (
          <a className="button" href="/auth/oidc/login" data-testid="sso-login">
            Sign in with single sign-on
          </a>
        )}
      </form>
    </div>
  );
}
