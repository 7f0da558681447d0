// A volume opened for labelling: the run's preprocessed image, the model's cone marks (or
// the saved label), and the label panel: save (Ctrl+S, and an autosave of drafts) with
// optimistic concurrency, a conflict the user resolves, submit, review and history.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, GraphQLRequestError, request } from '../../graphql/client';
import type { LabelQuery, ReviewLabelMutation, SaveLabelMutation, SubmitLabelMutation, VolumeWorkspaceQuery } from '../../graphql/generated';
import {
  LABEL_QUERY,
  REVIEW_LABEL_MUTATION,
  SAVE_LABEL_MUTATION,
  SUBMIT_LABEL_MUTATION,
  VOLUME_WORKSPACE_QUERY,
  type LabelView,
  type WorkspaceVolume,
} from '../../graphql/operations/labels';
import { AnnotationDocument, AnnotationLayer, deserialize, Editor, serialize, UncertaintyNavigator, VoronoiLayer } from '../annotation';
import { useSession } from '../session';
import { HeatmapLayer, OrientationLayer, Workspace, type ImageSource, type WorkspaceKit } from '../viewer';
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
  umPerPx: number;
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
  // Without a calibrated pixel size the viewer measures in pixels (1 "µm" per px) and says so.
  const umPerPx = v.umPerPx ?? 1;
  const label = v.labels.find((l) => l.kind === KIND) ?? null;
  let doc: AnnotationDocument;
  if (label?.document) {
    doc = deserialize(label.document);
  } else {
    doc = new AnnotationDocument({ width, height, umPerPx });
    const pts = run?.modelPoints ? parsePoints(run.modelPoints) : [];
    doc.bulkLoadPoints(pts.map((p, i) => ({ id: `m${i}`, x: p.x, y: p.y, source: 'model' as const })));
  }
  return { volume: v, image, kit: kitFor(doc, run ?? null), label, umPerPx };
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

function Labelling({ loaded, onReload }: { loaded: Loaded; onReload(): void }) {
  const { volume, kit, image, umPerPx } = loaded;
  const session = useSession();
  const roles = session?.viewer.roles ?? [];
  const canEdit = roles.some((r) => r === 'admin' || r === 'labeler');
  const canReview = roles.some((r) => r === 'admin' || r === 'tech' || r === 'ml_engineer');
  const doc = kit.editor.doc;

  const [label, setLabel] = useState<LabelView | null>(loaded.label);
  const [savedRevision, setSavedRevision] = useState(doc.revision);
  const [revision, setRevision] = useState(doc.revision);
  const [busy, setBusy] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [comment, setComment] = useState('');
  useEffect(() => kit.editor.subscribe(() => setRevision(doc.revision)), [kit.editor, doc]);

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
  const review = (approve: boolean) =>
    act(approve ? 'Approving…' : 'Returning…', async () => {
      const d = await request<ReviewLabelMutation>(REVIEW_LABEL_MUTATION, {
        id: label!.id,
        version: label!.version,
        approve,
        comment: comment.trim() || null,
      });
      setComment('');
      return d.reviewLabel;
    });
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
      return false;
    },
    [editable, conflict, dirty, save],
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
      {canReview && label?.state === 'IN_REVIEW' && (
        <div className="label-panel__review" data-testid="label-review">
          <textarea placeholder="Comment (required to return)" value={comment} onChange={(e) => setComment(e.target.value)} rows={2} />
          <div className="label-panel__actions">
            <button type="button" className="button button--small button--primary" disabled={!!busy} onClick={() => void review(true)}>
              Approve
            </button>
            <button type="button" className="button button--small" disabled={!!busy || !comment.trim()} onClick={() => void review(false)}>
              Return with comment
            </button>
          </div>
        </div>
      )}
      {history.length > 0 && (
        <ol className="label-panel__history" data-testid="label-history" aria-label="History">
          {history.map((h) => (
            <li key={`${h.version}-${h.action}-${h.at}`}>
              <b>{h.action.toLowerCase()}</b> v{h.version} by {h.author}
              {h.comment ? `: “${h.comment}”` : ''}
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
      image={image}
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
      ]}
      extraKey={extraKey}
      badge={
        <div className="viewer__badge" data-testid="volume-badge">
          {volume.case.subject.code} · {volume.case.eye} · {doc.width}×{doc.height} px ·{' '}
          <span data-testid="viewer-pixel-size" data-source={volume.pixelSizeSource}>
            {volume.umPerPx === null ? 'pixel size unknown: distances in px' : `${volume.umPerPx} µm/px (${PIXEL_SOURCE[volume.pixelSizeSource]})`}
          </span>
          {image ? '' : ' · no preprocessed image yet'}
        </div>
      }
    />
  );
}
