import { useCallback, useEffect, useRef, useState } from 'react';
import { DataTable } from '../../components/ui/DataTable';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { Panel } from '../../components/ui/Panel';
import { StatusDot, type DotTone } from '../../components/ui/StatusDot';
import { errorText, GraphQLRequestError, request, subscribe } from '../../graphql/client';
import type { RunProgressSubscription, RunQuery, RunsChangedSubscription, RunsQuery, RunStatus } from '../../graphql/generated';
import {
  CANCEL_RUN,
  isFinal,
  RETRY_RUN,
  RUN_PROGRESS,
  RUN_QUERY,
  RUNS_CHANGED,
  RUNS_QUERY,
  type RunDetail,
  type RunSummary,
} from '../../graphql/operations/runs';
import { ProgressLog } from './progressLog';
import { useMay } from '../session';
import { RunCharts } from './ResultsCharts';

function tone(s: RunStatus | string): DotTone {
  if (s === 'SUCCEEDED') return 'ok';
  if (s === 'FAILED' || s === 'CANCELED') return 'down';
  if (s === 'RUNNING') return 'pending';
  return 'unknown';
}

function clock(at: string | null | undefined): string {
  return at ? new Date(at).toLocaleTimeString() : '';
}

function message(err: unknown): string {
  if (err instanceof GraphQLRequestError) return err.code ? `${err.message} (${err.code})` : err.message;
  return errorText(err);
}

/** RunsPage lists runs live (runsChanged) and monitors one run step by step (runProgress). */
export function RunsPage() {
  const [runs, setRuns] = useState<RunSummary[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const upsert = useCallback((run: RunSummary) => {
    setRuns((prev) => {
      const i = prev.findIndex((r) => r.id === run.id);
      if (i < 0) return [run, ...prev].slice(0, 200);
      const next = prev.slice();
      next[i] = run;
      return next;
    });
  }, []);

  useEffect(() => {
    let alive = true;
    request<RunsQuery>(RUNS_QUERY, { first: 50 })
      .then((d) => alive && setRuns(d.runs.edges.map((e) => e.node)))
      .catch((err) => alive && setError(message(err)));
    const stop = subscribe<RunsChangedSubscription>(RUNS_CHANGED, undefined, {
      next: (d) => upsert(d.runsChanged),
      error: (err) => alive && setError(`live updates stopped: ${message(err)}`),
    });
    return () => {
      alive = false;
      stop();
    };
  }, [upsert]);

  return (
    <div className="runs-page">
      <Panel
        title="Runs"
        data-testid="runs-panel"
        actions={
          <a className="button button--small" href="#/cases" title="Start a run from a volume's row in its case">
            Start from a case…
          </a>
        }
      >
        {error && <ErrorNote compact>{error}</ErrorNote>}
        <DataTable
          data-testid="runs-table"
          columns={['Case', 'File · detector', 'Status', 'Step', { label: 'Done', num: true }, 'Started', '']}
          rows={runs}
          empty="No runs yet. Start one from a READY volume's row in its case."
          row={(r) => (
            <tr
              key={r.id}
              data-testid={`run-row-${r.id}`}
              data-status={r.status}
              className={r.id === selected ? 'is-selected' : undefined}
              onClick={() => setSelected(r.id)}
              tabIndex={0}
              onKeyDown={(e) => e.key === 'Enter' && setSelected(r.id)}
            >
              <th scope="row" title={r.id}>
                <a href={`#/cases/${encodeURIComponent(r.volume.case.id)}`} onClick={(e) => e.stopPropagation()}>
                  <code>{r.volume.case.subject.code}</code> {r.volume.case.eye}
                </a>
              </th>
              <td data-testid="run-file" title={`${r.volume.filename} · found by ${r.detector}`}>
                {r.volume.filename || '—'}
                <br />
                <small>{r.detector}</small>
              </td>
              <td>
                <span className="state-cell">
                  <StatusDot tone={tone(r.status)} />
                  {r.status}
                  {r.status === 'SUCCEEDED' && !r.current && <span title="A later run of this volume succeeded"> (superseded)</span>}
                </span>
              </td>
              <td>{r.progress?.step ?? ''}</td>
              <td className="num">{Math.round((r.progress?.fraction ?? 0) * 100)}%</td>
              <td>{clock(r.createdAt)}</td>
              <td>
                {r.status === 'SUCCEEDED' && (
                  <a
                    className="button button--small"
                    href={`#/viewer/${encodeURIComponent(r.volume.id)}`}
                    onClick={(e) => e.stopPropagation()}
                    data-testid="run-open-viewer"
                  >
                    Open
                  </a>
                )}
              </td>
            </tr>
          )}
        />
      </Panel>
      {selected && <RunMonitor key={selected} runId={selected} />}
    </div>
  );
}

/** runName names a run for people: its case's subject code and eye, and its file. */
function runName(r: RunSummary): string {
  const c = r.volume.case;
  return `${c.subject.code} ${c.eye}${r.volume.filename ? ` · ${r.volume.filename}` : ''}`;
}

/** SegmentationLine says what found a run's cones and capillaries, and on which device. */
function SegmentationLine({ seg }: { seg: NonNullable<RunDetail['segmentation']> }) {
  const use = (u: { detector: string; choice: string; device?: string | null }) =>
    `${u.detector}${u.device ? ` on ${u.device}` : ''} (${u.choice})`;
  return (
    <p className="run-segmentation" data-testid="run-segmentation">
      <small>
        Cones: <span data-testid="cone-detector">{use(seg.cones)}</span>
        {seg.capillaries && (
          <>
            {' · '}Capillaries: <span data-testid="capillary-detector">{use(seg.capillaries)}</span>
          </>
        )}
        {seg.meanUncertainty != null && <> · mean uncertainty {seg.meanUncertainty.toFixed(3)}</>}
      </small>
    </p>
  );
}

/** RunMonitor shows one run: live progress events in order, its steps, metrics and QC flags. */
function RunMonitor({ runId }: { runId: string }) {
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [events, setEvents] = useState<readonly RunProgressSubscription['runProgress'][]>([]);
  const [error, setError] = useState<string | null>(null);
  const log = useRef(new ProgressLog());
  const withMetrics = useMay('Query.metrics');
  const pending = useRef<number | null>(null);

  const reload = useCallback(() => {
    request<RunQuery>(RUN_QUERY, { id: runId, withMetrics })
      .then((d) => setDetail(d.run))
      .catch((err) => setError(message(err)));
  }, [runId, withMetrics]);

  useEffect(() => {
    reload();
    const stop = subscribe<RunProgressSubscription>(RUN_PROGRESS, { runId }, {
      next: (d) => {
        if (!log.current.add(d.runProgress)) return;
        setEvents(log.current.events.slice());
        // Steps change with progress: refresh them, at most a few times a second,
        // and at once for the final state.
        if (isFinal(d.runProgress.status)) {
          reload();
        } else if (pending.current === null) {
          pending.current = window.setTimeout(() => {
            pending.current = null;
            reload();
          }, 250);
        }
      },
      error: (err) => setError(`progress stream stopped: ${message(err)}`),
    });
    return () => {
      stop();
      if (pending.current !== null) window.clearTimeout(pending.current);
    };
  }, [runId, reload]);

  const act = async (mutation: string) => {
    try {
      await request(mutation, { id: runId });
      log.current = new ProgressLog();
      setEvents([]);
      reload();
    } catch (e) {
      setError(message(e));
    }
  };

  const last = events.at(-1);
  const status = last?.status ?? detail?.status ?? 'QUEUED';
  const fraction = last?.fraction ?? detail?.progress?.fraction ?? 0;
  return (
    <Panel
      title={detail ? `Run of ${runName(detail)}` : `Run ${runId}`}
      data-testid="run-monitor"
      actions={
        <>
          <button type="button" className="button button--small" disabled={isFinal(status)} onClick={() => void act(CANCEL_RUN)} data-testid="cancel-run">
            Cancel
          </button>
          <button
            type="button"
            className="button button--small"
            disabled={!(status === 'FAILED' || status === 'CANCELED')}
            onClick={() => void act(RETRY_RUN)}
            data-testid="retry-run"
          >
            Retry
          </button>
        </>
      }
    >
      {error && <ErrorNote compact>{error}</ErrorNote>}
      <div className="run-progress" data-testid="run-status" data-status={status}>
        <StatusDot tone={tone(status)} />
        <strong>{status}</strong>
        <progress max={1} value={fraction} data-testid="progress-bar" data-fraction={fraction} />
        <span>{last?.message ?? ''}</span>
      </div>
      {detail?.segmentation && <SegmentationLine seg={detail.segmentation} />}
      <DataTable
        data-testid="run-steps"
        columns={['Step', 'Status', { label: 'Attempts', num: true }, 'Error']}
        rows={detail?.steps ?? []}
        row={(s) => (
          <tr key={s.name} data-testid={`step-${s.name}`} data-status={s.status}>
            <th scope="row">{s.name}</th>
            <td>
              <span className="state-cell">
                <StatusDot tone={tone(s.status)} />
                {s.status}
              </span>
            </td>
            <td className="num">{s.attempts}</td>
            <td className="error-cell">{s.error ?? ''}</td>
          </tr>
        )}
      />
      {detail?.metrics && detail.metrics.length > 0 && (
        <DataTable
          data-testid="run-metrics"
          columns={['Metric', { label: 'Value', num: true }, { label: '95% CI', num: true }]}
          rows={detail.metrics}
          row={(m) => (
            <tr key={m.name}>
              <th scope="row">{m.name}</th>
              <td className="num">
                {m.value.toPrecision(4)} {m.unit}
              </td>
              <td className="num">
                {m.ci95Low !== null && m.ci95High !== null ? `${m.ci95Low.toPrecision(4)} – ${m.ci95High.toPrecision(4)}` : ''}
              </td>
            </tr>
          )}
        />
      )}
      {withMetrics && status === 'SUCCEEDED' && <RunCharts runId={runId} />}
      {detail && detail.qcFlags.length > 0 && (
        <ul className="qc-flags" data-testid="run-qc">
          {detail.qcFlags.map((q) => (
            <li key={q.code}>
              <StatusDot tone={q.severity === 'error' ? 'down' : 'pending'} /> {q.code}: {q.message}
            </li>
          ))}
        </ul>
      )}
      <ol className="progress-events" data-testid="progress-events">
        {events.map((e, i) => (
          <li key={i} data-testid="progress-event" data-status={e.status} data-fraction={e.fraction} data-step={e.step}>
            <time>{clock(e.at)}</time> {e.step || 'run'} · {Math.round(e.fraction * 100)}% · {e.message}
          </li>
        ))}
      </ol>
    </Panel>
  );
}
