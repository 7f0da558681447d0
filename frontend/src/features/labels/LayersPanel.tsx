// The retinal layers of an OCT run beside the en-face view: one B-scan (the plane y = bscan)
// with the boundaries the layers step found, in distinct colours with a legend, and a slider
// ([ and ] step it from anywhere); the slab the main view shows; the thickness map over it.
// A labeler corrects a boundary by dragging its control points in depth (double-click adds
// one, Alt+click removes one) and saves it as a version of the volume's layers label.
import { useCallback, useEffect, useMemo, useRef, useState, type PointerEvent as ReactPointerEvent } from 'react';
import { errorText, GraphQLRequestError, request } from '../../graphql/client';
import type { BScanQuery, SaveLayerBoundaryMutation } from '../../graphql/generated';
import { BSCAN_QUERY, SAVE_LAYER_BOUNDARY_MUTATION, type OctRun, type SlabView } from '../../graphql/operations/layers';
import {
  drawBoundaries,
  fitBScan,
  hitControlPoint,
  insertControlPoint,
  LAYER_COLORS,
  LAYER_NAMES,
  moveControlPoint,
  removeControlPoint,
  sameBoundary,
  seedControlPoints,
  toImage,
  toScreen,
  type BoundaryPoint,
  type Fit,
  type LayerName,
} from '../viewer';

/** SEED_POINTS is how many control points a new correction starts with. */
const SEED_POINTS = 12;

interface Props {
  volumeId: string;
  runId: string;
  dims: { x: number; y: number; z: number };
  bscan: number;
  onBScan(b: number): void;
  canEdit: boolean;
  oct: OctRun | null;
  slab: string | null;
  onSlab(name: string | null): void;
  thickness: string | null;
  onThickness(layer: string | null): void;
  /** slabProblem says why the chosen slab is not what the main view shows. */
  slabProblem: string | null;
}

type Loaded = BScanQuery;

function slabRange(s: SlabView): string {
  const edge = (b: string | null, off: number | null) => (b ? `${b}${off ? ` ${off > 0 ? '+' : '−'}${Math.abs(off)} px` : ''}` : '?');
  return `${edge(s.top, s.topOffsetPx)} … ${edge(s.bottom, s.bottomOffsetPx)}${s.projection ? ` · ${s.projection}` : ''}`;
}

export function LayersPanel(p: Props) {
  const { volumeId, runId, dims, bscan, onBScan, canEdit, oct } = p;
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  const [active, setActive] = useState<LayerName>('ILM');
  // The boundary being corrected (not saved yet).
  const [draft, setDraft] = useState<{ layer: LayerName; bscan: number; points: BoundaryPoint[] } | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [saved, setSaved] = useState<string | null>(null);

  useEffect(() => {
    const ac = new AbortController();
    // Stepping quickly: only the B-scan the slider rests on is fetched.
    const id = window.setTimeout(() => {
      request<BScanQuery>(BSCAN_QUERY, { volume: volumeId, run: runId, bscan }, { signal: ac.signal })
        .then((d) => {
          setData(d);
          setError(null);
        })
        .catch((err: unknown) => {
          if (!ac.signal.aborted) setError(errorText(err));
        });
    }, 60);
    return () => {
      window.clearTimeout(id);
      ac.abort();
    };
  }, [volumeId, runId, bscan, tick]);

  const slice = data?.volume?.slice ?? null;
  const shown = slice && slice.index === bscan ? data : null;
  const layers = useMemo(
    () => (shown?.run?.layers ?? []).map((l) => ({ layer: l.layer as LayerName, z: l.z })),
    [shown],
  );
  const savedCorrections = useMemo(() => {
    const m = new Map<LayerName, BoundaryPoint[]>();
    for (const c of shown?.volume?.layerCorrections ?? []) m.set(c.layer as LayerName, c.points.map((q) => ({ x: q.x, z: q.z })));
    return m;
  }, [shown]);
  const label = shown?.volume?.labels.find((l) => l.kind === 'layers') ?? null;
  const editable = canEdit && (!label || label.state === 'DRAFT' || label.state === 'RETURNED');
  const liveDraft = draft && draft.bscan === bscan ? draft : null;
  const corrections = useMemo(() => {
    const m = new Map(savedCorrections);
    if (liveDraft) m.set(liveDraft.layer, liveDraft.points);
    return m;
  }, [savedCorrections, liveDraft]);
  const dirty = !!liveDraft && !sameBoundary(liveDraft.points, savedCorrections.get(liveDraft.layer) ?? null);

  // The image and the canvas.
  const [img, setImg] = useState<HTMLImageElement | null>(null);
  useEffect(() => {
    if (!slice) return;
    const im = new Image();
    im.onload = () => setImg(im);
    im.src = slice.png;
  }, [slice]);
  const hostRef = useRef<HTMLDivElement>(null);
  const sectionRef = useRef<HTMLElement>(null);
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const [size, setSize] = useState({ width: 400, height: 240 });
  useEffect(() => {
    const el = hostRef.current;
    if (!el || typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(() => setSize({ width: Math.max(80, el.clientWidth), height: Math.max(80, el.clientHeight) }));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  // Depth is sampled differently from the lateral axis: draw pixels at their size in µm when known.
  const aspect = slice?.umPerPxX && slice.umPerPxY ? slice.umPerPxY / slice.umPerPxX : null;
  const fit: Fit | null = slice ? fitBScan(size.width, size.height, slice.width, slice.height, aspect) : null;

  useEffect(() => {
    const c = canvasRef.current;
    if (!c || !fit || !slice) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.round(size.width * dpr);
    c.height = Math.round(size.height * dpr);
    let ctx: CanvasRenderingContext2D | null = null;
    try {
      ctx = c.getContext('2d');
    } catch {
      ctx = null; // jsdom
    }
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, size.width, size.height);
    if (img && img.src === slice.png) {
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(img, fit.x0, fit.y0, slice.width * fit.sx, slice.height * fit.sy);
    }
    drawBoundaries(ctx, fit, layers, corrections, slice.width, liveDraft ? liveDraft.layer : active);
  }, [fit, slice, img, size, layers, corrections, liveDraft, active]);

  const startCorrection = useCallback(() => {
    if (!slice) return;
    const model = layers.find((l) => l.layer === active)?.z ?? new Array<number | null>(slice.width).fill(null);
    const from = savedCorrections.get(active) ?? seedControlPoints(model, SEED_POINTS, slice.height);
    setDraft({ layer: active, bscan, points: from });
    setSaved(null);
    // Keys (Esc, Ctrl+S, 1–8) reach the panel while the points are being dragged.
    sectionRef.current?.focus();
  }, [slice, layers, active, savedCorrections, bscan]);

  const drag = useRef<number | null>(null);
  const local = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    return { sx: e.clientX - r.left, sy: e.clientY - r.top };
  };
  const onDown = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (!fit || !slice || !editable || !liveDraft) return;
    const { sx, sy } = local(e);
    const i = hitControlPoint(liveDraft.points, fit, sx, sy, 9);
    if (i >= 0 && e.altKey) {
      setDraft({ ...liveDraft, points: removeControlPoint(liveDraft.points, i) });
      return;
    }
    if (i >= 0) {
      drag.current = i;
      e.currentTarget.setPointerCapture?.(e.pointerId);
    }
  };
  const onMove = (e: ReactPointerEvent<HTMLCanvasElement>) => {
    if (drag.current === null || !fit || !slice || !liveDraft) return;
    const { sx, sy } = local(e);
    setDraft({ ...liveDraft, points: moveControlPoint(liveDraft.points, drag.current, toImage(fit, sx, sy).z, slice.height) });
  };
  const onUp = () => {
    drag.current = null;
  };
  const onDouble = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (!fit || !slice || !editable || !liveDraft) return;
    const r = e.currentTarget.getBoundingClientRect();
    const q = toImage(fit, e.clientX - r.left, e.clientY - r.top);
    setDraft({ ...liveDraft, points: insertControlPoint(liveDraft.points, q.x, q.z, slice.width, slice.height) });
  };

  const save = async (points: BoundaryPoint[], layer: LayerName) => {
    setBusy('Saving…');
    setProblem(null);
    try {
      const d = await request<SaveLayerBoundaryMutation>(SAVE_LAYER_BOUNDARY_MUTATION, {
        input: { volumeId, bscan, layer, baseVersion: label?.version ?? 0, points },
      });
      const h = d.saveLayerBoundary.history.find((e) => e.version === d.saveLayerBoundary.version);
      setSaved(`Saved as version ${d.saveLayerBoundary.version}${h?.changes ? `: ${h.changes}` : ''}`);
      setDraft(null);
      setConflict(false);
      setTick((t) => t + 1);
    } catch (err) {
      if (err instanceof GraphQLRequestError && err.code === 'CONFLICT') setConflict(true);
      else setProblem(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  // Keys while the panel has focus: 1–8 pick a boundary, C corrects it, Ctrl+S saves, Esc drops the edit.
  const onKey = (e: React.KeyboardEvent) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement) return;
    const n = Number(e.key);
    if (n >= 1 && n <= LAYER_NAMES.length && !e.ctrlKey) {
      setActive(LAYER_NAMES[n - 1]!);
      e.stopPropagation();
    } else if ((e.key === 'c' || e.key === 'C') && editable && !liveDraft) {
      startCorrection();
      e.stopPropagation();
    } else if (e.key === 'Escape' && liveDraft) {
      setDraft(null);
      e.stopPropagation();
    } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's' && liveDraft && dirty) {
      e.preventDefault();
      e.stopPropagation();
      void save(liveDraft.points, liveDraft.layer);
    }
  };

  const present = new Set(layers.map((l) => l.layer));
  const handles = fit && liveDraft ? liveDraft.points.map((q) => toScreen(fit, q)) : [];
  const slabs = oct?.slabs ?? [];
  const spacingZ = oct?.volume.spacingUm.z ?? null;

  return (
    <section ref={sectionRef} className="label-panel layers-panel" aria-label="Retinal layers" data-testid="layers-panel" onKeyDown={onKey} tabIndex={-1}>
      <div className="layers-panel__bscan">
        <div className="slice-panel__controls">
          <span>B-scan</span>
          <input
            type="range"
            aria-label="B-scan"
            data-testid="bscan-slider"
            min={0}
            max={Math.max(0, dims.y - 1)}
            value={bscan}
            onChange={(e) => onBScan(Number(e.target.value))}
          />
          <span data-testid="bscan-index" data-index={bscan} title="[ and ] step through the B-scans">
            {bscan + 1}/{dims.y}
          </span>
        </div>
        <div className="layers-panel__stage" ref={hostRef}>
          <canvas
            ref={canvasRef}
            data-testid="bscan-canvas"
            data-bscan={shown ? bscan : undefined}
            data-layers={layers.length}
            data-handles={JSON.stringify(handles.map((h) => [Math.round(h.x * 10) / 10, Math.round(h.y * 10) / 10]))}
            aria-label={`B-scan ${bscan + 1} of ${dims.y} with ${layers.length} layer boundaries`}
            style={{ width: size.width, height: size.height, cursor: liveDraft ? 'ns-resize' : 'default', touchAction: 'none' }}
            onPointerDown={onDown}
            onPointerMove={onMove}
            onPointerUp={onUp}
            onPointerCancel={onUp}
            onDoubleClick={onDouble}
          />
        </div>
        {error && <p className="label-panel__problem">{error}</p>}
        {shown && !shown.run?.layers && <p className="dock__empty" data-testid="bscan-no-layers">The run has no layer boundaries yet (its layers step has not stored them).</p>}
      </div>
      <div className="layers-panel__side">
        <ul className="layers-panel__legend" data-testid="bscan-legend" aria-label="Layer boundaries">
          {LAYER_NAMES.map((n, i) => (
            <li key={n}>
              <button
                type="button"
                className={`layer-chip${active === n ? ' is-active' : ''}`}
                aria-pressed={active === n}
                disabled={!present.has(n)}
                onClick={() => setActive(n)}
                title={`${n} (${i + 1})${corrections.has(n) ? ' · corrected' : ''}`}
              >
                <i style={{ background: LAYER_COLORS[n] }} /> {n}
                {corrections.has(n) ? ' ✎' : ''}
              </button>
            </li>
          ))}
        </ul>
        <p className="layers-panel__hint">Solid: the layers step; dashed under a bold line: corrected (✎). Keys 1–8.</p>
        {canEdit && (
          <div className="label-panel__actions" data-testid="bscan-edit">
            {!liveDraft ? (
              <button type="button" className="button button--small" data-testid="bscan-correct" disabled={!editable || !present.has(active) || !!busy} onClick={startCorrection}>
                Correct {active} (C)
              </button>
            ) : (
              <>
                <button
                  type="button"
                  className="button button--small button--primary"
                  data-testid="bscan-save"
                  disabled={!dirty || !!busy || conflict}
                  onClick={() => void save(liveDraft.points, liveDraft.layer)}
                >
                  Save {liveDraft.layer}
                </button>
                <button type="button" className="button button--small" onClick={() => setDraft(null)}>
                  Cancel (Esc)
                </button>
              </>
            )}
            {!liveDraft && savedCorrections.has(active) && (
              <button type="button" className="button button--small" disabled={!editable || !!busy} onClick={() => void save([], active)}>
                Back to the model’s
              </button>
            )}
          </div>
        )}
        <p className="label-panel__save" data-testid="bscan-status" data-version={label?.version ?? 0} data-dirty={dirty}>
          {busy ??
            (liveDraft
              ? `Drag the points in depth (double-click adds one, Alt+click removes one)${dirty ? ' · unsaved' : ''}`
              : (saved ?? (label ? `Layers label ${label.state.toLowerCase().replace('_', ' ')} · version ${label.version}` : 'No corrections saved yet')))}
        </p>
        {!editable && canEdit && label && <p className="label-panel__readonly">Read only: the layers label is {label.state.toLowerCase().replace('_', ' ')}.</p>}
        {conflict && (
          <div className="label-panel__conflict" role="alert">
            Someone saved a correction meanwhile. Nothing was overwritten.{' '}
            <button
              type="button"
              className="button button--small"
              onClick={() => {
                setConflict(false);
                setTick((t) => t + 1);
              }}
            >
              Load theirs
            </button>
          </div>
        )}
        {problem && <p className="label-panel__problem">{problem}</p>}

        <label className="layers-panel__field">
          Main view
          <select aria-label="Slab" data-testid="slab-picker" value={p.slab ?? ''} onChange={(e) => p.onSlab(e.target.value || null)}>
            <option value="">Preprocessed image</option>
            {slabs.map((s) => (
              <option key={s.name} value={s.name}>
                Slab {s.name}
                {s.image ? '' : ' (no image)'}
              </option>
            ))}
          </select>
        </label>
        <p className="layers-panel__note" data-testid="slab-note">
          {p.slab
            ? (() => {
                const s = slabs.find((q) => q.name === p.slab);
                return s ? `${s.name}: ${slabRange(s)}` : '';
              })()
            : slabs.length === 0
              ? `Depth 0–${dims.z - 1} px${spacingZ ? ` (0–${Math.round((dims.z - 1) * spacingZ)} µm)` : ''}. The run defined no slabs and stored no slab images: the OCT pipeline’s slabs step has not run for it.`
              : `${slabs.length} slab${slabs.length > 1 ? 's' : ''}: ${slabs.map((s) => s.name).join(', ')}.`}
          {p.slabProblem && <span className="layers-panel__missing"> {p.slabProblem}</span>}
        </p>
        <label className="layers-panel__field">
          Thickness
          <select aria-label="Thickness map" data-testid="thickness-picker" value={p.thickness ?? ''} onChange={(e) => p.onThickness(e.target.value || null)}>
            <option value="">None</option>
            {(oct?.thicknessLayers ?? []).map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
          </select>
        </label>
        {oct && oct.thicknessLayers.length === 0 && <p className="layers-panel__note">The run stored no thickness maps.</p>}
      </div>
    </section>
  );
}
