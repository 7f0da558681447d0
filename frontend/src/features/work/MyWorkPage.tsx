// "My work": what waits for the signed-in person in this project — volumes to label
// (assigned to them, or to nobody), labels returned to fix, labels to review — oldest
// first, each opening the volume in the viewer.
import { useEffect, useState } from 'react';
import { EmptyState } from '../../components/ui/EmptyState';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { WorkIcon } from '../../components/ui/icons';
import { errorText, request } from '../../graphql/client';
import type { MyWorkQuery } from '../../graphql/generated';
import { MY_WORK_QUERY, type WorkItemView } from '../../graphql/operations/work';

const KIND_TEXT: Record<WorkItemView['kind'], string> = {
  LABEL: 'Label',
  RETURNED: 'Fix returned label',
  REVIEW: 'Review',
};

function ago(at: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function what(item: WorkItemView): string {
  const l = item.label;
  if (item.kind === 'REVIEW') return `version ${l?.version ?? '?'} submitted`;
  if (item.kind === 'RETURNED') {
    const n = l?.openRegions.length ?? 0;
    return n ? `${n} region${n > 1 ? 's' : ''} returned` : 'returned with a comment';
  }
  return l ? `draft, version ${l.version}` : 'not labelled yet';
}

export function MyWorkPage() {
  const [data, setData] = useState<MyWorkQuery['myWork'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    request<MyWorkQuery>(MY_WORK_QUERY, { first: 200 }, { signal: ac.signal })
      .then((d) => setData(d.myWork))
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      });
    return () => ac.abort();
  }, [tick]);

  if (error) return <ErrorNote>{error}</ErrorNote>;
  if (!data) return <p className="case-detail__muted">Loading…</p>;
  if (data.items.length === 0) {
    return (
      <EmptyState icon={<WorkIcon size={32} />} title="Nothing waits for you">
        Volumes assigned to you, waiting for a label, returned to you or submitted for your review appear here.
      </EmptyState>
    );
  }
  return (
    <section className="my-work" aria-label="My work">
      <header className="my-work__header">
        <span data-testid="my-work-count">
          {data.totalCount} waiting{data.totalCount > data.items.length ? ` (oldest ${data.items.length} shown)` : ''}
        </span>
        <button type="button" className="button button--small" onClick={() => setTick((t) => t + 1)}>
          Refresh
        </button>
      </header>
      <table className="run-results__table my-work__table" data-testid="my-work">
        <thead>
          <tr>
            <th>To do</th>
            <th>Subject · eye</th>
            <th>State</th>
            <th>Assigned to</th>
            <th>Waiting since</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.items.map((it) => (
            <tr key={`${it.kind}-${it.volume.id}`} data-kind={it.kind} data-volume={it.volume.id}>
              <td>
                <b>{KIND_TEXT[it.kind]}</b>
              </td>
              <td>
                {it.volume.case.subject.code} · {it.volume.case.eye}
              </td>
              <td>{what(it)}</td>
              <td>{it.volume.assignee ? it.volume.assignee.displayName || 'someone' : 'anyone'}</td>
              <td>
                <time dateTime={it.since}>{ago(it.since)}</time>
              </td>
              <td>
                <a className="button button--small" href={`#/viewer/${encodeURIComponent(it.volume.id)}`}>
                  Open
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
