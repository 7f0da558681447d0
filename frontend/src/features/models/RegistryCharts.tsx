// The registry's charts, hand-drawn SVG in the run charts' style: Dice with its 95% interval
// per version for one modality against the gate, a drift statistic over time against its limit,
// and the production history as a timeline. The geometry is in charts.ts and timeline.ts.
import { formatTick } from '../../lib/ticks';
import { ciLayout, driftLayout, SERIES_COLOURS, type CIDatum, type DriftHistoryPoint, type DriftMetric, type Plot } from './charts';
import { formatEstimate, humanKey, stageLabel } from './format';
import { timelineLayout, type TimelineInterval } from './timeline';

const W = 300;
const H = 160;
const PLOT: Plot = { x: 38, y: 10, width: W - 48, height: H - 44 };

/** DiceChart is one modality's Dice (95% CI) per version, with the gate's minimum as a dashed line. */
export function DiceChart({ modality, data, minDice }: { modality: string; data: readonly CIDatum[]; minDice: number | null }) {
  const { points, yTicks, thresholdAt } = ciLayout(data, PLOT, { threshold: minDice });
  return (
    <figure className="chart" data-testid="chart-dice" data-modality={modality}>
      <figcaption>
        Dice · {modality === 'all' ? 'all modalities' : modality}{' '}
        <span>95% CI{minDice !== null ? ` · gate ≥ ${minDice}` : ''}</span>
      </figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`Dice with 95% intervals per version, ${modality}`}>
        {yTicks.map((t) => (
          <g key={`y${t.value}`} className="chart__grid">
            <line x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={t.at} y2={t.at} />
            <text x={PLOT.x - 4} y={t.at + 3} textAnchor="end">
              {+t.value.toPrecision(4)}
            </text>
          </g>
        ))}
        {thresholdAt !== null && (
          <g className="chart__limit">
            <line x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={thresholdAt} y2={thresholdAt} />
            <text x={PLOT.x + PLOT.width} y={thresholdAt - 3} textAnchor="end">
              gate
            </text>
          </g>
        )}
        <line className="chart__axis" x1={PLOT.x} x2={PLOT.x + PLOT.width} y1={PLOT.y + PLOT.height} y2={PLOT.y + PLOT.height} />
        {points.map((p) => (
          <g key={p.label} className={minDice !== null && p.value !== null && p.value < minDice ? 'chart__ci chart__ci--below' : 'chart__ci'}>
            {p.cyLow !== null && p.cyHigh !== null && (
              <>
                <line x1={p.cx} x2={p.cx} y1={p.cyLow} y2={p.cyHigh} />
                <line x1={p.cx - 4} x2={p.cx + 4} y1={p.cyLow} y2={p.cyLow} />
                <line x1={p.cx - 4} x2={p.cx + 4} y1={p.cyHigh} y2={p.cyHigh} />
              </>
            )}
            {p.cy !== null && (
              <circle cx={p.cx} cy={p.cy} r={3.5}>
                <title>
                  {p.label}: Dice {formatEstimate(p.value === null ? null : { value: p.value, low: p.low ?? p.value, high: p.high ?? p.value })}
                </title>
              </circle>
            )}
            <text className="chart__tick" x={p.cx} y={PLOT.y + PLOT.height + 12} textAnchor="middle">
              {p.label}
            </text>
            {p.value === null && (
              <text className="chart__tick" x={p.cx} y={PLOT.y + PLOT.height / 2} textAnchor="middle">
                not evaluated
              </text>
            )}
          </g>
        ))}
        <text className="chart__label" x={PLOT.x + PLOT.width / 2} y={H - 4} textAnchor="middle">
          version
        </text>
      </svg>
    </figure>
  );
}

const DW = 420;
const DH = 180;
const DPLOT: Plot = { x: 40, y: 10, width: DW - 52, height: DH - 40 };

/** DriftChart is one statistic of every feature over the drift checks, with its limit dashed. */
export function DriftChart({ history, metric, limit }: { history: readonly DriftHistoryPoint[]; metric: DriftMetric; limit: number }) {
  const { series, limitAt, yTicks, xTicks } = driftLayout(history, metric, limit, DPLOT);
  const title = metric === 'psi' ? 'PSI' : 'KS p-value (Bonferroni)';
  return (
    <figure className="chart chart--wide" data-testid={`chart-drift-${metric}`}>
      <figcaption>
        Drift · {title}{' '}
        <span>
          {history.length} {history.length === 1 ? 'check' : 'checks'} · drift {metric === 'psi' ? `above ${limit}` : `below ${limit}`}
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${DW} ${DH}`} role="img" aria-label={`${title} of each feature over time, limit ${limit}`}>
        {yTicks.map((t) => (
          <g key={`y${t.value}`} className="chart__grid">
            <line x1={DPLOT.x} x2={DPLOT.x + DPLOT.width} y1={t.at} y2={t.at} />
            <text x={DPLOT.x - 4} y={t.at + 3} textAnchor="end">
              {t.label ?? formatTick(t.value)}
            </text>
          </g>
        ))}
        <g className="chart__limit">
          <line x1={DPLOT.x} x2={DPLOT.x + DPLOT.width} y1={limitAt} y2={limitAt} />
          {/* Beyond the limit is above it for PSI and below it for p: the label sits on the drifted side. */}
          <text x={DPLOT.x + DPLOT.width} y={metric === 'psi' ? limitAt - 3 : limitAt + 10} textAnchor="end">
            limit {limit}
          </text>
        </g>
        <line className="chart__axis" x1={DPLOT.x} x2={DPLOT.x + DPLOT.width} y1={DPLOT.y + DPLOT.height} y2={DPLOT.y + DPLOT.height} />
        {xTicks.map((t) => (
          <text key={`x${t.value}`} className="chart__tick" x={t.at} y={DPLOT.y + DPLOT.height + 12} textAnchor="middle">
            {t.label}
          </text>
        ))}
        {series.map((s, i) => (
          <g key={s.feature} className="chart__series" style={{ color: SERIES_COLOURS[i % SERIES_COLOURS.length] }}>
            <path d={s.path} />
            {s.points.map((p) => (
              <circle key={p.at} cx={p.cx} cy={p.cy} r={p.drifted ? 3.5 : 2} className={p.drifted ? 'chart__point--drifted' : undefined}>
                <title>
                  {s.feature} · {new Date(p.at).toISOString().slice(0, 16).replace('T', ' ')} UTC · {metric === 'psi' ? 'PSI' : 'p'}{' '}
                  {p.value.toPrecision(3)}
                  {p.drifted ? ' · drifted' : ''}
                </title>
              </circle>
            ))}
          </g>
        ))}
        <text className="chart__label" x={DPLOT.x + DPLOT.width / 2} y={DH - 4} textAnchor="middle">
          time (UTC){metric === 'pValue' ? ' · log scale' : ''}
        </text>
      </svg>
      <ul className="chart__legend">
        {series.map((s, i) => (
          <li key={s.feature} style={{ color: SERIES_COLOURS[i % SERIES_COLOURS.length] }}>
            <span>{humanKey(s.feature)}</span>
          </li>
        ))}
      </ul>
    </figure>
  );
}

const TW = 1000;
const TPLOT: Plot = { x: 170, y: 6, width: TW - 200, height: 0 };
const LANE_CHARS = 28;

/** ProductionTimeline draws each version's PRODUCTION and CANARY intervals on its own lane. */
export function ProductionTimeline({ intervals, now, describe }: { intervals: readonly TimelineInterval[]; now: number; describe(i: number): string }) {
  const { lanes, bars, xTicks, height } = timelineLayout(intervals, now, TPLOT);
  const h = TPLOT.y + height + 30;
  return (
    <figure className="chart chart--timeline" data-testid="production-timeline">
      <figcaption>
        Production history{' '}
        <span>
          {intervals.length} {intervals.length === 1 ? 'interval' : 'intervals'} · <i className="timeline__key timeline__key--production" /> production{' '}
          <i className="timeline__key timeline__key--canary" /> canary
        </span>
      </figcaption>
      <svg viewBox={`0 0 ${TW} ${h}`} role="img" aria-label="Which version was in production or canary when">
        {lanes.map((l) => (
          <g key={l.versionId} className="chart__grid">
            <line x1={TPLOT.x} x2={TPLOT.x + TPLOT.width} y1={l.y} y2={l.y} />
            <text x={TPLOT.x - 8} y={l.y + 4} textAnchor="end" className="timeline__lane">
              {l.label.length > LANE_CHARS ? `…${l.label.slice(-LANE_CHARS + 1)}` : l.label}
              <title>{l.label}</title>
            </text>
          </g>
        ))}
        {bars.map((b) => (
          <rect
            key={`${b.interval.versionId}-${b.interval.from}`}
            className={`timeline__bar timeline__bar--${b.interval.stage.toLowerCase()}${b.open ? ' timeline__bar--open' : ''}`}
            x={b.x}
            y={b.y}
            width={b.width}
            height={b.height}
            rx={2}
            data-stage={b.interval.stage}
          >
            <title>
              {b.interval.versionLabel} {stageLabel(b.interval.stage, b.interval.canaryPercent)} · {describe(intervals.indexOf(b.interval))}
            </title>
          </rect>
        ))}
        <line className="chart__axis" x1={TPLOT.x} x2={TPLOT.x + TPLOT.width} y1={TPLOT.y + height + 2} y2={TPLOT.y + height + 2} />
        <line className="timeline__now" x1={TPLOT.x + TPLOT.width} x2={TPLOT.x + TPLOT.width} y1={TPLOT.y} y2={TPLOT.y + height + 2} />
        {xTicks.map((t, i) => (
          <text
            key={`x${t.value}`}
            className="chart__tick"
            x={t.at}
            y={TPLOT.y + height + 16}
            textAnchor={xTicks.length > 1 && i === xTicks.length - 1 ? 'end' : xTicks.length > 1 && i === 0 ? 'start' : 'middle'}
          >
            {t.label}
            {xTicks.length > 1 && i === xTicks.length - 1 ? ' (now)' : ''}
          </text>
        ))}
        <text className="chart__label" x={TPLOT.x + TPLOT.width / 2} y={h - 2} textAnchor="middle">
          time (UTC)
        </text>
      </svg>
    </figure>
  );
}
