// The engine is framework-free: no React, no DOM rendering, no other feature; of the
// libraries only pure computation (PURE_LIBRARIES) may come in.
import { describe, expect, it } from 'vitest';

const sources = import.meta.glob(['./**/*.ts', '!./**/*.test.ts', '!./**/*.bench.ts'], { query: '?raw', import: 'default', eager: true }) as Record<
  string,
  string
>;

/** Computational geometry with no DOM and no framework (d3-delaunay: Voronoi cells). */
const PURE_LIBRARIES = ['d3-delaunay'];

describe('annotation engine', () => {
  it('has sources to check', () => {
    expect(Object.keys(sources).length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(sources)).toContain('./tools/pointTool.ts');
  });

  it('imports nothing but itself', () => {
    for (const [file, text] of Object.entries(sources)) {
      const imports = [...text.matchAll(/^\s*import[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]!);
      for (const spec of imports) {
        if (PURE_LIBRARIES.includes(spec)) continue;
        expect(spec.startsWith('./') || spec.startsWith('../'), `${file} imports ${spec}`).toBe(true);
        // '../' only within the engine (tools/ reaching the engine root).
        if (spec.startsWith('../')) expect(file.startsWith('./tools/'), `${file} imports ${spec}`).toBe(true);
      }
      expect(text, file).not.toMatch(/from ['"]react/);
      expect(text, file).not.toMatch(/\bdocument\.(createElement|querySelector|getElementById|body)|\bwindow\./);
    }
  });

  it('has one file per tool', () => {
    for (const tool of ['pointTool', 'selectTool', 'polylineTool', 'polygonTool', 'brushTool', 'eraserTool']) {
      expect(Object.keys(sources)).toContain(`./tools/${tool}.ts`);
    }
  });
});
