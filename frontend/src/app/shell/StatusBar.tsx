import { StatusDot } from '../../components/ui/StatusDot';
import { useSession } from '../../features/session';
import { QueueDepth } from './QueueDepth';
import { formatClock, formatLatency, serviceOf, SERVICES, useHealth } from '../../features/system';

/**
 * StatusBar is the strip along the bottom of the window: the health of each
 * backing service, how that news arrives, and when it was last checked.
 */
export function StatusBar({ version }: { version: string }) {
  const { state } = useHealth();
  const session = useSession();
  const unreachable = state.phase === 'unreachable';
  const known = state.phase === 'live' && state.health !== null;

  return (
    <footer className="statusbar" role="contentinfo" aria-label="Status bar">
      <div className="statusbar__group" aria-live="polite">
        {unreachable && (
          <span
            className="statusbar__item statusbar__item--alert"
            data-testid="status-api"
            data-ok="false"
            title={state.error ?? undefined}
          >
            <StatusDot tone="down" />
            API unreachable
          </span>
        )}
        {state.phase === 'pending' && (
          <span className="statusbar__item statusbar__item--muted" data-testid="status-api" data-ok="false">
            <StatusDot tone="pending" />
            Connecting…
          </span>
        )}
        {SERVICES.map(({ name, label }) => {
          const svc = known ? serviceOf(state.health!, name) : null;
          const tone = svc === null ? 'unknown' : svc.ok ? 'ok' : 'down';
          const title =
            svc === null
              ? `${label}: unknown${unreachable ? ' (API unreachable)' : ''}`
              : svc.ok
                ? `${label}: ok · ${formatLatency(svc.latencyMs)}`
                : `${label}: down${svc.error ? ` — ${svc.error}` : ''}`;
          return (
            <span
              key={name}
              className={`statusbar__item${svc === null ? ' statusbar__item--muted' : ''}`}
              data-testid={`status-${name}`}
              data-ok={svc?.ok ? 'true' : 'false'}
              data-state={tone}
              title={title}
              aria-label={title}
            >
              <StatusDot tone={tone} />
              {label}
            </span>
          );
        })}
      </div>
      <div className="statusbar__spacer" />
      <div className="statusbar__group">
        <QueueDepth />
        {session && (
          <span className="statusbar__item statusbar__item--muted" data-testid="status-role" title={`Signed in (${session.viewer.method})`}>
            {session.viewer.roles.join(', ') || 'no role'} in {session.viewer.project}
          </span>
        )}
        {state.transport !== null && (
          <span
            className="statusbar__item statusbar__item--muted"
            data-testid="status-transport"
            title={
              state.transport === 'subscription'
                ? 'Health is pushed over the GraphQL websocket'
                : 'The websocket is unavailable; polling /graphql every 5 s'
            }
          >
            {state.transport === 'subscription' ? 'live' : 'polling'}
          </span>
        )}
        {state.health && (
          <span className="statusbar__item statusbar__item--muted" title={`Server checked at ${state.health.checkedAt}`}>
            {unreachable ? 'last checked' : 'checked'} {formatClock(state.health.checkedAt)}
          </span>
        )}
        <span className="statusbar__item statusbar__item--muted">aomas {version}</span>
      </div>
    </footer>
  );
}
