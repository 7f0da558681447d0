// Admin: who holds which role (grant, revoke), what each role may do (a roles × coordinates
// grid; a click names or un-names a root or sensitive field for a role), and the audit log
// with filters. Non-admins are told the page is not theirs.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { DataTable } from '../../components/ui/DataTable';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, GraphQLRequestError, request } from '../../graphql/client';
import type { AccessQuery, AuditLogQuery } from '../../graphql/generated';
import {
  ACCESS_QUERY,
  AUDIT_LOG_QUERY,
  GRANT_ROLE_MUTATION,
  REVOKE_ROLE_MUTATION,
  SET_ROLE_PERMISSIONS_MUTATION,
  type AuditEntry,
  type GuardedCoordinate,
  type Role,
} from '../../graphql/operations/admin';
import { useSession } from '../session';
import { grantOf, toggled } from './grants';

type Tab = 'members' | 'roles' | 'audit';
const ROLES = ['admin', 'ml_engineer', 'researcher', 'tech', 'labeler', 'scanner'];

export function AdminPage() {
  const [tab, setTab] = useState<Tab>('members');
  const session = useSession();
  const project = session?.viewer.project ?? 'default';
  const [data, setData] = useState<AccessQuery | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const ac = new AbortController();
    request<AccessQuery>(ACCESS_QUERY, { project }, { signal: ac.signal })
      .then((d) => {
        setData(d);
        setError(null);
      })
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        setError(
          err instanceof GraphQLRequestError && err.code === 'FORBIDDEN'
            ? 'Only admins manage roles and read the audit log.'
            : errorText(err),
        );
      });
    return () => ac.abort();
  }, [project, tick]);

  return (
    <div className="admin" data-testid="admin">
      <div className="admin__tabs" role="tablist" aria-label="Admin">
        {(
          [
            ['members', 'Members'],
            ['roles', 'Roles'],
            ['audit', 'Audit log'],
          ] as const
        ).map(([id, label]) => (
          <button key={id} type="button" role="tab" aria-selected={tab === id} className={`admin__tab${tab === id ? ' is-active' : ''}`} onClick={() => setTab(id)}>
            {label}
          </button>
        ))}
      </div>
      {error && <ErrorNote>{error}</ErrorNote>}
      {!error && !data && <p className="case-detail__muted">Loading…</p>}
      {data && tab === 'members' && <Members data={data} project={project} onChanged={reload} />}
      {data && tab === 'roles' && <RoleGrid data={data} onChanged={reload} />}
      {!error && tab === 'audit' && <AuditLog />}
    </div>
  );
}

function Members({ data, project, onChanged }: { data: AccessQuery; project: string; onChanged(): void }) {
  const [email, setEmail] = useState('');
  const [role, setRole] = useState('labeler');
  const [scope, setScope] = useState(project);
  const [problem, setProblem] = useState<string | null>(null);

  async function change(mutation: string, input: { email: string; role: string; project: string }) {
    setProblem(null);
    try {
      await request(mutation, { input });
      onChanged();
    } catch (err) {
      setProblem(errorText(err));
    }
  }
  const grant = (e: FormEvent) => {
    e.preventDefault();
    void change(GRANT_ROLE_MUTATION, { email: email.trim(), role, project: scope.trim() }).then(() => setEmail(''));
  };

  return (
    <section aria-label="Members">
      <form className="admin__grant" onSubmit={grant} data-testid="grant-form">
        <input type="email" required placeholder="e-mail" aria-label="E-mail" value={email} onChange={(e) => setEmail(e.target.value)} />
        <select aria-label="Role" value={role} onChange={(e) => setRole(e.target.value)}>
          {ROLES.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <input aria-label="Project" value={scope} onChange={(e) => setScope(e.target.value)} size={10} title="A project, or * for every project" />
        <button type="submit" className="button button--small button--primary">
          Grant
        </button>
      </form>
      {problem && <ErrorNote>{problem}</ErrorNote>}
      <DataTable
        data-testid="members-table"
        columns={['Account', 'Role', 'Project', '']}
        rows={data.members}
        row={(m) => (
          <tr key={`${m.subject}-${m.role}-${m.project}`} data-testid="member-row" data-email={m.user?.email ?? ''}>
            <td>
              {m.user ? (
                <>
                  {m.user.displayName || '—'} <code>{m.user.email}</code>
                </>
              ) : (
                <code>{m.subject}</code>
              )}
            </td>
            <td>{m.role}</td>
            <td>{m.project === '*' ? 'every project' : m.project}</td>
            <td>
              {m.user?.email && (
                <button
                  type="button"
                  className="button button--small"
                  onClick={() => void change(REVOKE_ROLE_MUTATION, { email: m.user!.email!, role: m.role, project: m.project })}
                >
                  Revoke
                </button>
              )}
            </td>
          </tr>
        )}
      />
    </section>
  );
}

function RoleGrid({ data, onChanged }: { data: AccessQuery; onChanged(): void }) {
  const [problem, setProblem] = useState<string | null>(null);
  const coords = useMemo(() => data.permissions.filter((c) => c.root || c.sensitive), [data.permissions]);
  const byRole = useMemo(() => new Map<string, Role>(data.roles.map((r) => [r.name, r])), [data.roles]);

  async function toggle(role: Role, c: GuardedCoordinate) {
    setProblem(null);
    try {
      await request(SET_ROLE_PERMISSIONS_MUTATION, { role: role.name, permissions: toggled(role.permissions, c) });
      onChanged();
    } catch (err) {
      setProblem(errorText(err));
    }
  }

  return (
    <section aria-label="Roles">
      <p className="case-detail__muted">
        ✓ named for the role (click to take it away) · ◆ granted by a pattern (Type.* or *) · click — to grant. Root fields and sensitive fields;
        docs/permissions.md lists every field.
      </p>
      {problem && <ErrorNote>{problem}</ErrorNote>}
      <div className="admin__grid-wrap">
        <DataTable
          className="admin__grid"
          data-testid="role-grid"
          columns={['Coordinate', ...ROLES]}
          rows={coords}
          row={(c) => (
            <tr key={c.object} data-coordinate={c.object}>
              <td>
                <code>{c.object}</code> {c.sensitive && <span className="admin__sensitive">sensitive</span>}
              </td>
              {c.public ? (
                <td colSpan={ROLES.length} className="admin__public">
                  public: everyone, signed in or not
                </td>
              ) : (
                ROLES.map((r) => {
                const role = byRole.get(r);
                const g = role ? grantOf(role.permissions, c) : 'none';
                return (
                  <td key={r} className="admin__cell">
                    <button
                      type="button"
                      className={`admin__toggle admin__toggle--${g}`}
                      data-role={r}
                      data-grant={g}
                      disabled={!role || g === 'pattern' || r === 'admin'}
                      title={g === 'pattern' ? 'granted by a pattern' : `${g === 'named' ? 'Take' : 'Give'} ${c.action} on ${c.object} ${g === 'named' ? 'from' : 'to'} ${r}`}
                      onClick={() => role && void toggle(role, c)}
                    >
                      {g === 'named' ? '✓' : g === 'pattern' ? '◆' : '—'}
                    </button>
                  </td>
                );
                })
              )}
            </tr>
          )}
        />
      </div>
    </section>
  );
}

function AuditLog() {
  const [outcome, setOutcome] = useState('');
  const [actor, setActor] = useState('');
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [done, setDone] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const fetchPage = useCallback(
    async (before?: string) => {
      const filter: Record<string, string> = {};
      if (outcome) filter.outcome = outcome;
      if (actor.trim()) filter.actor = actor.trim();
      try {
        const d = await request<AuditLogQuery>(AUDIT_LOG_QUERY, { filter, first: 100, before: before ?? null });
        setEntries((old) => (before ? [...old, ...d.auditLog] : d.auditLog));
        setDone(d.auditLog.length < 100);
        setProblem(null);
      } catch (err) {
        setProblem(errorText(err));
      }
    },
    [outcome, actor],
  );
  useEffect(() => {
    void fetchPage();
  }, [fetchPage]);

  return (
    <section aria-label="Audit log">
      <div className="admin__grant">
        <select aria-label="Outcome" value={outcome} onChange={(e) => setOutcome(e.target.value)}>
          <option value="">every outcome</option>
          <option value="ok">ok</option>
          <option value="denied">denied</option>
          <option value="failed">failed</option>
        </select>
        <input aria-label="Actor" placeholder="actor (user:12, anonymous)" value={actor} onChange={(e) => setActor(e.target.value)} />
      </div>
      {problem && <ErrorNote>{problem}</ErrorNote>}
      <DataTable
        data-testid="audit-table"
        columns={['#', 'Time', 'Actor', 'Action', 'Object', 'Outcome', 'Why', 'From']}
        rows={entries}
        row={(e) => (
          <tr key={e.id} data-testid="audit-row" data-outcome={e.outcome}>
            <td className="num">{e.id}</td>
            <td>{new Date(e.at).toLocaleString()}</td>
            <td title={e.actor} data-testid="audit-actor">
              {e.actorEmail ?? <code>{e.actor}</code>}
            </td>
            <td>{e.action}</td>
            <td title={`${e.object} · hash ${e.hash}`} data-testid="audit-object">
              {e.target ?? <code>{e.object}</code>}
            </td>
            <td className={`admin__outcome admin__outcome--${e.outcome}`}>{e.outcome}</td>
            <td data-testid="audit-reason">{e.reason ?? ''}</td>
            <td>{e.clientAddr ?? '—'}</td>
          </tr>
        )}
      />
      {!done && entries.length > 0 && (
        <button type="button" className="button button--small" onClick={() => void fetchPage(entries[entries.length - 1]!.id)}>
          Older entries
        </button>
      )}
    </section>
  );
}
