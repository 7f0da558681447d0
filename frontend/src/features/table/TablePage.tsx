// The analyst's table: one row per volume's current run, named by subject, eye,
// eccentricity and file, with every metric and its 95% interval; downloadable as CSV.
import { useCallback, useEffect, useState } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { Panel } from '../../components/ui/Panel';
import { errorText, request } from '../../graphql/client';
import type { MetricCatalogQuery, MetricTableCsvQuery, MetricTableQuery } from '../../graphql/generated';
import {
  METRIC_CATALOG_QUERY,
  METRIC_TABLE_CSV_QUERY,
  METRIC_TABLE_QUERY,
  type MetricTableData,
} from '../../graphql/operations/table';
import { csvFileName, formatCell, saveText } from './csv';
import './table.css';

const PAGE = 500;

export function TablePage() {
  const [cohort, setCohort] = useState('');
  const [applied, setApplied] = useState('');
  const [superseded, setSuperseded] = useState(false);
  const [table, setTable] = useState<MetricTableData | null>(null);
  const [units, setUnits] = useState<Record<string, { unit: string; description: string }>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const filter = useCallback(
    () => ({ ...(applied.trim() ? { cohortTag: applied.trim() } : {}), includeSuperseded: superseded }),
    [applied, superseded],
  );

  useEffect(() => {
    const ac = new AbortController();
    request<MetricTableQuery>(METRIC_TABLE_QUERY, { first: PAGE, filter: filter() }, { signal: ac.signal })
      .then((d) => {
        setTable(d.metricTable);
        setError(null);
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      });
    return () => ac.abort();
  }, [filter]);

  useEffect(() => {
    request<MetricCatalogQuery>(METRIC_CATALOG_QUERY)
      .then((d) => setUnits(Object.fromEntries(d.metricCatalog.map((m) => [m.name, { unit: m.unit, description: m.description }]))))
      .catch(() => undefined); // the table still reads without the catalogue's units
  }, []);

  const download = async () => {
    setBusy(true);
    setError(null);
    try {
      const d = await request<MetricTableCsvQuery>(METRIC_TABLE_CSV_QUERY, { filter: filter() });
      saveText(d.metricTableCsv, csvFileName(applied));
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  const names = table?.metricNames ?? [];
  return (
    <div className="table-page">
      <Panel
        title="Metrics table"
        data-testid="metric-table-panel"
        actions={
          <form
            className="table-page__filter"
            onSubmit={(e) => {
              e.preventDefault();
              setApplied(cohort);
            }}
          >
            <input
              aria-label="Cohort tag"
              placeholder="Cohort tag (all)"
              data-testid="table-cohort"
              value={cohort}
              onChange={(e) => setCohort(e.target.value)}
            />
            <button type="submit" className="button button--small" data-testid="table-apply">
              Show
            </button>
            <label className="table-page__check" title="One row per run, superseded runs too">
              <input type="checkbox" checked={superseded} onChange={(e) => setSuperseded(e.target.checked)} data-testid="table-superseded" />
              superseded runs
            </label>
            <button
              type="button"
              className="button button--small"
              data-testid="table-download"
              disabled={busy || !table || table.totalCount === 0}
              onClick={() => void download()}
            >
              Download CSV
            </button>
          </form>
        }
      >
        {error && <ErrorNote compact>{error}</ErrorNote>}
        {table && (
          <p className="table-page__count" data-testid="table-count">
            {table.totalCount} {superseded ? (table.totalCount === 1 ? 'run' : 'runs') : table.totalCount === 1 ? 'volume (its current run)' : 'volumes (their current runs)'}
            {table.totalCount > table.rows.length ? ` · showing ${table.rows.length}; the CSV has them all` : ''}
          </p>
        )}
        <div className="table-page__scroll">
          <table className="data-table metric-table" data-testid="metric-table">
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Eye</th>
                <th scope="col" className="num">
                  Ecc. (°)
                </th>
                <th scope="col">File</th>
                <th scope="col">Model</th>
                {names.map((n) => (
                  <th key={n} scope="col" className="num" title={units[n]?.description}>
                    {n}
                    {units[n]?.unit ? ` (${units[n].unit})` : ''}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {table && table.rows.length === 0 && (
                <tr>
                  <td colSpan={5 + names.length} className="data-table__empty">
                    No current runs{applied ? ` in ${applied}` : ''}.
                  </td>
                </tr>
              )}
              {table?.rows.map((r) => (
                <tr key={r.run.id} data-testid="metric-table-row">
                  <th scope="row">
                    <code>{r.subjectCode}</code>
                  </th>
                  <td>{r.eye}</td>
                  <td className="num">{r.eccentricityDeg ?? '—'}</td>
                  <td>
                    <a href={`#/viewer/${encodeURIComponent(r.run.volume.id)}`} title="Open in the viewer">
                      {r.filename || '(no name)'}
                    </a>
                  </td>
                  <td>{r.modelVersion}</td>
                  {r.values.map((v, i) => (
                    <td key={names[i]} className="num">
                      {formatCell(v)}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </div>
  );
}
