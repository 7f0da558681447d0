import { DataTable } from '../../components/ui/DataTable';
import { Panel } from '../../components/ui/Panel';
import { StatusDot } from '../../components/ui/StatusDot';
import { RefreshIcon } from '../../components/ui/icons';
import { useHealth } from './health-context';
import { formatClock, formatLatency, serviceOf, SERVICES } from './services';

/** SystemPage is the system dashboard: the health of the backing services. */
export function SystemPage() {
  const { state, refresh } = useHealth();
  const live = state.phase === 'live' && state.health !== null;
  const health = live ? state.health : null;
  const down = health ? SERVICES.filter((s) => !serviceOf(health, s.name).ok).length : 0;

  let summary: { tone: 'ok' | 'down' | 'pending'; text: string };
  if (state.phase === 'pending') summary = { tone: 'pending', text: 'Contacting the API…' };
  else if (state.phase === 'unreachable') summary = { tone: 'down', text: 'The API is unreachable' };
  else if (down === 0) summary = { tone: 'ok', text: 'All services operational' };
  else summary = { tone: 'down', text: `${down} of ${SERVICES.length} services down` };

  return (
    <div className="page-grid">
      <Panel
        title="Service health"
        data-testid="health-panel"
        actions={
          <button type="button" className="button button--small" onClick={refresh} title="Check now">
            <RefreshIcon size={14} />
            Check now
          </button>
        }
      >
        <div className={`health-summary health-summary--${summary.tone}`} role="status">
          <StatusDot tone={summary.tone} />
          <span className="health-summary__text">{summary.text}</span>
          {state.phase === 'unreachable' && state.error && (
            <span className="health-summary__detail">{state.error.replace(/^API unreachable:\s*/, '')}</span>
          )}
        </div>
        <DataTable
          columns={['Service', 'State', { label: 'Latency', num: true }, 'Error']}
          rows={SERVICES}
          row={({ name, label }) => {
            const svc = health ? serviceOf(health, name) : null;
            const tone = svc === null ? 'unknown' : svc.ok ? 'ok' : 'down';
            return (
              <tr key={name} data-testid={`health-row-${name}`}>
                <th scope="row">{label}</th>
                <td>
                  <span className="state-cell">
                    <StatusDot tone={tone} />
                    {svc === null ? 'unknown' : svc.ok ? 'ok' : 'down'}
                  </span>
                </td>
                <td className="num">{svc ? formatLatency(svc.latencyMs) : '—'}</td>
                <td className="error-cell" title={svc?.error ?? undefined}>
                  {svc?.error ?? ''}
                </td>
              </tr>
            );
          }}
        />
      </Panel>

      <Panel title="Connection">
        <dl className="facts">
          <dt>Endpoint</dt>
          <dd>
            <code>/graphql</code>
          </dd>
          <dt>Updates</dt>
          <dd>
            {state.transport === 'subscription'
              ? 'pushed over websocket (healthChanged)'
              : state.transport === 'polling'
                ? 'polling every 5 s (websocket unavailable)'
                : '—'}
          </dd>
          <dt>Server checked</dt>
          <dd>{health ? formatClock(health.checkedAt) : '—'}</dd>
          <dt>Last update</dt>
          <dd>{formatClock(state.updatedAt)}</dd>
        </dl>
      </Panel>
    </div>
  );
}
