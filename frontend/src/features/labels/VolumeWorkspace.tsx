// A volume opened for labelling: the run's preprocessed image, the model's cone marks (or
// the saved label), and the label panel: save (Ctrl+S, and an autosave of drafts) with
// optimistic concurrency, a conflict the user resolves, submit, review and history.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, GraphQLRequestError, request } from '../../graphql/client';
import type { LabelQuery, OctRunQuery, ReviewLabelMutation, SaveLabelMutation, SubmitLabelMutation, ThicknessQuery, VolumeWorkspaceQuery } from '../../graphql/generated';
import { OCT_RUN_QUERY, THICKNESS_QUERY, type OctRun } from '../../graphql/operations/layers';
import { AssignPanel } from './AssignPanel';
import {
  LABEL_QUERY,
  REVIEW_LABEL_MUTATION,
  SAVE_LABEL_MUTATION,
  SUBMIT_LABEL_MUTATION,
  VOLUME_WORKSPACE_QUERY,
  type LabelView,
  type WorkspaceVolume,
} from '../../graphql/operations/labels';
import {
  AnnotationDocument,
  AnnotationLayer,
  deserialize,
  DIFF_COLORS,
  diffMarks,
  Editor,
  rectPoints,
  ReviewLayer,
  serialize,
  UncertaintyNavigator,
  VoronoiLayer,
} from '../annotation';
import { useSession } from '../session';
import {
  BScanLineLayer,
  HeatLegend,
  HeatmapLayer,
  OrientationLayer,
  Workspace,
  type ImagePointer,
  type ImageSource,
  type PointerPhase,
  type WorkspaceKit,
} from '../viewer';
import { LayersPanel } from './LayersPanel';
import { RunResults } from './RunResults';
import { SlicePanel } from './SlicePanel';

const KIND = 'cones';
/** AUTOSAVE_MS: a draft with changes is saved this long after the last edit. */
export const AUTOSAVE_MS = 8_000;

/** parsePoints reads the segment step's CSV (x,y per line after a header). */
export function parsePoints(csv: string): { x: number; y: number }[] {
  const out: { x: number; y: number }[] = [];
  for (const line of csv.split('\n').slice(1)) {
    const [xs, ys] = line.split(',');
    const x = Number(xs);
    const y = Number(ys);
    if (line.trim() && Number.isFinite(x) && Number.isFinite(y)) out.push({ x, y });
  }
  return out;
}

function loadImage(url: string): Promise<ImageSource> {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('the preprocessed image did not load'));
    img.src = url;
  });
}

interface Loaded {
  volume: WorkspaceVolume;
  image: ImageSource | null;
  kit: WorkspaceKit;
  label: LabelView | null;
  /** umPerPx is the calibrated pixel size, null when unknown. */
  umPerPx: number | null;
  /** modelPoints are the run's detections, what a label is compared against. */
  modelPoints: { x: number; y: number }[];
}

type Run = NonNullable<WorkspaceVolume['latestRun']>;

/** kitFor builds the engine and layers over doc, with the run's fibre field and uncertainty map when it has them. */
function kitFor(doc: AnnotationDocument, run: Run | null): WorkspaceKit {
  const editor = new Editor(doc);
  const empty = { data: new Float32Array(1), width: 1, height: 1 };
  const u = run?.uncertainty;
  // The segment step's doubt per cell (≈ 4 cone spacings): the heat map and "next uncertain".
  const field = u && u.cols > 0 ? { data: Float32Array.from(u.values), width: u.cols, height: u.rows } : null;
  return {
    editor,
    layer: new AnnotationLayer(editor),
    heat: field ? new HeatmapLayer(field, u!.cols * u!.cellPx, u!.rows * u!.cellPx, [0, 1]) : new HeatmapLayer(empty, doc.width, doc.height),
    density: new HeatmapLayer(empty, doc.width, doc.height),
    voronoi: new VoronoiLayer(),
    fibres: new OrientationLayer(run?.fibreOrientation ?? null),
    navigator: field ? new UncertaintyNavigator(field, 1, u!.cellPx) : new UncertaintyNavigator(empty, 1, Math.max(doc.width, doc.height)),
  };
}

const PIXEL_SOURCE: Record<WorkspaceVolume['pixelSizeSource'], string> = {
  UPLOADER: 'stated',
  FILE: 'from the file',
  DEVICE: 'device calibration',
  NONE: 'unknown',
};

async function load(volumeId: string, signal: AbortSignal): Promise<Loaded> {
  const d = await request<VolumeWorkspaceQuery>(VOLUME_WORKSPACE_QUERY, { id: volumeId }, { signal });
  const v = d.volume;
  if (!v) throw new Error('This volume does not exist (or is not yours to see).');
  const run = v.latestRun;
  const preview = run?.masks.find((m) => m.kind === 'preview')?.downloadUrl ?? null;
  const image = preview ? await loadImage(preview) : null;
  const width = image?.width ?? v.dims.x;
  const height = image?.height ?? v.dims.y;
  // Without a calibrated pixel size the viewer measures in pixels and says so: no guessed µm.
  const umPerPx = v.umPerPx ?? null;
  const label = v.labels.find((l) => l.kind === KIND) ?? null;
  let doc: AnnotationDocument;
  const modelPoints = run?.modelPoints ? parsePoints(run.modelPoints) : [];
  if (label?.document) {
    doc = deserialize(label.document);
  } else {
    doc = new AnnotationDocument({ width, height, umPerPx: umPerPx ?? undefined });
    doc.bulkLoadPoints(modelPoints.map((p, i) => ({ id: `m${i}`, x: p.x, y: p.y, source: 'model' as const })));
  }
  return { volume: v, image, kit: kitFor(doc, run ?? null), label, umPerPx, modelPoints };
}

export function VolumeWorkspace({ volumeId }: { volumeId: string }) {
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ac = new AbortController();
    setLoaded(null);
    load(volumeId, ac.signal)
      .then(setLoaded)
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      });
    return () => ac.abort();
  }, [volumeId, tick]);

  if (error) {
    return (
      <div className="viewer viewer--loading" role="alert">
        {error}
      </div>
    );
  }
  if (!loaded) {
    return (
      <div className="viewer viewer--loading" role="status">
        Loading the volume…
      </div>
    );
  }
  return <Labelling loaded={loaded} onReload={() => setTick((t) => t + 1)} />;
}

type Conflict = { current: number };

/** A region a reviewer drew, waiting to be returned. */
interface PendingRegion {
  points: { x: number; y: number }[];
  comment: string;
}

/** when shows a history time in the reader's locale, to the minute. */
function when(at: string): string {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? at : d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function Labelling({ loaded, onReload }: { loaded: Loaded; onReload(): void }) {
  const { volume, kit, image, umPerPx } = loaded;
  const session = useSession();
  const roles = session?.viewer.roles ?? [];
  const canEdit = roles.some((r) => r === 'admin' || r === 'labeler');
  const canReview = roles.some((r) => r === 'admin' || r === 'tech' || r === 'ml_engineer');
  const canAssign = roles.some((r) => r === 'admin' || r === 'tech');
  const doc = kit.editor.doc;

  const [label, setLabel] = useState<LabelView | null>(loaded.label);
  const [savedRevision, setSavedRevision] = useState(doc.revision);
  const [revision, setRevision] = useState(doc.revision);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [comment, setComment] = useState('');
  const [pending, setPending] = useState<PendingRegion[]>([]);
  const [drawing, setDrawing] = useState(false);
  const [showDiff, setShowDiff] = useState(canReview && loaded.modelPoints.length > 0);
  const review = useMemo(() => new ReviewLayer(), []);

  // OCT runs: a B-scan with its layer boundaries, the slab the main view shows, a thickness map over it.
  const run = volume.latestRun ?? null;
  const hasLayers = !!run?.masks.some((m) => m.kind === 'layers' || m.kind.startsWith('slab:') || m.kind.startsWith('thickness:'));
  const [bscan, setBScan] = useState(Math.floor(volume.dims.y / 2));
  const [oct, setOct] = useState<OctRun | null>(null);
  const [slab, setSlab] = useState<string | null>(null);
  const [slabImage, setSlabImage] = useState<{ name: string; image: ImageSource } | null>(null);
  const [slabProblem, setSlabProblem] = useState<string | null>(null);
  const [thickness, setThickness] = useState<string | null>(null);
  const [thicknessMap, setThicknessMap] = useState<{ layer: string; heat: HeatmapLayer; unit: string } | null>(null);
  const bscanLine = useMemo(() => new BScanLineLayer(doc.width), [doc.width]);
  bscanLine.bscan = hasLayers ? bscan : null;
  useEffect(() => {
    if (!run || !hasLayers) return;
    const ac = new AbortController();
    request<OctRunQuery>(OCT_RUN_QUERY, { run: run.id }, { signal: ac.signal })
      .then((d) => setOct(d.run))
      .catch(() => {});
    return () => ac.abort();
  }, [run, hasLayers]);
  useEffect(() => {
    setSlabProblem(null);
    if (!slab) return;
    const s = oct?.slabs.find((q) => q.name === slab);
    const url = s?.image?.downloadUrl;
    if (!url) {
      setSlabProblem('Its image is missing (the pipeline stored none): the main view still shows the preprocessed image.');
      return;
    }
    let live = true;
    loadImage(url)
      .then((im) => live && setSlabImage({ name: slab, image: im }))
      .catch(() => live && setSlabProblem('Its image did not load: the main view still shows the preprocessed image.'));
    return () => {
      live = false;
    };
  }, [slab, oct]);
  useEffect(() => {
    if (!thickness || !run) return;
    const ac = new AbortController();
    request<ThicknessQuery>(THICKNESS_QUERY, { run: run.id, layer: thickness }, { signal: ac.signal })
      .then((d) => {
        const m = d.run?.thicknessMap;
        if (!m) return;
        const g = m.grid;
        const heat = new HeatmapLayer({ data: Float32Array.from(g.values), width: g.cols, height: g.rows }, g.cols * g.cellPx, g.rows * g.cellPx);
        heat.visible = true;
        heat.opacity = 0.5;
        setThicknessMap({ layer: m.layer, heat, unit: m.unit });
      })
      .catch(() => {});
    return () => ac.abort();
  }, [thickness, run]);
  const heat = thickness && thicknessMap?.layer === thickness ? thicknessMap : null;
  const shownImage = slab && slabImage?.name === slab ? slabImage.image : image;

  useEffect(() => kit.editor.subscribe(() => setRevision(doc.revision)), [kit.editor, doc]);

  // The labeler's marks against the model's: recomputed when the marks change.
  const diff = useMemo(
    () => (showDiff && loaded.modelPoints.length > 0 ? diffMarks(loaded.modelPoints, [...doc.points.values()]) : null),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- doc is mutable: its revision says when the marks changed
    [showDiff, loaded.modelPoints, doc, revision],
  );
  review.diff = diff;
  review.showDiff = showDiff;
  // Regions drawn now, else those a review sent back and the labeler has still to fix.
  const open = label?.openRegions ?? [];
  review.regions = pending.length
    ? pending.map((r, i) => ({ points: r.points, caption: `${i + 1}` }))
    : open.map((r, i) => ({ points: r.points, caption: `${i + 1}` }));

  // A new array when what the layers show changes: the canvas redraws on a new layer list.
  const overlays = useMemo(
    () => [...(heat ? [heat.heat] : []), review, bscanLine],
    // eslint-disable-next-line react-hooks/exhaustive-deps -- the layers are mutable; diff, pending, label and bscan say when they changed
    [review, diff, pending, label, heat, bscanLine, bscan],
  );

  // Drawing a region: drag a rectangle over the image.
  const dragFrom = useRef<{ x: number; y: number } | null>(null);
  const capture = useCallback(
    (phase: PointerPhase, p: ImagePointer) => {
      if (!drawing) return false;
      const at = { x: Math.max(0, Math.min(doc.width, p.x)), y: Math.max(0, Math.min(doc.height, p.y)) };
      if (phase === 'down') {
        dragFrom.current = at;
        review.draft = { a: at, b: at };
      } else if (phase === 'move' && dragFrom.current) {
        review.draft = { a: dragFrom.current, b: at };
      } else if (phase === 'up' && dragFrom.current) {
        const a = dragFrom.current;
        dragFrom.current = null;
        review.draft = null;
        if (Math.abs(at.x - a.x) >= 2 && Math.abs(at.y - a.y) >= 2) {
          setPending((ps) => [...ps, { points: rectPoints(a, at), comment: '' }]);
          setDrawing(false);
        }
      }
      return true;
    },
    [drawing, doc, review],
  );

  const dirty = revision !== savedRevision;
  const editable = canEdit && (!label || label.state === 'DRAFT' || label.state === 'RETURNED');
  const saving = useRef(false);
  // Marks that could not be saved are not taken: looking (pan, select) only.
  useEffect(() => {
    kit.editor.readOnly = !editable;
  }, [kit.editor, editable]);
  const readOnlyWhy = !canEdit
    ? 'Read only: you review labels, you do not edit them.'
    : label?.state === 'IN_REVIEW'
      ? 'Read only while in review.'
      : label?.state === 'APPROVED'
        ? 'Read only: approved.'
        : null;

  const save = useCallback(
    async (baseVersion?: number) => {
      if (saving.current) return;
      saving.current = true;
      const at = doc.revision;
      setBusy('Saving…');
      setProblem(null);
      try {
        const d = await request<SaveLabelMutation>(SAVE_LABEL_MUTATION, {
          input: { volumeId: volume.id, kind: KIND, baseVersion: baseVersion ?? label?.version ?? 0, document: serialize(doc) },
        });
        setLabel(d.saveLabel);
        setSavedRevision(at);
        setConflict(null);
      } catch (err) {
        if (err instanceof GraphQLRequestError && err.code === 'CONFLICT') {
          const m = err.message.match(/version (\d+)/);
          setConflict({ current: m ? Number(m[1]) : 0 });
        } else {
          setProblem(errorText(err));
        }
      } finally {
        saving.current = false;
        setBusy(null);
      }
    },
    [doc, label, volume.id],
  );

  // Drafts save themselves a little after the last edit; a conflict waits for the user.
  useEffect(() => {
    if (!dirty || !editable || conflict) return;
    const id = window.setTimeout(() => void save(), AUTOSAVE_MS);
    return () => window.clearTimeout(id);
  }, [dirty, editable, conflict, revision, save]);

  const act = useCallback(async (what: string, f: () => Promise<LabelView>) => {
    setBusy(what);
    setProblem(null);
    try {
      setLabel(await f());
    } catch (err) {
      setProblem(errorText(err));
    } finally {
      setBusy(null);
    }
  }, []);

  const submit = () =>
    act('Submitting…', async () => {
      const d = await request<SubmitLabelMutation>(SUBMIT_LABEL_MUTATION, { id: label!.id, version: label!.version });
      return d.submitLabel;
    });
  const sendReview = (approve: boolean) =>
    act(approve ? 'Approving…' : 'Returning…', async () => {
      const d = await request<ReviewLabelMutation>(REVIEW_LABEL_MUTATION, {
        id: label!.id,
        version: label!.version,
        approve,
        comment: comment.trim() || null,
        regions: approve || pending.length === 0 ? null : pending.map((r) => ({ points: r.points, comment: r.comment.trim() })),
      });
      setComment('');
      setPending([]);
      return d.reviewLabel;
    });
  const returnable = !!comment.trim() || (pending.length > 0 && pending.every((r) => r.comment.trim()));
  const refresh = () =>
    act('Loading…', async () => {
      const d = await request<LabelQuery>(LABEL_QUERY, { id: label!.id });
      if (!d.label) throw new Error('the label is gone');
      return d.label;
    });

  const extraKey = useCallback(
    (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === 's') {
        if (editable && !conflict && dirty) void save();
        return true;
      }
      if (!e.ctrlKey && !e.metaKey && !e.altKey && (e.key === 'x' || e.key === 'X') && loaded.modelPoints.length > 0) {
        setShowDiff((v) => !v);
        return true;
      }
      if (hasLayers && !e.ctrlKey && !e.metaKey && (e.key === '[' || e.key === ']')) {
        setBScan((b) => Math.max(0, Math.min(volume.dims.y - 1, b + (e.key === ']' ? 1 : -1))));
        return true;
      }
      if (e.key === 'Escape' && drawing) {
        setDrawing(false);
        review.draft = null;
        return true;
      }
      return false;
    },
    [editable, conflict, dirty, save, loaded.modelPoints.length, drawing, review, hasLayers, volume.dims.y],
  );

  // Leaving with unsaved marks asks first.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const status = !label ? 'not saved yet' : `${label.state.toLowerCase().replace('_', ' ')} · version ${label.version}`;
  const history = useMemo(() => [...(label?.history ?? [])].reverse(), [label]);

  const side = (
    <section className="label-panel" aria-label="Label" data-testid="label-panel">
      <h2>
        Cone label <span data-testid="label-status" data-state={label?.state ?? 'NEW'} data-version={label?.version ?? 0}>{status}</span>
      </h2>
      <p className="label-panel__save" data-testid="label-dirty" data-dirty={dirty}>
        {busy ?? (dirty ? 'Unsaved changes (autosave in a few seconds; Ctrl+S now)' : 'All changes saved')}
      </p>
      {readOnlyWhy && (
        <p className="label-panel__readonly" data-testid="label-readonly">
          {readOnlyWhy}
        </p>
      )}
      {conflict && (
        <div className="label-panel__conflict" role="alert" data-testid="label-conflict">
          Someone saved this label while you edited: it is at version {conflict.current} now. Nothing was overwritten.
          <div className="label-panel__actions">
            <button type="button" className="button button--small" onClick={onReload}>
              Load theirs
            </button>
            <button type="button" className="button button--small" onClick={() => void save(conflict.current)}>
              Save mine as version {conflict.current + 1}
            </button>
          </div>
        </div>
      )}
      {problem && <ErrorNote className="label-panel__problem">{problem}</ErrorNote>}
      <div className="label-panel__actions">
        {canEdit && (
          <button type="button" className="button button--small button--primary" disabled={!editable || !dirty || !!busy || !!conflict} onClick={() => void save()}>
            Save
          </button>
        )}
        {canEdit && (
          <button type="button" className="button button--small" disabled={!label || !editable || dirty || !!busy} onClick={() => void submit()}>
            Submit for review
          </button>
        )}
        {label && (
          <button type="button" className="button button--small" disabled={!!busy} onClick={() => void refresh()}>
            Refresh
          </button>
        )}
      </div>
      {diff && (
        <p className="label-panel__diff" data-testid="label-diff" data-added={diff.added.length} data-removed={diff.removed.length} data-moved={diff.moved.length}>
          Against the model’s {loaded.modelPoints.length.toLocaleString()} marks: <b style={{ color: DIFF_COLORS.added }}>+{diff.added.length} added</b>,{' '}
          <b style={{ color: DIFF_COLORS.removed }}>−{diff.removed.length} removed</b>, <b style={{ color: DIFF_COLORS.moved }}>{diff.moved.length} moved</b> (within{' '}
          {diff.moveRadius.toFixed(1)} px), {diff.kept.length.toLocaleString()} unchanged. <kbd>X</kbd> hides the diff.
        </p>
      )}
      {!diff && loaded.modelPoints.length > 0 && (
        <p className="label-panel__diff">
          <button type="button" className="button button--small" onClick={() => setShowDiff(true)}>
            Show changes against the model (X)
          </button>
        </p>
      )}
      {open.length > 0 && pending.length === 0 && (
        <div className="label-panel__regions" data-testid="label-open-regions">
          <b>Returned regions to fix</b> (outlined on the image; the rest was accepted):
          <ol>
            {open.map((r, i) => (
              <li key={i}>{r.comment || '(see the review comment)'}</li>
            ))}
          </ol>
        </div>
      )}
      {canReview && label?.state === 'IN_REVIEW' && (
        <div className="label-panel__review" data-testid="label-review">
          <div className="label-panel__actions">
            <button
              type="button"
              className={`button button--small${drawing ? ' button--primary' : ''}`}
              aria-pressed={drawing}
              data-testid="draw-region"
              disabled={!!busy}
              onClick={() => setDrawing((d) => !d)}
            >
              {drawing ? 'Drag a rectangle on the image… (Esc)' : 'Return a region…'}
            </button>
          </div>
          {pending.length > 0 && (
            <ol className="label-panel__pending" data-testid="pending-regions">
              {pending.map((r, i) => (
                <li key={i}>
                  <input
                    aria-label={`What to change in region ${i + 1}`}
                    placeholder={`Region ${i + 1}: what to change here`}
                    value={r.comment}
                    onChange={(e) => setPending((ps) => ps.map((q, j) => (j === i ? { ...q, comment: e.target.value } : q)))}
                  />
                  <button type="button" className="button button--small" aria-label={`Drop region ${i + 1}`} onClick={() => setPending((ps) => ps.filter((_, j) => j !== i))}>
                    ×
                  </button>
                </li>
              ))}
            </ol>
          )}
          <textarea
            placeholder={pending.length ? 'Comment on the whole label (optional)' : 'Comment (required to return)'}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            rows={2}
          />
          <div className="label-panel__actions">
            <button type="button" className="button button--small button--primary" disabled={!!busy || pending.length > 0} onClick={() => void sendReview(true)}>
              Approve
            </button>
            <button type="button" className="button button--small" disabled={!!busy || !returnable} onClick={() => void sendReview(false)}>
              {pending.length ? `Return ${pending.length} region${pending.length > 1 ? 's' : ''}, accept the rest` : 'Return with comment'}
            </button>
          </div>
        </div>
      )}
      {canAssign && <AssignPanel volumeId={volume.id} assignee={volume.assignee ?? null} />}
      {history.length > 0 && (
        <ol className="label-panel__history" data-testid="label-history" aria-label="History">
          {history.map((h) => (
            <li key={`${h.version}-${h.action}-${h.at}`}>
              <time dateTime={h.at}>{when(h.at)}</time> · <b>{h.action.toLowerCase()}</b> v{h.version} by {h.author}
              {h.comment ? `: “${h.comment}”` : ''}
              {h.regions.length > 0 && ` (${h.regions.length} region${h.regions.length > 1 ? 's' : ''} returned)`}
              {h.changes && <span className="label-panel__changes"> — {h.changes}</span>}
            </li>
          ))}
        </ol>
      )}
    </section>
  );

  return (
    <Workspace
      kit={kit}
      image={shownImage}
      umPerPx={umPerPx}
      label={`Volume of ${volume.case.subject.code} ${volume.case.eye}`}
      layout="viewer.volume"
      panels={[
        { id: 'label', title: 'Label', content: side, place: { of: 'metrics', side: 'above', size: 420 } },
        {
          id: 'results',
          title: 'Run results',
          content: volume.latestRun ? <RunResults runId={volume.latestRun.id} /> : <p className="dock__empty">No run yet.</p>,
          place: { of: 'metrics', side: 'within' },
        },
        { id: 'slices', title: 'Slices', content: <SlicePanel volumeId={volume.id} dims={volume.dims} />, place: { of: 'metrics', side: 'within' } },
        ...(hasLayers && run
          ? [
              {
                id: 'layers',
                title: 'B-scan & layers',
                keepAlive: true,
                place: { of: 'image', side: 'below' as const, size: 400 },
                content: (
                  <LayersPanel
                    volumeId={volume.id}
                    runId={run.id}
                    dims={volume.dims}
                    bscan={bscan}
                    onBScan={setBScan}
                    canEdit={canEdit}
                    oct={oct}
                    slab={slab}
                    onSlab={setSlab}
                    thickness={thickness}
                    onThickness={setThickness}
                    slabProblem={slabProblem}
                  />
                ),
              },
            ]
          : []),
      ]}
      scales={heat ? <HeatLegend title={`Thickness ${heat.layer}`} unit={heat.unit} range={heat.heat.scale()} testId="legend-thickness" /> : undefined}
      extraKey={extraKey}
      overlays={overlays}
      capture={drawing ? capture : undefined}
      legend={
        diff || review.regions.length ? (
          <>
            {diff && (
              <>
                <span><i style={{ background: DIFF_COLORS.added }} /> added</span>
                <span><i style={{ background: DIFF_COLORS.removed }} /> removed</span>
                <span><i style={{ background: DIFF_COLORS.moved }} /> moved</span>
              </>
            )}
            {review.regions.length > 0 && <span><i style={{ background: DIFF_COLORS.region }} /> returned region</span>}
          </>
        ) : null
      }
      badge={
        <div className="viewer__badge" data-testid="volume-badge">
          {volume.case.subject.code} · {volume.case.eye} · {doc.width}×{doc.height} px ·{' '}
          <span data-testid="viewer-pixel-size" data-source={volume.pixelSizeSource}>
            {volume.umPerPx === null ? 'pixel size unknown: distances in px' : `${volume.umPerPx} µm/px (${PIXEL_SOURCE[volume.pixelSizeSource]})`}
          </span>
          {shownImage ? '' : ' · no preprocessed image yet'}
          {slab && shownImage !== image ? <span data-testid="viewer-slab"> · slab {slab}</span> : ''}
        </div>
      }
    />
  );
}
