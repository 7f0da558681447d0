// The viewer workspace: the image canvas with the annotation engine (features/annotation),
// its toolbar, the layers drawn over the image, the metrics and the status line. The demo
// mosaic and a volume being labelled (features/labels) both show their image in one.
import { useCallback, useEffect, useMemo, useRef, useState, useSyncExternalStore, type ReactNode } from 'react';
import {
  clipRegion,
  densityGrid,
  densityIn,
  MARK_COLORS,
  SIDE_CLASSES,
  SIDE_COLORS,
  summarise,
  TOOL_LABELS,
  voronoiCells,
  type AnnotationLayer,
  type Editor,
  type LayerVisibility,
  type ToolId,
  type UncertaintyNavigator,
  type UncertainRegion,
  type VoronoiLayer,
  type VoronoiSummary,
} from '../annotation';
import { usePageShortcuts } from '../../components/ui/keyboard';
import { DockLayout, type DockLayoutHandle, type DockPanel } from '../../components/ui/DockLayout';
import { ToolMenu } from '../../components/ui/ToolMenu';
import { formatTick, heatGradient, niceTicks } from './colorScale';
import type { HeatmapLayer } from './heatmapLayer';
import { ImageCanvas, type CanvasLayer, type ImageCanvasHandle, type ImagePointer, type ImageSource, type PointerPhase } from './ImageCanvas';
import { COHERENCE_BANDS, type OrientationLayer } from './orientationLayer';
import { RegionLayer } from './regionLayer';
import type { ViewState } from './view';

function formatDensity(d: { perMm2: number; ci95Low: number; ci95High: number; count: number }): string {
  if (d.count === 0) return '0 /mm²';
  const r = (v: number) => Math.round(v).toLocaleString('en');
  return `${r(d.perMm2)} /mm² (95% CI ${r(d.ci95Low)}–${r(d.ci95High)}; n=${d.count.toLocaleString('en')})`;
}

function formatCells(s: VoronoiSummary, unit: string): string {
  if (s.cells === 0) return 'no inner cells';
  return `${(s.sixSided * 100).toFixed(1)}% six-sided · mean area ${s.meanAreaUm2.toFixed(1)} ${unit}² (n=${s.cells.toLocaleString('en')})`;
}

/** SidesChart is the share of cells by number of sides, in the layer's colours (its legend). */
function SidesChart({ summary }: { summary: VoronoiSummary }) {
  const max = Math.max(1, ...SIDE_CLASSES.map((k) => summary.bySides[k]!));
  return (
    <ol className="sides-chart" aria-label="Cells by number of sides">
      {SIDE_CLASSES.map((k) => {
        const n = summary.bySides[k]!;
        return (
          <li key={k} title={`${n.toLocaleString('en')} cells`}>
            <span className="sides-chart__bar" style={{ height: `${(n / max) * 100}%`, background: SIDE_COLORS[k] }} />
            <span className="sides-chart__label">{k === 3 ? '≤3' : k === 9 ? '≥9' : k}</span>
          </li>
        );
      })}
    </ol>
  );
}

/** HeatLegend is a colour scale: the ramp, round ticks along it, and what the values are in. */
export function HeatLegend({ title, unit, range, testId }: { title: string; unit: string; range: readonly [number, number] | null; testId: string }) {
  if (!range) return null;
  const [lo, hi] = range;
  const ticks = niceTicks(lo, hi, 4);
  return (
    <figure className="color-scale" data-testid={testId} aria-label={`${title} colour scale, ${formatTick(lo)} to ${formatTick(hi)} ${unit}`}>
      <figcaption>
        {title} <span>{unit}</span>
      </figcaption>
      <div className="color-scale__ramp" style={{ background: heatGradient() }} />
      <div className="color-scale__ticks" aria-hidden="true">
        {ticks.map((t) => (
          <span key={t.value} style={{ left: `${t.t * 100}%` }}>
            {formatTick(t.value)}
          </span>
        ))}
      </div>
    </figure>
  );
}

/** OrientationLegend says what the strokes of the nerve-fibre layer mean. */
function OrientationLegend() {
  const bounds = ['< 0.2', '0.2–0.45', '≥ 0.45'];
  return (
    <figure className="color-scale" data-testid="legend-fibres" aria-label="Nerve-fibre orientation legend">
      <figcaption>
        Nerve fibres <span>stroke along the fibres; colour: coherence (0–1)</span>
      </figcaption>
      <ul className="color-scale__bands">
        {COHERENCE_BANDS.map((b, i) => (
          <li key={b.color}>
            <i style={{ background: b.color }} /> {bounds[i]}
          </li>
        ))}
      </ul>
    </figure>
  );
}

const TOOLS: readonly { id: ToolId; key: string }[] = [
  { id: 'pan', key: 'H' },
  { id: 'select', key: 'V' },
  { id: 'point', key: 'P' },
  { id: 'polyline', key: 'L' },
  { id: 'polygon', key: 'R' },
  { id: 'brush', key: 'B' },
  { id: 'eraser', key: 'E' },
];

const LAYERS = [
  ['cones', 'Cones'],
  ['vessels', 'Vessels'],
  ['regions', 'Regions'],
  ['mask', 'Mask'],
  ['uncertainty', 'Uncertainty (U)'],
  ['density', 'Density (D)'],
  ['voronoi', 'Voronoi (O)'],
  ['fibres', 'Nerve fibres (F)'],
] as const;

function useEditorVersion(editor: Editor | null): number {
  return useSyncExternalStore(
    useCallback((cb: () => void) => (editor ? editor.subscribe(cb) : () => {}), [editor]),
    () => editor?.version ?? 0,
  );
}

/** WorkspaceKit is the parts of a workspace: the engine and the layers drawn over the image. */
export interface WorkspaceKit {
  editor: Editor;
  layer: AnnotationLayer;
  heat: HeatmapLayer;
  density: HeatmapLayer;
  voronoi: VoronoiLayer;
  fibres: OrientationLayer;
  navigator: UncertaintyNavigator;
}

interface WorkspaceProps {
  kit: WorkspaceKit;
  image: ImageSource | null;
  /** umPerPx is the calibrated pixel size; null when unknown: distances and areas are then in px. */
  umPerPx: number | null;
  label: string;
  badge?: ReactNode;
  /** layout names the remembered panel layout ("viewer.demo", "viewer.volume"). */
  layout: string;
  /** panels are docked beside the image and the metrics (label, run results, slices). */
  panels?: readonly DockPanel[];
  footer?: ReactNode;
  /** extraKey handles page keys before the editor (Ctrl+S). */
  extraKey?: (e: KeyboardEvent) => boolean;
  /** overlays are drawn above the marks (a reviewer's diff and regions). */
  overlays?: readonly CanvasLayer[];
  /** legend adds entries to the legend under the image. */
  legend?: ReactNode;
  /** scales adds colour scales over the image (an overlay the page draws, e.g. a thickness map). */
  scales?: ReactNode;
  /** capture, while given, takes the primary button from the editor and the hand tool (drawing a review region); it returns true for input it used. */
  capture?: (phase: PointerPhase, p: ImagePointer) => boolean;
}

/** Workspace is the image canvas with the annotation engine, its toolbar, metrics and status. */
export function Workspace({ kit, image, umPerPx, label, badge, layout, panels = [], footer, extraKey, overlays, legend, scales, capture }: WorkspaceProps) {
  const { editor, layer, heat, density, voronoi, fibres, navigator } = kit;
  const canvasRef = useRef<ImageCanvasHandle>(null);
  const dockRef = useRef<DockLayoutHandle>(null);
  const version = useEditorVersion(editor);
  const [brightness, setBrightness] = useState(1);
  const [contrast, setContrast] = useState(1);
  const [visibility, setVisibility] = useState<LayerVisibility & { uncertainty: boolean; density: boolean; voronoi: boolean; fibres: boolean }>({
    cones: true,
    vessels: true,
    regions: true,
    mask: true,
    uncertainty: false,
    density: false,
    voronoi: false,
    fibres: false,
  });
  const [view, setView] = useState<ViewState | null>(null);
  const [cursor, setCursor] = useState<{ x: number; y: number } | null>(null);
  const [region, setRegion] = useState<UncertainRegion | null>(null);
  const regionLayer = useMemo(() => new RegionLayer(), []);

  layer.visibility = visibility;
  heat.visible = visibility.uncertainty;
  density.visible = visibility.density;
  voronoi.visible = visibility.voronoi;
  fibres.visible = visibility.fibres;
  const layers = useMemo(
    () => [heat, density, voronoi, layer, fibres, regionLayer, ...(overlays ?? [])],
    [heat, density, voronoi, layer, fibres, regionLayer, overlays],
  );

  // Every editor change redraws the canvas (batched to the next frame).
  useEffect(() => editor.subscribe(() => canvasRef.current?.redraw()), [editor]);

  const toggle = useCallback((k: keyof typeof visibility) => setVisibility((v) => ({ ...v, [k]: !v[k] })), []);

  const nextRegion = useCallback(() => {
    // The map's last cells may reach past the image: skip those mostly outside it, and
    // outline only the image's part of the one chosen.
    const d = editor.doc;
    let r: UncertainRegion | null = null;
    for (let next = navigator.next(); next; next = navigator.next()) {
      const c = clipRegion(next, d.width, d.height);
      if (c.inside >= 0.5) {
        r = c.region;
        break;
      }
    }
    setRegion(r);
    // Outline the region and show all of it (at least 2× unless it is larger than the view).
    regionLayer.region = r;
    const c = canvasRef.current;
    if (r && c) {
      const vp = c.viewportSize();
      const fits = Math.min(vp.width / Math.max(1, r.x1 - r.x0), vp.height / Math.max(1, r.y1 - r.y0)) * 0.8;
      c.centerOn(r.x, r.y, Math.max(Math.min(c.view().scale, fits), Math.min(2, fits)));
    }
    c?.redraw();
  }, [navigator, regionLayer, editor]);

  // Keyboard: view keys go to the canvas, editing keys to the engine.
  usePageShortcuts((e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) return false; // fields keep their keys
    if (extraKey?.(e)) return true;
    const c = canvasRef.current;
    const ctrl = e.ctrlKey || e.metaKey;
    if (!ctrl && !e.altKey && c) {
      const step = e.shiftKey ? 400 : 100;
      const viewKeys: Record<string, () => void> = {
        '+': () => c.zoomBy(1.25),
        '=': () => c.zoomBy(1.25),
        '-': () => c.zoomBy(0.8),
        _: () => c.zoomBy(0.8),
        '0': () => c.fit(),
        '1': () => c.setScale(1),
        ArrowLeft: () => c.panBy(step, 0),
        ArrowRight: () => c.panBy(-step, 0),
        ArrowUp: () => c.panBy(0, step),
        ArrowDown: () => c.panBy(0, -step),
        n: nextRegion,
        N: nextRegion,
        u: () => toggle('uncertainty'),
        U: () => toggle('uncertainty'),
        d: () => toggle('density'),
        D: () => toggle('density'),
        o: () => toggle('voronoi'),
        O: () => toggle('voronoi'),
        f: () => toggle('fibres'),
        F: () => toggle('fibres'),
      };
      const fn = viewKeys[e.key];
      if (fn) {
        fn();
        return true;
      }
    }
    return editor.handleKey({ key: e.key, ctrl, shift: e.shiftKey, alt: e.altKey });
  });

  const onPointer = useCallback(
    (phase: PointerPhase, p: ImagePointer) => {
      if (phase === 'leave') {
        setCursor(null);
        return;
      }
      setCursor({ x: p.x, y: p.y });
      if (capture?.(phase, p)) {
        canvasRef.current?.redraw();
        return;
      }
      editor.hitRadius = 8 / p.scale;
      const input = { x: p.x, y: p.y, shift: p.shift, alt: p.alt, clicks: p.clicks };
      if (phase === 'down') editor.pointerDown(input);
      else if (phase === 'move') editor.pointerMove(input);
      else editor.pointerUp(input);
    },
    [editor, capture],
  );

  const doc = editor.doc;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- doc is mutable: its revision says when the marks changed
  const counts = useMemo(() => doc.countBySource(), [doc, doc.revision]);
  // The density map follows the marks (recomputed when they change and the layer is on).
  const densityField = useMemo(
    () => (visibility.density ? densityGrid(doc, 128) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- doc is mutable: its revision says when the marks changed
    [doc, doc.revision, visibility.density],
  );
  if (densityField) density.setField(densityField);
  // The Voronoi cells follow the marks a moment after the last edit (50,000 cells take ~100 ms).
  const [cellsAt, setCellsAt] = useState<{ revision: number; ms: number } | null>(null);
  useEffect(() => {
    if (!visibility.voronoi || cellsAt?.revision === doc.revision) return;
    const id = window.setTimeout(() => {
      const t0 = performance.now();
      voronoi.setCells(voronoiCells(doc));
      setCellsAt({ revision: doc.revision, ms: performance.now() - t0 });
      canvasRef.current?.redraw();
    }, cellsAt ? 250 : 0);
    return () => window.clearTimeout(id);
  }, [doc, doc.revision, visibility.voronoi, voronoi, cellsAt]);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- doc is mutable: its revision says when the marks changed
  const whole = useMemo(() => densityIn(doc, { x0: 0, y0: 0, x1: doc.width, y1: doc.height }), [doc, doc.revision]);
  const stageSize = view ? canvasRef.current?.viewportSize() : undefined;
  // The part of the image in view, for the "in view" figures.
  const viewRect =
    view && stageSize
      ? {
          x0: -view.tx / view.scale,
          y0: -view.ty / view.scale,
          x1: (stageSize.width - view.tx) / view.scale,
          y1: (stageSize.height - view.ty) / view.scale,
        }
      : null;
  const inView = viewRect ? densityIn(doc, viewRect) : null;
  const cells = visibility.voronoi && cellsAt ? voronoi.cells : null;
  const lengthUnit = umPerPx ? 'µm' : 'px';
  const cellsWhole = useMemo(() => (cells ? summarise(cells, umPerPx ?? 1) : null), [cells, umPerPx]);
  const cellsInView = cells && viewRect ? summarise(cells, umPerPx ?? 1, viewRect) : null;
  const depth = editor.history.depth;
  const tool = editor.tool.id;
  void version;

  const stage = (
    <div
      className="viewer__stage"
      data-view-scale={view?.scale}
      data-view-tx={view?.tx}
      data-view-ty={view?.ty}
      data-region={region ? `${region.x0},${region.y0},${region.x1},${region.y1}` : undefined}
    >
      <ImageCanvas
        ref={canvasRef}
        image={image}
        imageSize={{ width: doc.width, height: doc.height }}
        umPerPx={umPerPx}
        brightness={brightness}
        contrast={contrast}
        layers={layers}
        panWithPrimary={tool === 'pan' && !capture}
        onPointer={onPointer}
        onViewChange={setView}
        label={label}
        autoFocus
      />
      {badge}
      {(visibility.uncertainty || visibility.density || visibility.fibres || scales) && (
        <div className="viewer__scales" data-testid="color-scales">
          {visibility.uncertainty && <HeatLegend title="Uncertainty" unit="0 clear – 1 look here first" range={heat.scale()} testId="legend-uncertainty" />}
          {visibility.density && <HeatLegend title="Density" unit="cones/mm²" range={density.scale()} testId="legend-density" />}
          {visibility.fibres && <OrientationLegend />}
          {scales}
        </div>
      )}
      <div className="viewer__legend" aria-label="Legend">
        <span><i style={{ background: MARK_COLORS.model }} /> model</span>
        <span><i style={{ background: MARK_COLORS.human }} /> human</span>
        {legend}
      </div>
    </div>
  );
  const metrics = (
    <section className="viewer__metrics" aria-label="Metrics" data-testid="viewer-metrics">
      <h2>Metrics <span>from the marks, in the browser</span></h2>
      <dl>
        <dt>Density, whole image</dt>
        <dd data-testid="density-whole">{formatDensity(whole)}</dd>
        <dt>Density, in view</dt>
        <dd data-testid="density-view">{inView ? formatDensity(inView) : '—'}</dd>
        <dt>Human-corrected</dt>
        <dd>{((counts.human / Math.max(1, counts.human + counts.model)) * 100).toFixed(1)}%</dd>
      </dl>
      {visibility.voronoi && (
        <div className="voronoi-summary" data-testid="voronoi-summary">
          <h2>Voronoi cells <span>{cellsAt ? `${Math.round(cellsAt.ms)} ms for all marks` : 'computing…'}</span></h2>
          {cellsWhole && (
            <dl>
              <dt>Whole image</dt>
              <dd data-testid="voronoi-whole">{formatCells(cellsWhole, lengthUnit)}</dd>
              <dt>In view</dt>
              <dd data-testid="voronoi-view">{cellsInView ? formatCells(cellsInView, lengthUnit) : '—'}</dd>
            </dl>
          )}
          {cellsInView && <SidesChart summary={cellsInView} />}
        </div>
      )}
    </section>
  );

  return (
    <div className="viewer" data-testid="viewer">
      <div className="viewer__toolbar" role="toolbar" aria-label="Viewer tools">
        <div className="toolgroup" role="group" aria-label="Tools">
          {TOOLS.map((t) => (
            <button
              key={t.id}
              type="button"
              className={`tool-button${tool === t.id ? ' is-active' : ''}`}
              aria-pressed={tool === t.id}
              disabled={!editor.canUse(t.id)}
              title={editor.canUse(t.id) ? `${TOOL_LABELS[t.id]} (${t.key})` : `${TOOL_LABELS[t.id]}: this label is read-only`}
              onClick={() => editor.setTool(t.id)}
            >
              {TOOL_LABELS[t.id]}
              <kbd>{t.key}</kbd>
            </button>
          ))}
        </div>
        <div className="toolgroup" role="group" aria-label="History">
          <button type="button" className="tool-button" disabled={editor.readOnly || !editor.history.canUndo} onClick={() => editor.undo()} title={`Undo ${editor.history.undoLabel ?? ''} (Ctrl+Z)`}>
            Undo
          </button>
          <button type="button" className="tool-button" disabled={editor.readOnly || !editor.history.canRedo} onClick={() => editor.redo()} title={`Redo ${editor.history.redoLabel ?? ''} (Ctrl+Shift+Z)`}>
            Redo
          </button>
        </div>
        <div className="toolgroup" role="group" aria-label="Zoom">
          <button type="button" className="tool-button" onClick={() => canvasRef.current?.zoomBy(0.8)} title="Zoom out (−)">
            −
          </button>
          <span className="zoom-readout" data-testid="zoom-readout">
            {view ? `${Math.round(view.scale * 1000) / 10}%` : '—'}
          </span>
          <button type="button" className="tool-button" onClick={() => canvasRef.current?.zoomBy(1.25)} title="Zoom in (+)">
            +
          </button>
          <button type="button" className="tool-button" onClick={() => canvasRef.current?.fit()} title="Fit (0)">
            Fit
          </button>
          <button type="button" className="tool-button" onClick={() => canvasRef.current?.setScale(1)} title="Actual pixels (1)">
            1:1
          </button>
        </div>
        <ToolMenu label="Image" title="Brightness and contrast" summary={brightness === 1 && contrast === 1 ? undefined : '·'} data-testid="image-menu">
          <label className="slider">
            Brightness
            <input type="range" min={0.2} max={3} step={0.05} value={brightness} onChange={(e) => setBrightness(Number(e.target.value))} />
          </label>
          <label className="slider">
            Contrast
            <input type="range" min={0.2} max={3} step={0.05} value={contrast} onChange={(e) => setContrast(Number(e.target.value))} />
          </label>
          <button
            type="button"
            className="tool-button"
            onClick={() => {
              setBrightness(1);
              setContrast(1);
            }}
            disabled={brightness === 1 && contrast === 1}
          >
            Reset
          </button>
        </ToolMenu>
        <ToolMenu label="Layers" title="Layers drawn over the image (U, D, O, F toggle the overlays)" summary={Object.values(visibility).filter(Boolean).length} data-testid="layers-menu">
          {LAYERS.map(([k, label]) => (
            <label key={k} className="check">
              <input type="checkbox" checked={visibility[k]} onChange={() => toggle(k)} />
              {label}
            </label>
          ))}
        </ToolMenu>
        <button type="button" className="tool-button" onClick={nextRegion} title="Go to the next most uncertain region and outline it (N)">
          Next uncertain <kbd>N</kbd>
        </button>
      </div>

      <DockLayout
        ref={dockRef}
        id={layout}
        label="Viewer panels"
        panels={[
          { id: 'image', title: 'Image', content: stage, keepAlive: true },
          { id: 'metrics', title: 'Metrics', content: metrics, place: { of: 'image', side: 'right', size: 340 } },
          ...panels,
        ]}
      />
      <div className="viewer__status" data-testid="viewer-status">
        <span>Tool: <b data-testid="viewer-tool">{TOOL_LABELS[tool]}</b>{tool === 'brush' || tool === 'eraser' ? ` · radius ${editor.brushRadius} px` : ''}</span>
        <span data-testid="viewer-counts">
          {counts.model.toLocaleString('en')} model · {counts.human.toLocaleString('en')} human
        </span>
        <span>{layer.visibleMarks.toLocaleString('en')} in view</span>
        <span data-testid="viewer-selection">{editor.selection.size.toLocaleString('en')} selected</span>
        <span>
          {doc.polylines.size} vessel lines · {doc.polygons.size} regions · mask {umPerPx ? `${((doc.mask.area * umPerPx * umPerPx) / 1e6).toFixed(4)} mm²` : `${doc.mask.area} px²`}
        </span>
        <span data-testid="viewer-history">
          history {depth.undo}/{depth.undo + depth.redo}
          {editor.history.undoLabel ? ` · last: ${editor.history.undoLabel}` : ''}
        </span>
        {region && (
          <span data-testid="viewer-region">
            uncertain region {navigator.regions.length - navigator.remaining}/{navigator.regions.length} · {region.score.toFixed(2)}
          </span>
        )}
        <span className="viewer__spacer" />
        <span data-testid="viewer-cursor">
          {cursor
            ? `${cursor.x.toFixed(0)}, ${cursor.y.toFixed(0)} px${umPerPx ? ` · ${(cursor.x * umPerPx).toFixed(1)}, ${(cursor.y * umPerPx).toFixed(1)} µm` : ''}`
            : ''}
        </span>
        {footer && <span>{footer}</span>}
        <button
          type="button"
          className="link-button"
          onClick={() => dockRef.current?.reset()}
          title="Put the panels back where they started (drag a tab onto another panel to dock it there)"
        >
          Reset layout
        </button>
      </div>
    </div>
  );
}
