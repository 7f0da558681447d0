import { describe, expect, it } from 'vitest';
import { caseChange, formOf, type CaseFields } from './editCase';

const c: CaseFields = { subjectCode: 'S-01', eye: 'OD', eccentricityDeg: 1.5, acquiredOn: '2026-11-02', tags: ['cohort-a'] };

describe('caseChange', () => {
  it('sends nothing when nothing changed', () => {
    expect(caseChange(c, formOf(c))).toBeNull();
  });
  it('sends only the changed fields', () => {
    expect(caseChange(c, { ...formOf(c), eye: 'OS', tags: 'cohort-a, cohort-b, cohort-a' })).toEqual({
      eye: 'OS',
      tags: ['cohort-a', 'cohort-b'],
    });
  });
  it('clears an emptied eccentricity and date instead of sending a value', () => {
    expect(caseChange(c, { ...formOf(c), eccentricity: ' ', acquiredOn: '' })).toEqual({
      clearEccentricity: true,
      clearAcquiredOn: true,
    });
  });
  it('refuses what the server would refuse', () => {
    expect(caseChange(c, { ...formOf(c), subjectCode: '  ' })).toEqual({ error: 'The subject code cannot be empty.' });
    expect(caseChange(c, { ...formOf(c), eccentricity: '120' })).toHaveProperty('error');
    expect(caseChange(c, { ...formOf(c), acquiredOn: '2/11/2026' })).toHaveProperty('error');
  });
});
