import { describe, expect, it } from 'vitest';
import { GraphQLRequestError } from '../../graphql/client';
import { cardSections, failedGates, formatEstimate, formatMsPerMpx, formatNumber, gateName, humanKey, stageLabel } from './format';

describe('estimates and numbers', () => {
  it('prints a value with its 95% interval to fixed digits', () => {
    expect(formatEstimate({ value: 0.95123, low: 0.9441, high: 0.958 })).toBe('0.951 [0.944, 0.958]');
    expect(formatEstimate({ value: 0.5, low: 0.25, high: 0.75 }, 2)).toBe('0.50 [0.25, 0.75]');
    expect(formatEstimate(null)).toBe('—');
  });

  it('groups integers and keeps four significant digits of the rest', () => {
    expect(formatNumber(122321)).toBe('122,321');
    expect(formatNumber(0.9953418653546742)).toBe('0.9953');
    expect(formatNumber(0.0054497735768995175)).toBe('0.00545');
    expect(formatMsPerMpx(1234.4)).toBe('1,234 ms/Mpx');
    expect(formatMsPerMpx(42.123)).toBe('42.1 ms/Mpx');
    expect(formatMsPerMpx(null)).toBe('—');
  });

  it('names keys, gates and stages for people', () => {
    expect(humanKey('intended_use')).toBe('Intended use');
    expect(humanKey('ci95')).toBe('95% CI');
    expect(humanKey('auroc_false_vs_true')).toBe('AUROC false vs true');
    expect(humanKey('trainSubjects')).toBe('Train subjects');
    expect(gateName('min_dice')).toBe('Minimum Dice');
    expect(gateName('not_worse_than_production')).toBe('Not worse than production');
    expect(gateName('new_gate')).toBe('New gate');
    expect(stageLabel('CANARY', 25)).toBe('canary 25%');
    expect(stageLabel('PRODUCTION', null)).toBe('production');
  });
});

// The shipped cones-confocal card's shape, cut down.
const CARD = JSON.stringify({
  name: 'cones-confocal',
  version: '1.0.0',
  task: 'cones',
  modality: 'confocal',
  sha256: 'b270',
  input: { name: 'image', layout: 'NCHW', channels: 1, multiple: 8 },
  output: { name: 'heatmap', kind: 'heatmap' },
  normalisation: { method: 'zscore' },
  training: { data: 'ao-cunefare-2017-train', split: { train_subjects: ['JC_0007', 'JC_0015'] }, epochs: 24.6 },
  metrics: { validation: { dice: { value: 0.9953418653546742, ci95: [0.9942325594934681, 0.9963520767064449] }, n_images: 80 } },
  intended_use: 'Cone photoreceptor centre detection in confocal AOSLO images; research use, not diagnosis.',
  limits: ['validated on 2 held-out subjects (80 images) of one public data set', 'rods are not marked in the training data'],
  opset: 17,
});

describe('model cards', () => {
  it('lays a card out in the issue’s sections, estimates inline with their interval', () => {
    const s = cardSections(CARD);
    expect(s.map((x) => x.id)).toEqual(['inputs', 'normalisation', 'training', 'metrics', 'intended_use', 'limits', 'other']);
    const inputs = s[0]!.value!;
    expect(inputs.kind).toBe('fields');
    if (inputs.kind !== 'fields') throw new Error('fields');
    expect(inputs.fields.map((f) => f.label)).toEqual(['Input', 'Output']);
    const metrics = s[3]!.value!;
    if (metrics.kind !== 'fields') throw new Error('fields');
    const validation = metrics.fields[0]!.value;
    if (validation.kind !== 'fields') throw new Error('fields');
    expect(validation.fields[0]).toEqual({ key: 'dice', label: 'Dice', value: { kind: 'text', text: '0.9953 [0.9942, 0.9964]' } });
    expect(validation.fields[1]).toMatchObject({ label: 'Number of images', value: { kind: 'text', text: '80' } });
    // Short names stay on one line; sentences become bullets.
    const training = s[2]!.value!;
    if (training.kind !== 'fields') throw new Error('fields');
    expect(training.fields[1]!.value).toEqual({ kind: 'fields', fields: [{ key: 'train_subjects', label: 'Train subjects', value: { kind: 'text', text: 'JC_0007, JC_0015' } }] });
    expect(s[5]!.value).toEqual({ kind: 'list', items: ['validated on 2 held-out subjects (80 images) of one public data set', 'rods are not marked in the training data'] });
    // What the version row shows already (name, version, sha256...) is not repeated; the rest is "Other".
    expect(s[6]!.value).toEqual({ kind: 'fields', fields: [{ key: 'opset', label: 'Opset', value: { kind: 'text', text: '17' } }] });
  });

  it('marks the sections a card lacks, and shows text that is not JSON as it is', () => {
    const s = cardSections(JSON.stringify({ metrics: {}, limits: [] }));
    expect(s.filter((x) => x.value === null).map((x) => x.id)).toEqual(['inputs', 'normalisation', 'training', 'intended_use']);
    expect(s.find((x) => x.id === 'limits')!.value).toEqual({ kind: 'text', text: 'none' });
    expect(cardSections('a plain note')).toEqual([{ id: 'text', title: 'Card', value: { kind: 'text', text: 'a plain note' } }]);
    expect(cardSections('')).toEqual([{ id: 'text', title: 'Card', value: null }]);
  });
});

describe('failed gates of a refusal', () => {
  const conflict = (gates: unknown) =>
    new GraphQLRequestError('graphql', 'promotion refused', { errors: [{ message: 'promotion refused', extensions: { code: 'CONFLICT', gates } }] });

  it('reads the failed gate results (passed ones left out) or gate names', () => {
    expect(
      failedGates(
        conflict([
          { gate: 'min_dice', passed: false, detail: 'Dice 0.80 [0.78, 0.82] < 0.95 for confocal' },
          { gate: 'speed', passed: true, detail: '12 ms/Mpx ≤ 5000' },
        ]),
      ),
    ).toEqual([{ gate: 'min_dice', detail: 'Dice 0.80 [0.78, 0.82] < 0.95 for confocal' }]);
    expect(failedGates(conflict(['complete_card']))).toEqual([{ gate: 'complete_card', detail: '' }]);
    expect(failedGates(conflict(undefined))).toEqual([]);
  });

  it('is null for anything but a CONFLICT', () => {
    expect(failedGates(new Error('network'))).toBeNull();
    expect(failedGates(new GraphQLRequestError('graphql', 'no', { errors: [{ message: 'no', extensions: { code: 'FORBIDDEN' } }] }))).toBeNull();
  });
});
