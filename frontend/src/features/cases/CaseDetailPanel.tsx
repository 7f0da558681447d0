// The selected case: its facts, its volumes (status, size, spacing, why a
// volume was rejected) and an upload zone for more.
import { forwardRef, useCallback, useEffect, useState } from 'react';
import { DataTable } from '../../components/ui/DataTable';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { StatusDot, type DotTone } from '../../components/ui/StatusDot';
import { errorText, request } from '../../graphql/client';
import type { ArchiveCaseMutation, ArchiveVolumeMutation, CaseQuery, StartVolumeRunMutation, VolumeStatus } from '../../graphql/generated';
import {
  ARCHIVE_CASE_MUTATION,
  ARCHIVE_VOLUME_MUTATION,
  CASE_QUERY,
  START_VOLUME_RUN_MUTATION,
  type CaseDetail,
} from '../../graphql/operations/cases';
import { runTone } from './CaseTable';
import { formatBytes, formatDate, formatDateTime, formatDims, formatEccentricity, formatPixelSize } from './format';
import { CalibrationDialog } from './CalibrationDialog';
import { EditCaseDialog } from './EditCaseDialog';
import { UploadZone, type Uploader, type UploadZoneHandle } from './UploadZone';
import { useCan } from '../session';

const volumeTone = (s: VolumeStatus): DotTone => (s === 'READY' ? 'ok' : s === 'REJECTED' ? 'down' : 'pending');

interface Props {
  caseId: string;
  onClose(): void;
  onChanged(): void;
  uploader?: Uploader;
}

export const CaseDetailPanel = forwardRef<UploadZoneHandle, Props>(function CaseDetailPanel(
  { caseId, onClose, onChanged, uploader },
  uploadRef,
) {
  const [data, setData] = useState<CaseDetail | null>(null);
  const canUpload = useCan('admin', 'tech', 'scanner');
  const canRun = useCan('admin', 'ml_engineer', 'researcher', 'tech');
  const canCalibrate = useCan('admin', 'tech');
  const [calibrating, setCalibrating] = useState<string | null>(null);
  const canArchive = useCan('admin', 'tech');
  const [editing, setEditing] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [tick, setTick] = useState(0);

  useEffect(() => {
    const ac = new AbortController();
    request<CaseQuery>(CASE_QUERY, { id: caseId }, { signal: ac.signal })
      .then((d) => {
        setData(d.case);
        setError(d.case ? null : 'This case no longer exists.');
      })
      .catch((err: unknown) => {
        if (!ac.signal.aborted) setError(errorText(err));
      });
    return () => ac.abort();
  }, [caseId, tick]);

  // Volumes still being received, and runs still going, are checked again shortly.
  const pending =
    data?.volumes.some(
      (v) => v.status === 'RECEIVED' || v.latestRun?.status === 'QUEUED' || v.latestRun?.status === 'RUNNING',
    ) ?? false;
  const [starting, setStarting] = useState<string | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const startRun = useCallback(async (volumeId: string) => {
    setStarting(volumeId);
    setRunError(null);
    try {
      await request<StartVolumeRunMutation>(START_VOLUME_RUN_MUTATION, { input: { volumeId } });
      setTick((t) => t + 1);
    } catch (err) {
      setRunError(errorText(err));
    } finally {
      setStarting(null);
    }
  }, []);
  useEffect(() => {
    if (!pending) return;
    const id = window.setTimeout(() => setTick((t) => t + 1), 1500);
    return () => window.clearTimeout(id);
  }, [pending, tick]);

  const refresh = useCallback(() => {
    setTick((t) => t + 1);
    onChanged();
  }, [onChanged]);

  // Archiving asks why (the reason goes on the audit record) and then refreshes the lists.
  const archive = useCallback(
    async (what: 'volume' | 'case', id: string, name: string) => {
      const reason = window.prompt(`Archive ${name}? It leaves the lists and exports. Why?`)?.trim();
      if (!reason) return;
      setRunError(null);
      try {
        if (what === 'volume') await request<ArchiveVolumeMutation>(ARCHIVE_VOLUME_MUTATION, { id, reason });
        else {
          await request<ArchiveCaseMutation>(ARCHIVE_CASE_MUTATION, { id, reason });
          onClose();
        }
        refresh();
      } catch (err) {
        setRunError(errorText(err));
      }
    },
    [refresh, onClose],
  );

  const c = data && data.id === caseId ? data : null;
  return (
    <aside className="case-detail" aria-label="Case detail" data-testid="case-detail">
      <header className="case-detail__header">
        <h2>
          {c ? (
            <>
              <code>{c.subject.code}</code> · {c.eye}
            </>
          ) : (
            'Case'
          )}
        </h2>
        <button type="button" className="icon-button" onClick={onClose} title="Close (Esc)" aria-label="Close case detail">
          ×
        </button>
      </header>
      {error && <ErrorNote>{error}</ErrorNote>}
      {!c && !error && <p className="case-detail__muted">Loading…</p>}
      {c && (
        <div className="case-detail__body">
          <dl className="facts">
            <dt>Eccentricity</dt>
            <dd>
              {formatEccentricity(c.eccentricityDeg)}
              {c.meridian ? ` ${c.meridian}` : ''}
            </dd>
            <dt>Acquired</dt>
            <dd>{formatDate(c.acquiredOn)}</dd>
            <dt>Device</dt>
            <dd>{c.device ?? '—'}</dd>
            <dt>Tags</dt>
            <dd>{c.tags.length ? c.tags.join(', ') : '—'}</dd>
            <dt>Created</dt>
            <dd>{formatDateTime(c.createdAt)}</dd>
            {c.notes && (
              <>
                <dt>Notes</dt>
                <dd>{c.notes}</dd>
              </>
            )}
          </dl>

          <h3 className="case-detail__section">Volumes ({c.volumes.length})</h3>
          {c.volumes.length === 0 ? (
            <p className="case-detail__muted">{canUpload ? 'No volumes yet: drop files below.' : 'No volumes yet.'}</p>
          ) : (
            <DataTable
              className="volume-table"
              data-testid="volume-table"
              columns={['File', 'Status', 'Dims (px)', 'Pixel size', { label: 'Size', num: true }, 'Run', ...(canArchive ? [''] : [])]}
              rows={c.volumes}
              row={(v) => (
                <tr key={v.id} data-testid="volume-row" data-status={v.status}>
                  <td className="volume-table__file" title={`${v.filename} (${v.sourceFormat || 'unknown format'})`} data-testid="volume-file">
                    {v.filename || '—'}
                  </td>
                  <td>
                    <span className="state-cell">
                      <StatusDot tone={volumeTone(v.status)} />
                      {v.status}
                    </span>
                    {v.status === 'REJECTED' && (
                      <div className="volume-table__reason" title={v.error ?? undefined}>
                        <code>{v.errorCode ?? 'REJECTED'}</code> {v.error}
                      </div>
                    )}
                  </td>
                  <td>{v.status === 'REJECTED' ? '—' : formatDims(v.dims)}</td>
                  <td data-testid="volume-pixel-size" data-source={v.pixelSizeSource}>
                    {v.status === 'REJECTED' ? (
                      '—'
                    ) : (
                      <>
                        {formatPixelSize(v)}
                        {canCalibrate && v.status === 'READY' && (
                          <button
                            type="button"
                            className="button button--small volume-table__calibrate"
                            onClick={() => setCalibrating(v.id)}
                            title="Set the pixel size (µm per pixel, or the device and the eye's axial length)"
                            data-testid="set-pixel-size"
                          >
                            Set
                          </button>
                        )}
                      </>
                    )}
                  </td>
                  <td className="num">{formatBytes(v.sizeBytes)}</td>
                  <td>
                    {v.latestRun ? (
                      <>
                        <span className="state-cell" data-testid="volume-run">
                          <StatusDot tone={runTone(v.latestRun.status)} />
                          {v.latestRun.status.toLowerCase()}
                        </span>
                        {v.status === 'READY' && canRun && (v.latestRun.status === 'FAILED' || v.latestRun.status === 'CANCELED' || v.latestRun.status === 'SUCCEEDED') && (
                          <button
                            type="button"
                            className="button button--small"
                            disabled={starting === v.id}
                            onClick={() => void startRun(v.id)}
                            title="Run the pipeline again on this volume (the new run becomes current when it succeeds)"
                            data-testid="volume-rerun"
                          >
                            Re-run
                          </button>
                        )}
                        {v.latestRun.status === 'SUCCEEDED' && (
                          <a
                            className="button button--small volume-table__open"
                            href={`#/viewer/${encodeURIComponent(v.id)}`}
                            data-testid="open-viewer"
                            title="Open in the viewer to label"
                          >
                            Open
                          </a>
                        )}
                      </>
                    ) : v.status === 'READY' && canRun ? (
                      <button
                        type="button"
                        className="button button--small"
                        disabled={starting === v.id}
                        onClick={() => void startRun(v.id)}
                        title="Start the pipeline on this volume"
                        data-testid="volume-run-start"
                      >
                        Run
                      </button>
                    ) : (
                      '—'
                    )}
                  </td>
                  {canArchive && (
                    <td>
                      <button
                        type="button"
                        className="icon-button"
                        title="Archive this volume"
                        aria-label={`Archive ${v.filename || 'volume'}`}
                        data-testid="archive-volume"
                        onClick={() => void archive('volume', v.id, v.filename || 'this volume')}
                      >
                        ⌫
                      </button>
                    </td>
                  )}
                </tr>
              )}
            />
          )}

          {runError && <ErrorNote>{runError}</ErrorNote>}
          {calibrating &&
            (() => {
              const vol = c.volumes.find((x) => x.id === calibrating);
              return vol ? (
                <CalibrationDialog
                  volume={vol}
                  onClose={() => setCalibrating(null)}
                  onSaved={() => {
                    setCalibrating(null);
                    refresh();
                  }}
                />
              ) : null;
            })()}
          {editing && (
            <EditCaseDialog
              caseId={c.id}
              fields={{ subjectCode: c.subject.code, eye: c.eye, eccentricityDeg: c.eccentricityDeg ?? null, acquiredOn: c.acquiredOn ?? null, tags: c.tags }}
              onClose={() => setEditing(false)}
              onSaved={() => {
                setEditing(false);
                refresh();
              }}
            />
          )}
          {canArchive && (
            <p>
              <button type="button" className="button button--small" data-testid="edit-case" onClick={() => setEditing(true)}>
                Correct case…
              </button>{' '}
              <button
                type="button"
                className="button button--small"
                data-testid="archive-case"
                onClick={() => void archive('case', c.id, `case ${c.subject.code} ${c.eye}`)}
              >
                Archive case…
              </button>
            </p>
          )}

          {canUpload && (
            <>
              <h3 className="case-detail__section">Upload</h3>
              <UploadZone ref={uploadRef} caseId={c.id} onUploaded={refresh} uploader={uploader} />
            </>
          )}
        </div>
      )}
    </aside>
  );
});
