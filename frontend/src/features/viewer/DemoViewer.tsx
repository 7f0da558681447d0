// The viewer's demo: a synthetic 4096×4096 mosaic with 50,000 marks edited by the annotation
// engine (features/annotation) in a Workspace, until the server renders en-face images of volumes.
import { useEffect, useState } from 'react';
import { AnnotationDocument, AnnotationLayer, Editor, UncertaintyNavigator, VoronoiLayer } from '../annotation';
import { demoCones, demoFibres, demoUncertainty, renderDemoMosaic } from './demoMosaic';
import { HeatmapLayer } from './heatmapLayer';
import type { ImageSource } from './ImageCanvas';
import { OrientationLayer } from './orientationLayer';
import { Workspace, type WorkspaceKit } from './Workspace';

export const DEMO_SIZE = 4096;
export const DEMO_MARKS = 50_000;
export const DEMO_UM_PER_PX = 0.5;
const UNCERTAINTY_CELLS = 64;
const REGION_CELLS = 4; // 4 cells of 64 px: regions of 256×256 image px

interface Demo extends WorkspaceKit {
  image: ImageSource | null;
  ms: number;
}

/** buildDemo makes the mosaic, its marks (a few already human-corrected) and the uncertainty field. */
export function buildDemo(): Demo {
  const t0 = performance.now();
  const cones = demoCones(DEMO_SIZE, DEMO_MARKS, 1);
  const doc = new AnnotationDocument({ width: DEMO_SIZE, height: DEMO_SIZE, umPerPx: DEMO_UM_PER_PX });
  const pts = [];
  for (let i = 0; i < cones.count; i++) {
    pts.push({ id: `m${i}`, x: cones.xy[2 * i]!, y: cones.xy[2 * i + 1]!, source: i % 25 === 0 ? 'human' : 'model' } as const);
  }
  doc.bulkLoadPoints(pts);
  const editor = new Editor(doc);
  const field = demoUncertainty(UNCERTAINTY_CELLS);
  return {
    editor,
    layer: new AnnotationLayer(editor),
    heat: new HeatmapLayer(field, DEMO_SIZE, DEMO_SIZE, [0, 1]),
    density: new HeatmapLayer({ data: new Float32Array(1), width: 1, height: 1 }, DEMO_SIZE, DEMO_SIZE),
    voronoi: new VoronoiLayer(),
    fibres: new OrientationLayer(demoFibres(DEMO_SIZE, 64)),
    navigator: new UncertaintyNavigator(field, REGION_CELLS, DEMO_SIZE / UNCERTAINTY_CELLS),
    image: renderDemoMosaic(cones),
    ms: performance.now() - t0,
  };
}

/** DemoViewer builds the demo mosaic (after a first paint that says so) and shows it in a Workspace. */
export function DemoViewer() {
  const [demo, setDemo] = useState<Demo | null>(null);
  useEffect(() => {
    // Let the page paint its "generating" state first.
    const id = window.setTimeout(() => setDemo(buildDemo()), 0);
    return () => window.clearTimeout(id);
  }, []);
  if (!demo) {
    return (
      <div className="viewer viewer--loading" role="status">
        Generating the demo mosaic ({DEMO_SIZE}×{DEMO_SIZE}, {DEMO_MARKS.toLocaleString('en')} marks)…
      </div>
    );
  }
  return (
    <Workspace
      kit={demo}
      image={demo.image}
      umPerPx={DEMO_UM_PER_PX}
      label="Demo mosaic"
      layout="viewer.demo"
      footer={`generated in ${Math.round(demo.ms)} ms`}
      badge={
        <div className="viewer__badge" data-testid="demo-badge" title="Generated in the browser; open a volume from Cases to label real data">
          demo mosaic · synthetic {DEMO_SIZE}×{DEMO_SIZE} · {DEMO_MARKS.toLocaleString('en')} marks
        </div>
      }
    />
  );
}

