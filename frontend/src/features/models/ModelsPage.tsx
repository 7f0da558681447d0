// The model registry: every model with its versions (stage, gates, latest Dice), the
// evaluation table with 95% intervals and a Dice chart per modality, the production history of
// the model's task and modality as a timeline, and one version opened with its card, gates,
// shadow agreement and drift. Promote and roll back show only to callers the server would let
// (me.rootFields); the server decides in the end.
import { useCallback, useEffect, useMemo, useState, type ReactNode } from 'react';
import { DataTable } from '../../components/ui/DataTable';
import { EmptyState } from '../../components/ui/EmptyState';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { ModelsIcon } from '../../components/ui/icons';
import { errorText, GraphQLRequestError, request } from '../../graphql/client';
import type { ModelRegistryQuery, ModelsQuery, ProductionHistoryQuery } from '../../graphql/generated';
import {
  MODEL_REGISTRY_QUERY,
  MODELS_QUERY,
  PRODUCTION_HISTORY_QUERY,
  type GatePolicyRow,
  type ProductionIntervalRow,
  type RegistryModel,
  type RegistryVersion,
  type VersionReport,
} from '../../graphql/operations/models';
import { useCan, useMay } from '../session';
import { diceByModality, evaluationTable, latestSucceeded, policyFor } from './evaluations';
import { formatEstimate, formatMsPerMpx, gateName, stageLabel } from './format';
import { DiceChart, ProductionTimeline } from './RegistryCharts';
import { PromoteDialog, RollbackDialog } from './StageDialogs';
import { VersionDetail } from './VersionDetail';

interface Registry {
  reports: Map<string, VersionReport>;
  policies: GatePolicyRow[];
}

export function ModelsPage() {
  const [models, setModels] = useState<RegistryModel[] | null>(null);
  const [registry, setRegistry] = useState<Registry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [registryError, setRegistryError] = useState<string | null>(null);
  const [reload, setReload] = useState(0);
  const [open, setOpen] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    request<ModelsQuery>(MODELS_QUERY, undefined, { signal: ac.signal })
      .then((d) => setModels(d.models))
      .catch((err: unknown) => {
        if (ac.signal.aborted) return;
        setError(err instanceof GraphQLRequestError && err.code === 'FORBIDDEN' ? 'The model registry is for ML engineers, researchers and admins.' : errorText(err));
      });
    // The registry's reports separately: the list stays readable when they fail.
    request<ModelRegistryQuery>(MODEL_REGISTRY_QUERY, undefined, { signal: ac.signal })
      .then((d) => {
        setRegistry({ reports: new Map(d.models.flatMap((m) => m.versions.map((v) => [v.id, v] as const))), policies: d.gatePolicies });
        setRegistryError(null);
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setRegistryError(errorText(err));
      });
    return () => ac.abort();
  }, [reload]);

  const changed = useCallback((what: string) => {
    setNotice(what);
    setReload((n) => n + 1);
  }, []);

  if (error) return <ErrorNote>{error}</ErrorNote>;
  if (!models) return <p className="case-detail__muted">Loading…</p>;
  if (models.length === 0) {
    return (
      <EmptyState icon={<ModelsIcon size={32} />} title="No models registered yet">
        <p>Models and their versions appear here once they are registered (ONNX weights with a model card).</p>
      </EmptyState>
    );
  }
  return (
    <div className="models" data-testid="models">
      {notice && (
        <p className="models__notice" role="status" data-testid="models-notice">
          {notice}
        </p>
      )}
      {registryError && <ErrorNote compact>Registry reports: {registryError}</ErrorNote>}
      {models.map((m) => (
        <ModelSection key={m.id} model={m} registry={registry} open={open} onOpen={setOpen} onChanged={changed} reload={reload} />
      ))}
    </div>
  );
}

interface SectionProps {
  model: RegistryModel;
  registry: Registry | null;
  open: string | null;
  onOpen(id: string | null): void;
  onChanged(what: string): void;
  reload: number;
}

function ModelSection({ model, registry, open, onOpen, onChanged, reload }: SectionProps) {
  // The shipped models (no project) stay as aomas registered them: a project promotes its own.
  const shipped = model.project === null;
  const mayPromote = useMay('Mutation.promoteModelVersion') && !shipped;
  const mayRollback = useMay('Mutation.rollbackModel') && !shipped;
  const isAdmin = useCan('admin');
  const [promoting, setPromoting] = useState<RegistryVersion | null>(null);
  const [rollingBack, setRollingBack] = useState(false);

  const reports = registry?.reports;
  const withEvals = useMemo(
    () => model.versions.map((v) => ({ id: v.id, version: v.version, evaluations: reports?.get(v.id)?.evaluations ?? [] })),
    [model.versions, reports],
  );
  const rows = useMemo(() => evaluationTable(withEvals), [withEvals]);
  const charts = useMemo(() => diceByModality(rows), [rows]);
  const production = model.versions.find((v) => v.stage === 'PRODUCTION');
  const openVersion = model.versions.find((v) => v.id === open);

  return (
    <section className="models__model" data-testid="model" data-name={model.name}>
      <h2>
        {model.name} <span className="models__task">{model.task} · {model.modality}{shipped ? ' · shipped with aomas' : ''}</span>
      </h2>
      {model.description && <p className="models__muted">{model.description}</p>}
      <DataTable
        className="models__table"
        columns={['Version', 'Stage', 'Gates', { label: 'Dice (all)', num: true }, 'Registered', 'Weights (SHA-256)', '']}
        rows={model.versions}
        row={(v) => {
          const report = reports?.get(v.id);
          const failed = report?.gates.filter((g) => !g.passed) ?? [];
          const latest = report ? latestSucceeded(report.evaluations) : null;
          const all = latest?.scores.find((s) => s.modality === 'all') ?? latest?.scores[0];
          return (
            <tr key={v.id} data-testid="model-version" data-stage={v.stage} data-version={v.version} className={open === v.id ? 'models__row--open' : undefined}>
              <td>
                <code>{v.version}</code>
              </td>
              <td>
                <span className={`models__stage models__stage--${v.stage.toLowerCase()}`} data-testid="version-stage">
                  {stageLabel(v.stage, report?.canaryPercent)}
                </span>
              </td>
              <td className="models__wrap" data-testid="version-gates">
                {!report ? (
                  '—'
                ) : report.gates.length === 0 ? (
                  <span className="models__muted">not judged</span>
                ) : !latest ? (
                  // Every measured gate fails unevaluated: say that once, and what else fails.
                  <span className="models__muted" title={failed.map((g) => `${gateName(g.gate)}: ${g.detail}`).join('\n')}>
                    not evaluated{report.gates.some((g) => g.gate === 'complete_card' && !g.passed) ? ' · card incomplete' : ''}
                  </span>
                ) : failed.length === 0 ? (
                  <span className="gates__gate--pass">✓ all {report.gates.length} pass</span>
                ) : (
                  <span className="gates__gate--fail" title={failed.map((g) => `${gateName(g.gate)}: ${g.detail}`).join('\n')}>
                    ✗ {failed.map((g) => gateName(g.gate)).join(', ')}
                  </span>
                )}
              </td>
              <td className="num">{all ? formatEstimate(all.dice) : '—'}</td>
              <td>
                {new Date(v.createdAt).toLocaleDateString()}
                {report?.registeredBy ? ` · ${report.registeredBy.displayName}` : ''}
              </td>
              <td>
                <code title={v.weightsSha256}>{v.weightsSha256.slice(0, 12)}…</code>
              </td>
              <td className="models__actions">
                <button type="button" className="button button--small" onClick={() => onOpen(open === v.id ? null : v.id)} aria-expanded={open === v.id} data-testid="version-open">
                  {open === v.id ? 'Close' : 'Details'}
                </button>
                {mayPromote && (
                  <button type="button" className="button button--small" onClick={() => setPromoting(v)} data-testid="version-promote">
                    Promote…
                  </button>
                )}
              </td>
            </tr>
          );
        }}
      />
      {rows.length > 0 && (
        <section className="models__evaluation" data-testid="evaluation">
          <h3>Evaluation (latest per version, 95% bootstrap intervals)</h3>
          <DataTable
            className="models__table"
            data-testid="evaluation-table"
            columns={['Version', 'Dataset', 'Modality', { label: 'Images', num: true }, { label: 'Sensitivity', num: true }, { label: 'FDR', num: true }, { label: 'Dice', num: true }, { label: 'Speed', num: true }]}
            rows={rows}
            row={(r) => (
              <tr key={`${r.versionId}-${r.modality}`} data-version={r.version} data-modality={r.modality}>
                <td>
                  <code>{r.version}</code>
                </td>
                <td className="models__wrap">{r.dataset}</td>
                <td>{r.modality}</td>
                <td className="num">{r.images}</td>
                <td className="num">{formatEstimate(r.sensitivity)}</td>
                <td className="num">{formatEstimate(r.fdr)}</td>
                <td className="num">{formatEstimate(r.dice)}</td>
                <td className="num">{formatMsPerMpx(r.msPerMpx)}</td>
              </tr>
            )}
          />
          <div className="charts">
            {charts.map((c) => (
              <DiceChart key={c.modality} modality={c.modality} data={c.data} minDice={policyFor(registry?.policies ?? [], model.task, c.modality, model.modality)?.minDice ?? null} />
            ))}
          </div>
        </section>
      )}
      <History
        modelName={model.name}
        task={model.task}
        modality={model.modality}
        reload={reload}
        rollback={
          mayRollback && production ? (
            <button type="button" className="button button--small" onClick={() => setRollingBack(true)} data-testid="rollback">
              Roll back {production.version}…
            </button>
          ) : null
        }
      />
      {openVersion && <VersionDetail key={`${openVersion.id}-${reload}`} version={openVersion} report={reports?.get(openVersion.id)} />}
      {promoting && (
        <PromoteDialog
          version={{ id: promoting.id, version: promoting.version, stage: promoting.stage, modelName: model.name }}
          mayOverride={isAdmin}
          onClose={() => setPromoting(null)}
          onDone={() => {
            setPromoting(null);
            onChanged(`${model.name} ${promoting.version} promoted.`);
          }}
        />
      )}
      {rollingBack && production && (
        <RollbackDialog
          task={model.task}
          modality={model.modality}
          current={`${model.name} ${production.version}`}
          onClose={() => setRollingBack(false)}
          onDone={(restored) => {
            setRollingBack(false);
            onChanged(`Rolled back ${model.task} · ${model.modality}: ${restored} is in production again.`);
          }}
        />
      )}
    </section>
  );
}

/** describeInterval says who began an interval, why, and whether over failed gates. */
export function describeInterval(iv: ProductionIntervalRow): string {
  const who = iv.began.actor?.displayName ?? 'aomas';
  const failed = iv.began.gates.filter((g) => !g.passed).map((g) => gateName(g.gate));
  return `${who}: ${iv.began.reason || 'no reason given'}${iv.began.override ? ` (override of ${failed.join(', ') || 'gates'})` : ''}`;
}

/** History is the production history of the model's task and modality: other models' versions too, named so. */
function History({ modelName, task, modality, reload, rollback }: { modelName: string; task: string; modality: string; reload: number; rollback: ReactNode }) {
  const [state, setState] = useState<{ rows: ProductionIntervalRow[] | null; error: string | null; at: number }>({ rows: null, error: null, at: 0 });
  useEffect(() => {
    const ac = new AbortController();
    request<ProductionHistoryQuery>(PRODUCTION_HISTORY_QUERY, { task, modality }, { signal: ac.signal })
      .then((d) => setState({ rows: d.productionHistory, error: null, at: Date.now() }))
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setState({ rows: null, error: errorText(err), at: Date.now() });
      });
    return () => ac.abort();
  }, [task, modality, reload]);
  const intervals = useMemo(
    () =>
      (state.rows ?? []).map((iv) => ({
        versionId: iv.modelVersion.id,
        versionLabel: iv.modelVersion.model.name === modelName ? iv.modelVersion.version : `${iv.modelVersion.model.name} ${iv.modelVersion.version}`,
        stage: iv.stage,
        canaryPercent: iv.canaryPercent,
        from: iv.from,
        to: iv.to,
      })),
    [state.rows, modelName],
  );
  const rows = state.rows;
  return (
    <section className="models__history" data-testid="history">
      <h3>
        Production history · {task} · {modality} {rollback}
      </h3>
      {state.error && <ErrorNote compact>Production history: {state.error}</ErrorNote>}
      {rows && rows.length === 0 && <p className="models__muted">No version has been in production or canary yet.</p>}
      {rows && rows.length > 0 && (
        <>
          <ProductionTimeline intervals={intervals} now={state.at} describe={(i) => describeInterval(rows[i]!)} />
          <DataTable
            className="models__table"
            data-testid="history-table"
            columns={['Version', 'Stage', 'From', 'To', 'By', 'Why', 'Gates then']}
            rows={rows}
            row={(iv) => (
              <tr key={`${iv.modelVersion.id}-${iv.from}`} data-version={iv.modelVersion.version} data-stage={iv.stage}>
                <td>
                  {iv.modelVersion.model.name !== modelName && `${iv.modelVersion.model.name} `}
                  <code>{iv.modelVersion.version}</code>
                </td>
                <td>{stageLabel(iv.stage, iv.canaryPercent)}</td>
                <td>{new Date(iv.from).toLocaleString()}</td>
                <td>{iv.to ? new Date(iv.to).toLocaleString() : 'now'}</td>
                <td>{iv.began.actor?.displayName ?? 'aomas'}</td>
                <td className="models__wrap">
                  {iv.began.reason}
                  {iv.began.override && <strong className="models__alarm"> (admin override)</strong>}
                  {iv.ended && <div className="models__muted">ended: {iv.ended.reason} ({iv.ended.actor?.displayName ?? 'aomas'})</div>}
                </td>
                <td className="models__wrap">
                  {iv.began.gates.length === 0
                    ? '—'
                    : iv.began.gates.every((g) => g.passed)
                      ? `✓ all ${iv.began.gates.length}`
                      : `✗ ${iv.began.gates.filter((g) => !g.passed).map((g) => gateName(g.gate)).join(', ')}`}
                </td>
              </tr>
            )}
          />
        </>
      )}
    </section>
  );
}
