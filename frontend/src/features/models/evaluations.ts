// From versions' evaluations to what the page shows: each version's latest succeeded
// evaluation, the rows of the evaluation table, the Dice per version for each modality's chart,
// and the gate policy a modality is judged by. Pure, shared with the tests.
import type { CIDatum } from './charts';
import { modalityOrder, type EstimateLike } from './format';

export interface ScoresLike {
  modality: string;
  images: number;
  sensitivity: EstimateLike;
  fdr: EstimateLike;
  dice: EstimateLike;
}

export interface EvaluationLike {
  id: string;
  status: string;
  createdAt: string;
  msPerMpx: number | null;
  dataset: { id: string; name: string };
  scores: readonly ScoresLike[];
}

/** latestSucceeded is the newest SUCCEEDED evaluation (the server lists newest first; the dates decide). */
export function latestSucceeded<E extends EvaluationLike>(evaluations: readonly E[]): E | null {
  let best: E | null = null;
  for (const e of evaluations) {
    if (e.status !== 'SUCCEEDED') continue;
    if (!best || Date.parse(e.createdAt) > Date.parse(best.createdAt)) best = e;
  }
  return best;
}

export interface EvaluationTableRow {
  versionId: string;
  version: string;
  evaluationId: string;
  dataset: string;
  modality: string;
  images: number;
  sensitivity: EstimateLike;
  fdr: EstimateLike;
  dice: EstimateLike;
  msPerMpx: number | null;
}

/**
 * evaluationTable is one row per version and modality of its latest succeeded evaluation,
 * versions in the given order, "all" first within each.
 */
export function evaluationTable(versions: readonly { id: string; version: string; evaluations: readonly EvaluationLike[] }[]): EvaluationTableRow[] {
  return versions.flatMap((v) => {
    const e = latestSucceeded(v.evaluations);
    if (!e) return [];
    return [...e.scores]
      .sort((a, b) => modalityOrder(a.modality, b.modality))
      .map((s) => ({
        versionId: v.id,
        version: v.version,
        evaluationId: e.id,
        dataset: e.dataset.name,
        modality: s.modality,
        images: s.images,
        sensitivity: s.sensitivity,
        fdr: s.fdr,
        dice: s.dice,
        msPerMpx: e.msPerMpx,
      }));
  });
}

/**
 * diceByModality gives each modality seen in the table its chart: one datum per version with an
 * evaluation (in the versions' order), null where that version's evaluation lacks the modality.
 */
export function diceByModality(rows: readonly EvaluationTableRow[]): { modality: string; data: CIDatum[] }[] {
  const versions: { id: string; label: string }[] = [];
  for (const r of rows) if (!versions.some((v) => v.id === r.versionId)) versions.push({ id: r.versionId, label: r.version });
  const modalities = [...new Set(rows.map((r) => r.modality))].sort(modalityOrder);
  return modalities.map((m) => ({
    modality: m,
    data: versions.map((v) => {
      const r = rows.find((x) => x.versionId === v.id && x.modality === m);
      return { label: v.label, value: r?.dice.value ?? null, low: r?.dice.low ?? null, high: r?.dice.high ?? null };
    }),
  }));
}

export interface PolicyLike {
  task: string;
  modality: string;
  minDice: number;
}

/**
 * policyFor is the gate policy a task's scores on modality are judged by: the modality's own,
 * else the task's "any". Scores over all modalities ("all") are judged by the model's modality.
 */
export function policyFor<P extends PolicyLike>(policies: readonly P[], task: string, modality: string, modelModality: string): P | null {
  const m = modality === 'all' ? modelModality : modality;
  return policies.find((p) => p.task === task && p.modality === m) ?? policies.find((p) => p.task === task && p.modality === 'any') ?? null;
}
