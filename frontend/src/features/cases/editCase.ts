// The change a case edit form asks for: only the fields that differ from the case, with
// an emptied eccentricity or date sent as "clear" rather than as a value.
import type { UpdateCaseInput, Eye } from '../../graphql/generated';
import { parseTags } from './format';

export interface CaseFields {
  subjectCode: string;
  eye: Eye;
  eccentricityDeg: number | null;
  acquiredOn: string | null;
  tags: string[];
}

export interface CaseForm {
  subjectCode: string;
  eye: Eye;
  eccentricity: string;
  acquiredOn: string;
  tags: string;
}

/** formOf fills the form from the case as it is. */
export function formOf(c: CaseFields): CaseForm {
  return {
    subjectCode: c.subjectCode,
    eye: c.eye,
    eccentricity: c.eccentricityDeg === null ? '' : String(c.eccentricityDeg),
    acquiredOn: c.acquiredOn ?? '',
    tags: c.tags.join(', '),
  };
}

/**
 * caseChange returns the UpdateCaseInput for what the form changed, null when nothing did,
 * or an error message for a value the server would refuse anyway.
 */
export function caseChange(c: CaseFields, f: CaseForm): UpdateCaseInput | null | { error: string } {
  const input: UpdateCaseInput = {};
  const code = f.subjectCode.trim();
  if (!code) return { error: 'The subject code cannot be empty.' };
  if (code !== c.subjectCode) input.subjectCode = code;
  if (f.eye !== c.eye) input.eye = f.eye;
  const ecc = f.eccentricity.trim();
  if (ecc === '') {
    if (c.eccentricityDeg !== null) input.clearEccentricity = true;
  } else {
    const n = Number(ecc);
    if (!Number.isFinite(n) || n < 0 || n > 90) return { error: 'Eccentricity is degrees from the fovea, 0 to 90.' };
    if (n !== c.eccentricityDeg) input.eccentricityDeg = n;
  }
  const day = f.acquiredOn.trim();
  if (day === '') {
    if (c.acquiredOn !== null) input.clearAcquiredOn = true;
  } else if (day !== c.acquiredOn) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return { error: 'The acquisition date is YYYY-MM-DD.' };
    input.acquiredOn = day;
  }
  const tags = [...new Set(parseTags(f.tags))];
  if (tags.join('\u0000') !== c.tags.join('\u0000')) input.tags = tags;
  return Object.keys(input).length ? input : null;
}
