// One version opened on the Models page: its card (laid out, not JSON), its gates, its
// evaluations, how its shadow runs agreed with production, and its drift against the reference.
import { useEffect, useState } from 'react';
import { DataTable } from '../../components/ui/DataTable';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { DriftReportQuery, ShadowReportQuery } from '../../graphql/generated';
import {
  DRIFT_REPORT_QUERY,
  SHADOW_REPORT_QUERY,
  type DriftReportData,
  type RegistryVersion,
  type ShadowReportData,
  type VersionReport,
} from '../../graphql/operations/models';
import { HistogramChart } from '../runs';
import { shadowHistogram } from './charts';
import { cardSections, formatEstimate, gateName, humanKey, type CardNode } from './format';
import { DriftChart } from './RegistryCharts';

function CardValue({ node }: { node: CardNode }) {
  if (node.kind === 'text') return <span>{node.text}</span>;
  if (node.kind === 'list') {
    return (
      <ul className="card__list">
        {node.items.map((t, i) => (
          <li key={i}>{t}</li>
        ))}
      </ul>
    );
  }
  return (
    <dl className="card__fields">
      {node.fields.map((f) => (
        <div key={f.key} className="card__field">
          <dt>{f.label}</dt>
          <dd>
            <CardValue node={f.value} />
          </dd>
        </div>
      ))}
    </dl>
  );
}

/** ModelCard shows a card's sections; a missing one says so (the complete_card gate counts them). */
export function ModelCard({ card }: { card: string }) {
  const sections = cardSections(card);
  return (
    <div className="card" data-testid="model-card">
      {sections.map((s) => (
        <section key={s.id} className="card__section" data-section={s.id}>
          <h4>{s.title}</h4>
          {s.value ? <CardValue node={s.value} /> : <p className="models__muted">not given</p>}
        </section>
      ))}
    </div>
  );
}

export function GateList({ gates }: { gates: VersionReport['gates'] }) {
  if (gates.length === 0) return <p className="models__muted">No gates judged yet (no evaluation).</p>;
  return (
    <ul className="gates" data-testid="gates">
      {gates.map((g) => (
        <li key={g.gate} className={g.passed ? 'gates__gate gates__gate--pass' : 'gates__gate gates__gate--fail'} data-gate={g.gate} data-passed={g.passed}>
          <span className="gates__mark" role="img" aria-label={g.passed ? 'passed' : 'failed'}>
            {g.passed ? '✓' : '✗'}
          </span>
          <span className="models__gate-name">{gateName(g.gate)}</span>
          <span className="gates__detail">{g.detail}</span>
        </li>
      ))}
    </ul>
  );
}

/** useReport loads one report of a version; pick is a module-level accessor, so stable. */
function useReport<Q, T>(query: string, id: string, pick: (d: Q) => T): { data: T | null; error: string | null } {
  const [state, setState] = useState<{ id: string; data: T | null; error: string | null } | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    request<Q>(query, { id }, { signal: ac.signal })
      .then((d) => setState({ id, data: pick(d), error: null }))
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setState({ id, data: null, error: errorText(err) });
      });
    return () => ac.abort();
  }, [query, id, pick]);
  return state && state.id === id ? { data: state.data, error: state.error } : { data: null, error: null };
}

const pickShadow = (d: ShadowReportQuery): ShadowReportData => d.shadowReport;
const pickDrift = (d: DriftReportQuery): DriftReportData => d.drift;

function ShadowPanel({ versionId }: { versionId: string }) {
  const { data, error } = useReport(SHADOW_REPORT_QUERY, versionId, pickShadow);
  if (error) return <ErrorNote compact>Shadow report: {error}</ErrorNote>;
  if (!data) return <p className="models__muted">Loading the shadow report…</p>;
  if (data.runs === 0) return <p className="models__muted" data-testid="shadow-empty">No run has executed this version as a shadow yet.</p>;
  const diff = data.meanCountDifference;
  return (
    <div className="charts" data-testid="shadow-report">
      <HistogramChart title="Shadow agreement with production" h={shadowHistogram(data.diceHistogram, data.meanDice?.value)} testId="chart-shadow" of="runs" />
      <dl className="models__facts">
        <dt>Runs</dt>
        <dd>{data.runs}</dd>
        <dt>Mean Dice</dt>
        <dd>{formatEstimate(data.meanDice)}</dd>
        <dt>Count difference</dt>
        <dd>{diff == null ? '—' : `${diff >= 0 ? '+' : ''}${(diff * 100).toFixed(1)}% (shadow vs production)`}</dd>
      </dl>
    </div>
  );
}

function DriftPanel({ versionId }: { versionId: string }) {
  const { data, error } = useReport(DRIFT_REPORT_QUERY, versionId, pickDrift);
  if (error) return <ErrorNote compact>Drift: {error}</ErrorNote>;
  if (!data) return <p className="models__muted">Loading the drift report…</p>;
  return (
    <div data-testid="drift-report" data-drifted={data.drifted}>
      <p className={data.drifted ? 'models__alarm' : 'models__muted'}>
        {data.runs === 0
          ? 'No runs of this version in the window yet: nothing to compare now. '
          : `${data.drifted ? 'Drift' : 'No drift'} in its last ${data.runs} runs (window ${data.windowSize}) against the reference, its evaluation dataset. `}
        KS p &lt; {data.alpha} (Bonferroni-corrected) or PSI &gt; {data.psiLimit} is drift.
      </p>
      {data.history.length > 0 ? (
        <div className="charts charts--wide">
          <DriftChart history={data.history} metric="psi" limit={data.psiLimit} />
          <DriftChart history={data.history} metric="pValue" limit={data.alpha} />
        </div>
      ) : (
        <p className="models__muted">No drift checks yet.</p>
      )}
      {data.features.length > 0 && (
        <DataTable
          className="models__table"
          data-testid="drift-features"
          columns={['Feature', 'Kind', { label: 'KS', num: true }, { label: 'p (corrected)', num: true }, { label: 'PSI', num: true }, { label: 'Reference mean', num: true }, { label: 'Window mean', num: true }, 'Verdict']}
          rows={data.features}
          row={(f) => (
            <tr key={f.feature} data-drifted={f.drifted}>
              <td>{humanKey(f.feature)}</td>
              <td>{f.kind}</td>
              <td className="num">{f.ks.toFixed(3)}</td>
              <td className="num">{f.pValue < 1e-4 ? f.pValue.toExponential(1) : f.pValue.toFixed(4)}</td>
              <td className="num">{f.psi.toFixed(3)}</td>
              <td className="num">{f.referenceMean.toPrecision(4)}</td>
              <td className="num">{f.windowMean.toPrecision(4)}</td>
              <td className={f.drifted ? 'models__alarm' : undefined}>{f.drifted ? 'drifted' : 'ok'}</td>
            </tr>
          )}
        />
      )}
    </div>
  );
}

/** VersionDetail is everything about one version below its model's table. */
export function VersionDetail({ version, report }: { version: RegistryVersion; report: VersionReport | undefined }) {
  return (
    <div className="version-detail" data-testid="version-detail" data-version={version.version}>
      <section>
        <h3>Gates for production</h3>
        {report ? <GateList gates={report.gates} /> : <p className="models__muted">—</p>}
      </section>
      <section>
        <h3>Model card</h3>
        <ModelCard card={version.card} />
      </section>
      {report && report.evaluations.length > 0 && (
        <section>
          <h3>Evaluations</h3>
          <DataTable
            className="models__table"
            columns={['Dataset', 'Status', 'Started', 'Finished', 'Note']}
            rows={report.evaluations}
            row={(e) => (
              <tr key={e.id} data-status={e.status}>
                <td>{e.dataset.name}</td>
                <td>
                  {e.status.toLowerCase()}
                  {e.status === 'RUNNING' ? ` ${Math.round(e.progress * 100)}%` : ''}
                </td>
                <td>{new Date(e.createdAt).toLocaleString()}</td>
                <td>{e.finishedAt ? new Date(e.finishedAt).toLocaleString() : '—'}</td>
                <td>{e.message}</td>
              </tr>
            )}
          />
        </section>
      )}
      <section>
        <h3>Shadow</h3>
        <ShadowPanel versionId={version.id} />
      </section>
      <section>
        <h3>Drift</h3>
        <DriftPanel versionId={version.id} />
      </section>
    </div>
  );
}
