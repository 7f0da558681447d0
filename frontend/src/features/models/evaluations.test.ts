import { describe, expect, it } from 'vitest';
import { diceByModality, evaluationTable, latestSucceeded, policyFor, type EvaluationLike } from './evaluations';

const est = (value: number, d = 0.01) => ({ value, low: value - d, high: value + d });
const evaluation = (id: string, status: string, createdAt: string, dice: Record<string, number>): EvaluationLike => ({
  id,
  status,
  createdAt,
  msPerMpx: 120,
  dataset: { id: 'd1', name: 'cunefare-val' },
  scores: Object.entries(dice).map(([modality, v]) => ({ modality, images: 10, sensitivity: est(0.9), fdr: est(0.05), dice: est(v) })),
});

describe('evaluations', () => {
  it('picks the newest succeeded evaluation', () => {
    const evals = [
      evaluation('3', 'RUNNING', '2026-12-05T12:00:00Z', {}),
      evaluation('2', 'SUCCEEDED', '2026-12-05T11:00:00Z', { all: 0.9 }),
      evaluation('1', 'SUCCEEDED', '2026-12-05T10:00:00Z', { all: 0.8 }),
      evaluation('0', 'FAILED', '2026-12-05T13:00:00Z', {}),
    ];
    expect(latestSucceeded(evals)!.id).toBe('2');
    expect(latestSucceeded([...evals].reverse())!.id).toBe('2');
    expect(latestSucceeded([evals[0]!])).toBeNull();
  });

  it('tabulates each version’s latest scores, "all" first, and charts Dice per modality across versions', () => {
    const rows = evaluationTable([
      { id: 'a', version: '1.0.0', evaluations: [evaluation('1', 'SUCCEEDED', '2026-12-05T10:00:00Z', { confocal: 0.97, all: 0.96, 'split-detector': 0.94 })] },
      { id: 'b', version: '1.1.0', evaluations: [] },
      { id: 'c', version: '2.0.0', evaluations: [evaluation('2', 'SUCCEEDED', '2026-12-05T10:00:00Z', { all: 0.8, confocal: 0.8 })] },
    ]);
    expect(rows.map((r) => `${r.version}/${r.modality}`)).toEqual(['1.0.0/all', '1.0.0/confocal', '1.0.0/split-detector', '2.0.0/all', '2.0.0/confocal']);
    expect(rows[0]).toMatchObject({ dataset: 'cunefare-val', images: 10, msPerMpx: 120 });
    const charts = diceByModality(rows);
    expect(charts.map((c) => c.modality)).toEqual(['all', 'confocal', 'split-detector']);
    expect(charts[2]!.data).toEqual([
      { label: '1.0.0', value: 0.94, low: 0.94 - 0.01, high: 0.94 + 0.01 },
      { label: '2.0.0', value: null, low: null, high: null },
    ]);
  });

  it('judges a modality by its own policy, else the task’s "any"; "all" by the model’s modality', () => {
    const policies = [
      { task: 'cones', modality: 'confocal', minDice: 0.95 },
      { task: 'cones', modality: 'any', minDice: 0.93 },
      { task: 'capillaries', modality: 'any', minDice: 0.9 },
    ];
    expect(policyFor(policies, 'cones', 'confocal', 'any')!.minDice).toBe(0.95);
    expect(policyFor(policies, 'cones', 'split-detector', 'any')!.minDice).toBe(0.93);
    expect(policyFor(policies, 'cones', 'all', 'confocal')!.minDice).toBe(0.95);
    expect(policyFor(policies, 'capillaries', 'all', 'any')!.minDice).toBe(0.9);
    expect(policyFor(policies, 'vessels', 'all', 'any')).toBeNull();
  });
});
