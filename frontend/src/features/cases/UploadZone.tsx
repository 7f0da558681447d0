// Drag-and-drop upload of volumes into a case, one request per file, with
// per-file progress and the server's verdict (ready, rejected and why).
import { forwardRef, useCallback, useImperativeHandle, useRef, useState, type DragEvent } from 'react';
import { StatusDot } from '../../components/ui/StatusDot';
import type { Volume } from '../../graphql/operations/cases';
import { formatBytes, formatPixelSize } from './format';
import { uploadVolume, type UploadHandle, type UploadOutcome } from './upload';

export interface UploadItem {
  key: number;
  name: string;
  size: number;
  progress: number;
  state: 'uploading' | 'processing' | 'ready' | 'received' | 'rejected' | 'failed';
  reason?: string;
  message?: string;
  volume?: Volume;
  duplicate?: boolean;
}

/** Uploader sends one file; umPerPx, when given, is the pixel size the uploader states. */
export type Uploader = (file: File, caseId: string, onProgress: (f: number) => void, umPerPx?: number) => UploadHandle;

const defaultUploader: Uploader = (file, caseId, onProgress, umPerPx) => uploadVolume(file, caseId, onProgress, undefined, umPerPx);

export interface UploadZoneHandle {
  chooseFiles(): void;
}

interface Props {
  caseId: string;
  onUploaded(): void;
  uploader?: Uploader;
}

let seq = 0;

function outcomeState(o: UploadOutcome): Partial<UploadItem> {
  switch (o.kind) {
    case 'accepted':
      return {
        state: o.volume.status === 'READY' ? 'ready' : o.volume.status === 'REJECTED' ? 'rejected' : 'received',
        volume: o.volume,
        duplicate: o.duplicate,
        reason: o.volume.errorCode ?? undefined,
        message: o.volume.error ?? undefined,
      };
    case 'rejected':
      return { state: 'rejected', reason: o.reason, message: o.message, volume: o.volume ?? undefined };
    default:
      return { state: 'failed', message: o.message };
  }
}

export const UploadZone = forwardRef<UploadZoneHandle, Props>(function UploadZone(
  { caseId, onUploaded, uploader = defaultUploader },
  ref,
) {
  const [items, setItems] = useState<UploadItem[]>([]);
  const [over, setOver] = useState(false);
  // The pixel size stated for the next files; empty leaves it to the file's metadata.
  const [statedUm, setStatedUm] = useState('');
  const inputRef = useRef<HTMLInputElement>(null);
  const onUploadedRef = useRef(onUploaded);
  onUploadedRef.current = onUploaded;

  useImperativeHandle(ref, () => ({ chooseFiles: () => inputRef.current?.click() }), []);

  const patch = (key: number, p: Partial<UploadItem>) =>
    setItems((list) => list.map((it) => (it.key === key ? { ...it, ...p } : it)));

  const start = useCallback(
    (files: FileList | File[]) => {
      for (const file of Array.from(files)) {
        const key = ++seq;
        setItems((list) => [{ key, name: file.name, size: file.size, progress: 0, state: 'uploading' }, ...list]);
        const um = Number(statedUm);
        const h = uploader(
          file,
          caseId,
          (f) => patch(key, f >= 1 ? { progress: 1, state: 'processing' } : { progress: f }),
          statedUm.trim() && um > 0 ? um : undefined,
        );
        void h.promise.then((o) => {
          patch(key, { progress: 1, ...outcomeState(o) });
          onUploadedRef.current();
        });
      }
    },
    [caseId, uploader, statedUm],
  );

  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer.files.length > 0) start(e.dataTransfer.files);
  }

  return (
    <div className="upload">
      <div
        className={`upload__zone${over ? ' is-over' : ''}`}
        data-testid="upload-zone"
        onDragEnter={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragOver={(e) => {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }}
        onDragLeave={(e) => {
          if (e.currentTarget === e.target) setOver(false);
        }}
        onDrop={onDrop}
      >
        <span>Drop TIFF, DICOM or raw volumes here</span>
        <button type="button" className="button button--small" onClick={() => inputRef.current?.click()} title="Choose files (U)">
          Choose files…
        </button>
        <label className="upload__um" title="The pixel size of these files in µm per pixel; leave empty to take it from the file (DICOM Pixel Spacing, a TIFF's physical resolution)">
          µm/px
          <input
            type="number"
            step="any"
            min="0"
            value={statedUm}
            onChange={(e) => setStatedUm(e.target.value)}
            placeholder="from file"
            data-testid="upload-um-per-px"
          />
        </label>
        <input
          ref={inputRef}
          type="file"
          multiple
          hidden
          data-testid="upload-input"
          onChange={(e) => {
            if (e.target.files) start(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      {items.length > 0 && (
        <ul className="upload__list" aria-label="Uploads">
          {items.map((it) => (
            <li key={it.key} className={`upload__item upload__item--${it.state}`} data-testid="upload-row" data-state={it.state} data-file={it.name}>
              <div className="upload__line">
                <span className="upload__name" title={it.name}>
                  {it.name}
                </span>
                <span className="upload__size">{formatBytes(it.size)}</span>
                <span className="upload__state">
                  {it.state === 'uploading' && `${Math.round(it.progress * 100)}%`}
                  {it.state === 'processing' && 'checking…'}
                  {it.state === 'ready' && (
                    <>
                      <StatusDot tone="ok" /> READY{it.duplicate ? ' (already uploaded)' : ''}
                      {it.volume && it.volume.umPerPx !== undefined && (
                        <span className="upload__pixel" data-testid="upload-pixel-size" data-source={it.volume.pixelSizeSource}>
                          {' · '}
                          {formatPixelSize(it.volume)}
                        </span>
                      )}
                    </>
                  )}
                  {it.state === 'received' && (
                    <>
                      <StatusDot tone="pending" /> RECEIVED
                    </>
                  )}
                  {it.state === 'rejected' && (
                    <>
                      <StatusDot tone="down" /> REJECTED
                    </>
                  )}
                  {it.state === 'failed' && (
                    <>
                      <StatusDot tone="down" /> failed
                    </>
                  )}
                </span>
              </div>
              {(it.state === 'uploading' || it.state === 'processing') && (
                <progress className="upload__progress" max={1} value={it.progress} aria-label={`Uploading ${it.name}`} />
              )}
              {(it.state === 'rejected' || it.state === 'failed') && (
                <div className="upload__reason" data-testid="upload-reason">
                  {it.reason && <code>{it.reason}</code>} {it.message}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
});
