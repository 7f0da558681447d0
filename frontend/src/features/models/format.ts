// Display formats for the registry: estimates with their 95% intervals, model cards laid out
// as sections (never raw JSON), and the failed gates a refused promotion names. Pure.
import { GraphQLRequestError } from '../../graphql/client';

export interface EstimateLike {
  value: number;
  low: number;
  high: number;
}

/** formatEstimate prints a value with its interval: "0.951 [0.944, 0.958]". */
export function formatEstimate(e: EstimateLike | null | undefined, digits = 3): string {
  if (!e) return '—';
  return `${e.value.toFixed(digits)} [${e.low.toFixed(digits)}, ${e.high.toFixed(digits)}]`;
}

/** formatNumber prints a card's number: integers grouped, others to 4 significant digits. */
export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return v.toLocaleString('en');
  return `${+v.toPrecision(4)}`;
}

/** formatMs prints a speed in milliseconds per megapixel. */
export function formatMsPerMpx(v: number | null | undefined): string {
  if (v == null) return '—';
  return `${v >= 100 ? Math.round(v).toLocaleString('en') : v.toPrecision(3)} ms/Mpx`;
}

const WORDS: Record<string, string> = {
  ci95: '95% CI',
  fdr: 'FDR',
  auroc: 'AUROC',
  tta: 'TTA',
  snr: 'SNR',
  psf: 'PSF',
  nn: 'NN',
  f1: 'F1',
  bce: 'BCE',
  mpx: 'Mpx',
  um: 'µm',
  onnx: 'ONNX',
  n: 'number of',
};

/** humanKey turns a card key into a label: intended_use → "Intended use", ci95 → "95% CI". */
export function humanKey(key: string): string {
  const words = key
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .split(/[_\s-]+/)
    .filter(Boolean)
    .map((w) => WORDS[w.toLowerCase()] ?? w.toLowerCase());
  const s = words.join(' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** CardNode is a card value laid out for display: text, a bulleted list, or labelled fields. */
export type CardNode =
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'fields'; fields: { key: string; label: string; value: CardNode }[] };

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** estimateText reads the card's forms of an estimate: {value, ci95: [lo, hi]} or {value, low, high}. */
function estimateText(v: Record<string, unknown>): string | null {
  if (typeof v.value !== 'number') return null;
  const ci = v.ci95;
  if (Array.isArray(ci) && ci.length === 2 && ci.every((x) => typeof x === 'number')) {
    return `${formatNumber(v.value)} [${formatNumber(ci[0] as number)}, ${formatNumber(ci[1] as number)}]`;
  }
  if (typeof v.low === 'number' && typeof v.high === 'number') {
    return `${formatNumber(v.value)} [${formatNumber(v.low)}, ${formatNumber(v.high)}]`;
  }
  return null;
}

function scalarText(v: unknown): string {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return String(v);
}

/** cardNode lays out any card value: estimates inline with their interval, prose lists as bullets. */
export function cardNode(v: unknown): CardNode {
  if (Array.isArray(v)) {
    if (v.length === 0) return { kind: 'text', text: 'none' };
    if (v.every((x) => !isRecord(x) && !Array.isArray(x))) {
      const items = v.map(scalarText);
      // Sentences read better one a line; short names and numbers stay on one line.
      return items.some((s) => s.length > 40) ? { kind: 'list', items } : { kind: 'text', text: items.join(', ') };
    }
    return { kind: 'fields', fields: v.map((x, i) => ({ key: String(i), label: String(i + 1), value: cardNode(x) })) };
  }
  if (isRecord(v)) {
    const est = estimateText(v);
    if (est !== null && Object.keys(v).every((k) => ['value', 'ci95', 'low', 'high'].includes(k))) return { kind: 'text', text: est };
    return { kind: 'fields', fields: Object.entries(v).map(([k, x]) => ({ key: k, label: humanKey(k), value: cardNode(x) })) };
  }
  return { kind: 'text', text: scalarText(v) };
}

/** CardSection is one part of a model card as the page shows it; value null when the card lacks it. */
export interface CardSection {
  id: string;
  title: string;
  value: CardNode | null;
}

/** The card's parts the issue asks for, each with the keys a card may use for it. */
const SECTIONS: { id: string; title: string; keys: string[] }[] = [
  { id: 'inputs', title: 'Inputs and outputs', keys: ['input', 'inputs', 'output', 'outputs'] },
  { id: 'normalisation', title: 'Normalisation', keys: ['normalisation', 'normalization', 'postprocess', 'post_processing'] },
  { id: 'training', title: 'Training data', keys: ['training', 'training_data'] },
  { id: 'metrics', title: 'Metrics', keys: ['metrics'] },
  { id: 'intended_use', title: 'Intended use', keys: ['intended_use', 'intendedUse'] },
  { id: 'limits', title: 'Limits', keys: ['limits', 'limitations'] },
];

/** Keys the page shows elsewhere (the version's row), left out of "Other". */
const SHOWN_ELSEWHERE = new Set(['name', 'version', 'task', 'modality', 'sha256']);

/**
 * cardSections parses a card (JSON) into the sections inputs, normalisation, training data,
 * metrics, intended use and limits, plus "Other" for the rest. Where a section uses several keys
 * (input and output) each becomes a labelled field. A card that is not a JSON object is one text.
 */
export function cardSections(card: string): CardSection[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(card);
  } catch {
    return [{ id: 'text', title: 'Card', value: card.trim() ? { kind: 'text', text: card } : null }];
  }
  if (!isRecord(parsed)) return [{ id: 'text', title: 'Card', value: cardNode(parsed) }];
  const used = new Set<string>(SHOWN_ELSEWHERE);
  const out: CardSection[] = SECTIONS.map((s) => {
    const present = s.keys.filter((k) => parsed[k] !== undefined && parsed[k] !== null && parsed[k] !== '');
    present.forEach((k) => used.add(k));
    s.keys.forEach((k) => used.add(k));
    if (present.length === 0) return { id: s.id, title: s.title, value: null };
    if (present.length === 1) return { id: s.id, title: s.title, value: cardNode(parsed[present[0]!]) };
    return {
      id: s.id,
      title: s.title,
      value: { kind: 'fields', fields: present.map((k) => ({ key: k, label: humanKey(k), value: cardNode(parsed[k]) })) },
    };
  });
  const rest = Object.keys(parsed).filter((k) => !used.has(k));
  if (rest.length > 0) {
    out.push({
      id: 'other',
      title: 'Other',
      value: { kind: 'fields', fields: rest.map((k) => ({ key: k, label: humanKey(k), value: cardNode(parsed[k]) })) },
    });
  }
  return out;
}

/** FailedGate is one gate a refused promotion names. */
export interface FailedGate {
  gate: string;
  detail: string;
}

/**
 * failedGates reads the gates a CONFLICT names (extensions.gates: gate results or names);
 * null when err is not such a refusal.
 */
export function failedGates(err: unknown): FailedGate[] | null {
  if (!(err instanceof GraphQLRequestError) || err.code !== 'CONFLICT') return null;
  const raw = err.errors[0]?.extensions?.gates;
  if (!Array.isArray(raw)) return [];
  const out: FailedGate[] = [];
  for (const g of raw) {
    if (typeof g === 'string') out.push({ gate: g, detail: '' });
    else if (isRecord(g) && g.passed !== true) out.push({ gate: String(g.gate ?? g.name ?? '?'), detail: typeof g.detail === 'string' ? g.detail : '' });
  }
  return out;
}

const GATE_NAMES: Record<string, string> = {
  min_dice: 'Minimum Dice',
  not_worse_than_production: 'Not worse than production',
  complete_card: 'Complete card',
  speed: 'Speed',
};

/** gateName names a gate for people: min_dice → "Minimum Dice"; unknown gates are humanised. */
export function gateName(gate: string): string {
  return GATE_NAMES[gate] ?? humanKey(gate);
}

/** STAGES in their order of promotion. */
export const STAGES = ['CANDIDATE', 'SHADOW', 'CANARY', 'PRODUCTION', 'ARCHIVED'] as const;

/** stageLabel is a stage as the page prints it: "canary 25%". */
export function stageLabel(stage: string, canaryPercent?: number | null): string {
  const s = stage.toLowerCase();
  return stage === 'CANARY' && canaryPercent != null ? `${s} ${canaryPercent}%` : s;
}

/** MODALITY_ORDER puts "all" first, then the named modalities. */
export function modalityOrder(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'all') return -1;
  if (b === 'all') return 1;
  return a.localeCompare(b);
}
