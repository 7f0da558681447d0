// A run's results as charts (hand-drawn SVG, no chart library): the distributions of its
// cells' nearest-neighbour and inter-cell distances and areas, and the cohort's cone density
// against eccentricity with this run marked. The numbers come from the API: the server bins
// the cells the metrics step measured (Run.cellDistributions), and the densities are the
// stored cone_density metrics.
import { useEffect, useState } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { CohortDensityQuery, RunDistributionsQuery } from '../../graphql/generated';
import { COHORT_DENSITY_QUERY, RUN_DISTRIBUTIONS_QUERY } from '../../graphql/operations/results';
import { formatTick } from '../../lib/ticks';
import { histogramBars, scatterLayout, type Histogram, type Plot } from './charts';

const W = 300;
const H = 150;
const PLOT: Plot = { x: 38, y: 8, width: W - 48, height: H - 40 };

function fmt(v: number): string {
  return Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3);
}

/** HistogramChart is one distribution: bars, axes in its unit, and its mean marked; of names what is counted. */
export function HistogramChart({ title, h, testId, of = 'cells' }: { title: string; h: Histogram; testId: string; of?: string }) {
  const { bars, xTicks, yTicks, meanAt } = histogramBars(h, PLOT);
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>
        {title} <span>mean {fmt(h.mean)} {h.unit} · n={h.total.toLocaleString('en')} {of}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${title} histogram, ${h.unit}`}>
        {yTicks.map((t) => (
          <g key={`y${t.value}`} className="chart__grid">
            <line x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={t.at} y2={t.at} />
            <text x={PLOT.x - 4} y={t.at + 3} textAnchor="end">
              {formatTick(t.value)}
            </text>
          </g>
        ))}
        {bars.map((b) => (
          <rect key={b.from} className="chart__bar" x={b.x + 0.5} y={b.y} width={Math.max(0, b.width - 1)} height={b.height}>
            <title>
              {fmt(b.from)}–{fmt(b.to)} {h.unit}: {b.count} {of}
            </title>
          </rect>
        ))}
        {meanAt !== null && <line className="chart__mean" x1={meanAt} x2={meanAt} y1={PLOT.y} y2={PLOT.y + PLOT.height} />}
        <line className="chart__axis" x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={PLOT.y + PLOT.height} y2={PLOT.y + PLOT.height} />
        {xTicks.map((t) => (
          <text key={`x${t.value}`} className="chart__tick" x={t.at} y={PLOT.y + PLOT.height + 12} textAnchor="middle">
            {formatTick(t.value)}
          </text>
        ))}
        <text className="chart__label" x={PLOT.x + PLOT.width / 2} y={H - 4} textAnchor="middle">
          {h.unit}
        </text>
      </svg>
    </figure>
  );
}

type Densities = CohortDensityQuery['metrics']['edges'];

/** DensityByEccentricity plots each run's cone density (95% CI) at its case's eccentricity. */
export function DensityByEccentricity({ edges, runId, total }: { edges: Densities; runId: string; total: number }) {
  const placed = edges.filter((e) => e.node.run.volume.case.eccentricityDeg !== null);
  const unit = placed[0]?.node.unit ?? 'cells/mm²';
  const { points, xTicks, yTicks } = scatterLayout(
    placed.map((e) => ({
      id: e.node.id,
      x: e.node.run.volume.case.eccentricityDeg!,
      y: e.node.value,
      yLow: e.node.ci95Low,
      yHigh: e.node.ci95High,
    })),
    PLOT,
  );
  const byId = new Map(placed.map((e) => [e.node.id, e.node]));
  return (
    <figure className="chart" data-testid="chart-density-eccentricity">
      <figcaption>
        Cone density by eccentricity{' '}
        <span>
          {placed.length} {placed.length === 1 ? 'run' : 'runs'}{total > edges.length ? ` (newest ${edges.length} of ${total})` : ''}
          {edges.length > placed.length ? ` · ${edges.length - placed.length} without an eccentricity` : ''}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Cone density (${unit}) against eccentricity (degrees)`}>
        {yTicks.map((t) => (
          <g key={`y${t.value}`} className="chart__grid">
            <line x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={t.at} y2={t.at} />
            <text x={PLOT.x - 4} y={t.at + 3} textAnchor="end">
              {formatTick(t.value)}
            </text>
          </g>
        ))}
        <line className="chart__axis" x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={PLOT.y + PLOT.height} y2={PLOT.y + PLOT.height} />
        {xTicks.map((t) => (
          <text key={`x${t.value}`} className="chart__tick" x={t.at} y={PLOT.y + PLOT.height + 12} textAnchor="middle">
            {formatTick(t.value)}
          </text>
        ))}
        {points.map((p) => {
          const m = byId.get(p.id)!;
          const mine = m.run.id === runId;
          return (
            <g key={p.id} className={mine ? 'chart__dot chart__dot--this' : 'chart__dot'} data-this-run={mine || undefined}>
              {p.cyLow !== null && p.cyHigh !== null && <line x1={p.cx} x2={p.cx} y1={p.cyLow} y2={p.cyHigh} />}
              <circle cx={p.cx} cy={p.cy} r={mine ? 4 : 2.5}>
                <title>
                  {m.run.volume.case.subject.code} {m.run.volume.case.eye} · {p.x}° · {fmt(p.y)} {unit}
                  {mine ? ' (this run)' : ''}
                </title>
              </circle>
            </g>
          );
        })}
        <text className="chart__label" x={PLOT.x + PLOT.width / 2} y={H - 4} textAnchor="middle">
          eccentricity (°) · density in {unit}
        </text>
      </svg>
    </figure>
  );
}

type Distributions = NonNullable<NonNullable<RunDistributionsQuery['run']>['cellDistributions']>;

/** RunCharts loads and draws a succeeded run's charts. */
export function RunCharts({ runId }: { runId: string }) {
  const [dist, setDist] = useState<Distributions | null | undefined>(undefined);
  const [cohort, setCohort] = useState<CohortDensityQuery['metrics'] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const ac = new AbortController();
    Promise.all([
      request<RunDistributionsQuery>(RUN_DISTRIBUTIONS_QUERY, { id: runId }, { signal: ac.signal }),
      request<CohortDensityQuery>(COHORT_DENSITY_QUERY, {}, { signal: ac.signal }),
    ])
      .then(([d, c]) => {
        setDist(d.run?.cellDistributions ?? null);
        setCohort(c.metrics);
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      });
    return () => ac.abort();
  }, [runId]);
  if (error) return <ErrorNote compact>Charts: {error}</ErrorNote>;
  if (dist === undefined) return <p className="charts__muted">Loading the charts…</p>;
  return (
    <div className="charts" data-testid="run-charts">
      {dist ? (
        <>
          <HistogramChart title="Nearest-neighbour distance" h={dist.nnd} testId="chart-nnd" />
          <HistogramChart title="Inter-cell distance" h={dist.icd} testId="chart-icd" />
          <HistogramChart title="Cell area" h={dist.area} testId="chart-area" />
        </>
      ) : (
        <p className="charts__muted">This run has no stored cone marks to chart.</p>
      )}
      {cohort && cohort.edges.length > 0 && <DensityByEccentricity edges={cohort.edges} runId={runId} total={cohort.totalCount} />}
    </div>
  );
}
