import { describe, expect, it } from 'vitest';
import { grantOf, toggled } from './grants';

const c = (object: string, sensitive = false) => ({ object, action: 'read', root: object.startsWith('Query.'), sensitive, public: false });

describe('grantOf', () => {
  it('follows the server: names, Type.* patterns that skip sensitive fields, and *', () => {
    expect(grantOf([{ object: 'Query.cases', action: 'read' }], c('Query.cases'))).toBe('named');
    expect(grantOf([{ object: 'Query.cases', action: 'write' }], c('Query.cases'))).toBe('none');
    expect(grantOf([{ object: 'Volume.*', action: 'read' }], c('Volume.sha256'))).toBe('pattern');
    expect(grantOf([{ object: 'Volume.*', action: 'read' }], c('Volume.downloadUrl', true))).toBe('none');
    expect(grantOf([{ object: '*', action: '*' }], c('Volume.downloadUrl', true))).toBe('pattern');
  });
  it('toggles a named grant on and off', () => {
    const on = toggled([], c('Query.runs'));
    expect(on).toEqual([{ object: 'Query.runs', action: 'read' }]);
    expect(toggled(on, c('Query.runs'))).toEqual([]);
  });
});
