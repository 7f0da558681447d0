// Sets a volume's pixel size: µm per pixel directly, or the scan's field of view and the
// eye's axial length (converted by the server with Bennett, Rudnicka & Edgar 1994). The
// volume's latest finished run then measures again with it (metrics and QC only).
import { useState, type FormEvent } from 'react';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { SetVolumeCalibrationInput, SetVolumeCalibrationMutation } from '../../graphql/generated';
import { SET_VOLUME_CALIBRATION_MUTATION, type Volume } from '../../graphql/operations/cases';
import { formatPixelSize } from './format';

interface Props {
  volume: Volume;
  onClose(): void;
  onSaved(): void;
}

export function CalibrationDialog({ volume, onClose, onSaved }: Props) {
  const [mode, setMode] = useState<'direct' | 'device'>(volume.pixelSizeSource === 'DEVICE' ? 'device' : 'direct');
  const [umPerPx, setUmPerPx] = useState(volume.umPerPx !== null ? String(volume.umPerPx) : '');
  const dc = volume.deviceCalibration;
  const [axial, setAxial] = useState(dc ? String(dc.axialLengthMm) : '');
  const [fovDeg, setFovDeg] = useState(dc ? String(dc.fieldOfViewDeg) : '');
  const [fovPx, setFovPx] = useState(dc ? String(dc.fieldOfViewPx) : String(volume.dims.x));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input: SetVolumeCalibrationInput =
      mode === 'direct'
        ? { volumeId: volume.id, umPerPx: Number(umPerPx) }
        : {
            volumeId: volume.id,
            device: { axialLengthMm: Number(axial), fieldOfViewDeg: Number(fovDeg), fieldOfViewPx: Math.round(Number(fovPx)) },
          };
    setBusy(true);
    setError(null);
    try {
      await request<SetVolumeCalibrationMutation>(SET_VOLUME_CALIBRATION_MUTATION, { input });
      onSaved();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  const ready = mode === 'direct' ? Number(umPerPx) > 0 : Number(axial) > 0 && Number(fovDeg) > 0 && Number(fovPx) > 0;
  return (
    <Dialog title="Pixel size" onClose={onClose} className="form-dialog">
      <form onSubmit={submit} className="form" data-testid="calibration-form">
        <p className="form__note">
          Now: <strong data-testid="calibration-current">{formatPixelSize(volume)}</strong>. Saving measures the latest run
          again (metrics and QC only).
        </p>
        <label>
          Given as
          <select value={mode} onChange={(e) => setMode(e.target.value as 'direct' | 'device')} data-testid="calibration-mode">
            <option value="direct">µm per pixel</option>
            <option value="device">device field of view and axial length</option>
          </select>
        </label>
        {mode === 'direct' ? (
          <label>
            µm per pixel
            <input autoFocus type="number" step="any" min="0" value={umPerPx} onChange={(e) => setUmPerPx(e.target.value)} data-testid="calibration-um" />
          </label>
        ) : (
          <>
            <label>
              Axial length (mm)
              <input autoFocus type="number" step="any" min="15" max="40" value={axial} onChange={(e) => setAxial(e.target.value)} data-testid="calibration-axial" />
            </label>
            <label>
              Field of view (°)
              <input type="number" step="any" min="0" value={fovDeg} onChange={(e) => setFovDeg(e.target.value)} data-testid="calibration-fov-deg" />
            </label>
            <label>
              …spanning (px)
              <input type="number" step="1" min="1" value={fovPx} onChange={(e) => setFovPx(e.target.value)} data-testid="calibration-fov-px" />
            </label>
            <p className="form__note">Converted with q = 0.01306 × (axial length − 1.82) mm per degree (Bennett, Rudnicka &amp; Edgar 1994).</p>
          </>
        )}
        {error && <ErrorNote className="form__error">{error}</ErrorNote>}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !ready} data-testid="calibration-save">
            Save and re-measure
          </button>
        </div>
      </form>
    </Dialog>
  );
}
