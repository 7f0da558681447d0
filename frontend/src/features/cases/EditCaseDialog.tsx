// Corrects a case that was ingested with a wrong subject, eye, eccentricity, date or tags.
// Only changed fields are sent; the server audits the change.
import { useState, type FormEvent } from 'react';
import { Dialog } from '../../components/ui/Dialog';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { errorText, request } from '../../graphql/client';
import type { Eye, UpdateCaseMutation } from '../../graphql/generated';
import { UPDATE_CASE_MUTATION } from '../../graphql/operations/cases';
import { caseChange, formOf, type CaseFields } from './editCase';

interface Props {
  caseId: string;
  fields: CaseFields;
  onClose(): void;
  onSaved(): void;
}

export function EditCaseDialog({ caseId, fields, onClose, onSaved }: Props) {
  const [form, setForm] = useState(() => formOf(fields));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const change = caseChange(fields, form);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!change || 'error' in change) return;
    setBusy(true);
    setError(null);
    try {
      await request<UpdateCaseMutation>(UPDATE_CASE_MUTATION, { id: caseId, input: change });
      onSaved();
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  }

  const set = (k: keyof typeof form) => (e: { target: { value: string } }) => setForm((f) => ({ ...f, [k]: e.target.value }));
  return (
    <Dialog title="Correct case" onClose={onClose} className="form-dialog">
      <form onSubmit={submit} className="form" data-testid="edit-case-form">
        <label>
          Subject code
          <input autoFocus value={form.subjectCode} onChange={set('subjectCode')} data-testid="edit-case-subject" />
        </label>
        <label>
          Eye
          <select value={form.eye} onChange={(e) => setForm((f) => ({ ...f, eye: e.target.value as Eye }))} data-testid="edit-case-eye">
            <option value="OD">OD (right)</option>
            <option value="OS">OS (left)</option>
          </select>
        </label>
        <label>
          Eccentricity (°, empty for unknown)
          <input type="number" step="any" min="0" max="90" value={form.eccentricity} onChange={set('eccentricity')} data-testid="edit-case-eccentricity" />
        </label>
        <label>
          Acquired on (empty for unknown)
          <input type="date" value={form.acquiredOn} onChange={set('acquiredOn')} data-testid="edit-case-acquired" />
        </label>
        <label>
          Tags (comma or space separated)
          <input value={form.tags} onChange={set('tags')} data-testid="edit-case-tags" />
        </label>
        {change && 'error' in change && <ErrorNote className="form__error">{change.error}</ErrorNote>}
        {error && <ErrorNote className="form__error">{error}</ErrorNote>}
        <div className="form__actions">
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" disabled={busy || !change || 'error' in change} data-testid="edit-case-save">
            Save
          </button>
        </div>
      </form>
    </Dialog>
  );
}
