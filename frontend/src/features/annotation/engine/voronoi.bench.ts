import { bench, describe } from 'vitest';
import { mulberry32 } from '../../../lib/prng';
import { cellsOf, summarise } from './voronoi';

// npx vitest bench: the Voronoi cells of a 4096×4096 mosaic with 50,000 marks (the viewer's demo size).
const rng = mulberry32(1);
const xy = new Float64Array(100_000);
for (let i = 0; i < xy.length; i++) xy[i] = rng() * 4096;

describe('voronoi 50,000 marks', () => {
  bench('cellsOf', () => {
    cellsOf(xy, 4096, 4096);
  });
  const cells = cellsOf(xy, 4096, 4096);
  bench('summarise', () => {
    summarise(cells, 0.5);
  });
});
