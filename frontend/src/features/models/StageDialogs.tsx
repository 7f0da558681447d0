// Promote a version to a stage (with a reason, and the canary's share), or roll a task and
// modality back to its previous production version. A refusal over failed gates lists them;
// an admin may then override them with a written reason (the server checks the role too).
import { useState, type FormEvent } from 'react';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { ModelStage, PromoteModelVersionMutation, RollbackModelMutation } from '../../graphql/generated';
import { PROMOTE_MODEL_VERSION_MUTATION, ROLLBACK_MODEL_MUTATION } from '../../graphql/operations/models';
import { failedGates, gateName, STAGES, stageLabel, type FailedGate } from './format';

/** nextStage is the stage a version usually goes to next: candidate → shadow → canary → production → archived. */
export function nextStage(stage: string): ModelStage {
  const i = STAGES.indexOf(stage as ModelStage);
  return i < 0 || i >= STAGES.length - 1 ? 'ARCHIVED' : STAGES[i + 1]!;
}

interface PromoteProps {
  version: { id: string; version: string; stage: string; modelName: string };
  /** mayOverride: the caller is an admin, who may promote over failed gates. */
  mayOverride: boolean;
  onClose(): void;
  onDone(): void;
}

export function PromoteDialog({ version, mayOverride, onClose, onDone }: PromoteProps) {
  const [stage, setStage] = useState<ModelStage>(nextStage(version.stage));
  const [reason, setReason] = useState('');
  const [percent, setPercent] = useState('10');
  const [refused, setRefused] = useState<FailedGate[] | null>(null);
  const [override, setOverride] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const pct = Number(percent);
  const percentOK = stage !== 'CANARY' || (Number.isInteger(pct) && pct >= 1 && pct <= 99);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await request<PromoteModelVersionMutation>(PROMOTE_MODEL_VERSION_MUTATION, {
        id: version.id,
        stage,
        reason: reason.trim(),
        canaryPercent: stage === 'CANARY' ? pct : null,
        override: override && refused !== null,
      });
      onDone();
    } catch (err) {
      const gates = failedGates(err);
      if (gates !== null) {
        setRefused(gates);
        setOverride(false);
      } else {
        setError(errorText(err));
      }
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Promote ${version.modelName} ${version.version}`} onClose={onClose} className="form-dialog">
      <form onSubmit={submit} className="form" data-testid="promote-dialog">
        <p className="models__muted">
          Now {stageLabel(version.stage)}. Shadow, canary and production check the gates first.
        </p>
        <label>
          Stage
          <select
            value={stage}
            onChange={(e) => {
              setStage(e.target.value as ModelStage);
              setRefused(null);
              setOverride(false);
            }}
            data-testid="promote-stage"
          >
            {STAGES.filter((s) => s !== version.stage).map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        {stage === 'CANARY' && (
          <label>
            Share of new runs (%)
            <input type="number" min={1} max={99} step={1} value={percent} onChange={(e) => setPercent(e.target.value)} data-testid="promote-percent" />
          </label>
        )}
        <label>
          Reason
          <textarea required rows={3} value={reason} onChange={(e) => setReason(e.target.value)} placeholder="why, for the production history and the audit log" data-testid="promote-reason" />
        </label>
        {refused !== null && (
          <div className="models__refused" role="alert" data-testid="failed-gates">
            <strong>Refused: {refused.length === 1 ? 'a gate failed' : `${refused.length} gates failed`}</strong>
            <ul>
              {refused.map((g) => (
                <li key={g.gate} data-gate={g.gate}>
                  <span className="models__gate-name">{gateName(g.gate)}</span>
                  {g.detail && <> — {g.detail}</>}
                </li>
              ))}
            </ul>
            {mayOverride ? (
              <label className="models__override">
                <input type="checkbox" checked={override} onChange={(e) => setOverride(e.target.checked)} data-testid="promote-override" />
                Override the failed gates (admin): the reason above is kept in the audit log
              </label>
            ) : (
              <p>Only an admin may promote over failed gates.</p>
            )}
          </div>
        )}
        {error && <ErrorNote className="form__error">{error}</ErrorNote>}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="submit"
            className="button button--primary"
            disabled={busy || !reason.trim() || !percentOK || (refused !== null && !override)}
            data-testid="promote-submit"
          >
            {refused !== null && override ? 'Override and promote' : `Promote to ${stage.toLowerCase()}`}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

interface RollbackProps {
  task: string;
  modality: string;
  /** The version in production now, which goes ARCHIVED. */
  current: string;
  onClose(): void;
  onDone(restored: string): void;
}

export function RollbackDialog({ task, modality, current, onClose, onDone }: RollbackProps) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const d = await request<RollbackModelMutation>(ROLLBACK_MODEL_MUTATION, { task, modality, reason: reason.trim() });
      onDone(d.rollbackModel.version);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Dialog title={`Roll back ${task} · ${modality}`} onClose={onClose} className="form-dialog">
      <form onSubmit={submit} className="form" data-testid="rollback-dialog">
        <p className="models__muted">
          {current} goes archived; the project's previous production version (or, with none, the model shipped with aomas) takes new runs again.
        </p>
        <label>
          Reason
          <textarea required rows={3} value={reason} onChange={(e) => setReason(e.target.value)} data-testid="rollback-reason" />
        </label>
        {error && <ErrorNote className="form__error">{error}</ErrorNote>}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !reason.trim()} data-testid="rollback-submit">
            Roll back
          </button>
        </div>
      </form>
    </Dialog>
  );
}
