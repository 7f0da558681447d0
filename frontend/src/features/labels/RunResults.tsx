// What the pipeline measured on the volume's run, beside the viewer: each metric with its
// 95% CI, and the QC flags. Labelers see the flags only (metrics are not theirs to read).
import { useEffect, useState } from 'react';
import { errorText, request } from '../../graphql/client';
import type { RunFlagsQuery, RunResultsQuery } from '../../graphql/generated';
import { RUN_FLAGS_QUERY, RUN_RESULTS_QUERY } from '../../graphql/operations/labels';
import { useCan } from '../session';

type Results = { metrics: NonNullable<RunResultsQuery['run']>['metrics'] | null; qcFlags: NonNullable<RunFlagsQuery['run']>['qcFlags'] };

const fmt = (v: number) => (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3));

export function RunResults({ runId }: { runId: string }) {
  const metricsAllowed = useCan('admin', 'ml_engineer', 'researcher', 'tech');
  const [res, setRes] = useState<Results | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    const load = metricsAllowed
      ? request<RunResultsQuery>(RUN_RESULTS_QUERY, { id: runId }, { signal: ac.signal }).then((d) => d.run && { metrics: d.run.metrics, qcFlags: d.run.qcFlags })
      : request<RunFlagsQuery>(RUN_FLAGS_QUERY, { id: runId }, { signal: ac.signal }).then((d) => d.run && { metrics: null, qcFlags: d.run.qcFlags });
    load.then(setRes).catch((err: unknown) => {
      if (!ac.signal.aborted) setError(errorText(err));
    });
    return () => ac.abort();
  }, [runId, metricsAllowed]);

  return (
    <section className="label-panel" aria-label="Run results" data-testid="run-results">
      <h2>
        Run results <span>from the pipeline</span>
      </h2>
      {error && <p className="label-panel__problem">{error}</p>}
      {!res && !error && <p className="label-panel__save">Loading…</p>}
      {res?.metrics && (
        <table className="run-results__table">
          <tbody>
            {res.metrics
              .filter((m) => m.region === 'all' || m.region === '')
              .map((m) => (
                <tr key={`${m.name}-${m.region}`} data-testid="run-metric" data-name={m.name}>
                  <th scope="row">{m.name.replaceAll('_', ' ')}</th>
                  <td>
                    {fmt(m.value)} {m.unit}
                    {m.ci95Low !== null && m.ci95High !== null && (
                      <span className="run-results__ci">
                        {' '}
                        (95% CI {fmt(m.ci95Low)}–{fmt(m.ci95High)})
                      </span>
                    )}
                  </td>
                </tr>
              ))}
          </tbody>
        </table>
      )}
      {res && (
        <ul className="run-results__flags" data-testid="run-flags">
          {res.qcFlags.length === 0 ? (
            <li className="run-results__ok">No QC flags</li>
          ) : (
            res.qcFlags.map((f) => (
              <li key={f.code} data-severity={f.severity} title={f.message}>
                <b>{f.severity.toLowerCase()}</b> {f.code}: {f.message}
              </li>
            ))
          )}
        </ul>
      )}
    </section>
  );
}
