// A form for a new case: the subject's pseudonymous code, the eye, and what
// is known about the acquisition.
import { useState, type FormEvent } from 'react';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { CreateCaseInput, CreateCaseMutation, Eye } from '../../graphql/generated';
import { CREATE_CASE_MUTATION } from '../../graphql/operations/cases';
import { parseTags } from './format';

interface Props {
  onClose(): void;
  onCreated(id: string): void;
}

export function NewCaseDialog({ onClose, onCreated }: Props) {
  const [subjectCode, setSubjectCode] = useState('');
  const [eye, setEye] = useState<Eye>('OD');
  const [ecc, setEcc] = useState('');
  const [acquiredOn, setAcquiredOn] = useState('');
  const [device, setDevice] = useState('');
  const [tags, setTags] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const input: CreateCaseInput = { subjectCode: subjectCode.trim(), eye };
    if (ecc.trim()) input.eccentricityDeg = Number(ecc);
    if (acquiredOn) input.acquiredOn = acquiredOn;
    if (device.trim()) input.device = device.trim();
    const t = parseTags(tags);
    if (t.length) input.tags = t;
    setBusy(true);
    setError(null);
    try {
      const d = await request<CreateCaseMutation>(CREATE_CASE_MUTATION, { input });
      onCreated(d.createCase.case.id);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  return (
    <Dialog title="New case" onClose={onClose} className="form-dialog">
      <form onSubmit={submit} className="form">
        <label>
          Subject code
          <input autoFocus required value={subjectCode} onChange={(e) => setSubjectCode(e.target.value)} placeholder="pseudonymous code, never a name" />
        </label>
        <label>
          Eye
          <select value={eye} onChange={(e) => setEye(e.target.value as Eye)}>
            <option value="OD">OD (right)</option>
            <option value="OS">OS (left)</option>
          </select>
        </label>
        <label>
          Eccentricity (°)
          <input type="number" step="0.01" value={ecc} onChange={(e) => setEcc(e.target.value)} />
        </label>
        <label>
          Acquired on
          <input type="date" value={acquiredOn} onChange={(e) => setAcquiredOn(e.target.value)} />
        </label>
        <label>
          Device
          <input value={device} onChange={(e) => setDevice(e.target.value)} />
        </label>
        <label>
          Tags
          <input value={tags} onChange={(e) => setTags(e.target.value)} placeholder="comma separated" />
        </label>
        {error && <ErrorNote className="form__error">{error}</ErrorNote>}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !subjectCode.trim()}>
            Create case
          </button>
        </div>
      </form>
    </Dialog>
  );
}
