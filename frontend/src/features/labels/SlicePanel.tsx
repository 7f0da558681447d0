// Planes of the volume beside the viewer: B-scans (x by depth) across y, cuts across x, and
// the raw en-face frames, rendered by the server; a slider (or ←/→ when it has focus) steps.
import { useEffect, useState } from 'react';
import { errorText, request } from '../../graphql/client';
import type { SliceAxis, VolumeSliceQuery } from '../../graphql/generated';
import { VOLUME_SLICE_QUERY } from '../../graphql/operations/labels';

type Slice = NonNullable<NonNullable<VolumeSliceQuery['volume']>['slice']>;

const AXES: { axis: SliceAxis; label: string }[] = [
  { axis: 'Y', label: 'B-scan (across y)' },
  { axis: 'X', label: 'Cut across x' },
  { axis: 'Z', label: 'En-face frame' },
];

export function SlicePanel({ volumeId, dims }: { volumeId: string; dims: { x: number; y: number; z: number } }) {
  const [axis, setAxis] = useState<SliceAxis>('Y');
  const count = axis === 'Y' ? dims.y : axis === 'X' ? dims.x : dims.z;
  const [index, setIndex] = useState(Math.floor(dims.y / 2));
  const [slice, setSlice] = useState<Slice | null>(null);
  const [error, setError] = useState<string | null>(null);
  const at = Math.min(index, count - 1);

  useEffect(() => {
    const ac = new AbortController();
    // Stepping quickly: only the plane the slider rests on is fetched.
    const id = window.setTimeout(() => {
      request<VolumeSliceQuery>(VOLUME_SLICE_QUERY, { id: volumeId, axis, index: at }, { signal: ac.signal })
        .then((d) => {
          setSlice(d.volume?.slice ?? null);
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
  }, [volumeId, axis, at]);

  // Depth is usually sampled much more coarsely than the plane: draw pixels at their size in µm.
  const aspect = slice && slice.umPerPxX && slice.umPerPxY ? slice.umPerPxY / slice.umPerPxX : 1;
  return (
    <section className="label-panel slice-panel" aria-label="Planes" data-testid="slice-panel">
      <h2>
        Planes <span>rendered by the server</span>
      </h2>
      <div className="slice-panel__controls">
        <select
          aria-label="Plane"
          value={axis}
          onChange={(e) => {
            const a = e.target.value as SliceAxis;
            setAxis(a);
            setIndex(Math.floor((a === 'Y' ? dims.y : a === 'X' ? dims.x : dims.z) / 2));
          }}
        >
          {AXES.map((a) => (
            <option key={a.axis} value={a.axis}>
              {a.label}
            </option>
          ))}
        </select>
        <input
          type="range"
          aria-label="Plane index"
          min={0}
          max={Math.max(0, count - 1)}
          value={at}
          onChange={(e) => setIndex(Number(e.target.value))}
        />
        <span data-testid="slice-index">
          {at + 1}/{count}
        </span>
      </div>
      {error && <p className="label-panel__problem">{error}</p>}
      {slice && (
        <img
          className="slice-panel__image"
          src={slice.png}
          alt={`${axis} plane ${slice.index + 1} of ${slice.count}`}
          data-testid="slice-image"
          data-width={slice.width}
          data-height={slice.height}
          style={{ aspectRatio: `${slice.width} / ${Math.max(1, slice.height * aspect)}` }}
        />
      )}
    </section>
  );
}
