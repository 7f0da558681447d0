import { describe, expect, it } from 'vitest';
import { parsePoints } from './VolumeWorkspace';

describe('parsePoints', () => {
  it('reads the segment step CSV and skips the header, blanks and junk', () => {
    expect(parsePoints('x,y\n1.5,2.25\n\n10,20\nnope,3\n')).toEqual([
      { x: 1.5, y: 2.25 },
      { x: 10, y: 20 },
    ]);
  });
  it('is empty for a header alone', () => {
    expect(parsePoints('x,y\n')).toEqual([]);
  });
});
