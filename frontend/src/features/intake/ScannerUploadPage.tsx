// The scanner's page: make a case (subject code, eye, optional eccentricity) and send files
// into it, seeing each file's verdict. A scanner reads nothing else, so nothing here lists
// cases or volumes: the case made on this page is the one files go to.
import { useRef, useState, type FormEvent } from 'react';
import { ErrorNote } from '../../components/ui/ErrorNote';
import { csrfHeaders, errorText, GRAPHQL_PATH, projectHeaders, request } from '../../graphql/client';
import type { ScannerCreateCaseMutation, ScannerUploadVolumeMutation } from '../../graphql/generated';
import { SCANNER_CREATE_CASE, SCANNER_UPLOAD_VOLUME } from '../../graphql/operations/intake';

interface Sent {
  key: number;
  name: string;
  state: 'sending' | 'ready' | 'received' | 'rejected' | 'failed';
  detail: string;
}

/** uploadOne sends file into caseId (GraphQL multipart request) and says what became of it. */
async function uploadOne(file: File, caseId: string, umPerPx: number | null): Promise<Omit<Sent, 'key' | 'name'>> {
  const input: Record<string, unknown> = { caseId };
  if (umPerPx !== null) input.umPerPx = umPerPx;
  const form = new FormData();
  form.append('operations', JSON.stringify({ query: SCANNER_UPLOAD_VOLUME, variables: { file: null, input } }));
  form.append('map', JSON.stringify({ 0: ['variables.file'] }));
  form.append('0', file, file.name);
  let body: { data?: ScannerUploadVolumeMutation | null; errors?: { message: string; extensions?: { reason?: unknown } }[] };
  try {
    const res = await fetch(GRAPHQL_PATH, {
      method: 'POST',
      body: form,
      credentials: 'same-origin',
      headers: { Accept: 'application/graphql-response+json, application/json', ...csrfHeaders(), ...projectHeaders() },
    });
    body = (await res.json()) as typeof body;
  } catch (err) {
    return { state: 'failed', detail: `the upload did not reach the server: ${errorText(err)}` };
  }
  const v = body.data?.uploadVolume?.volume;
  if (v?.status === 'REJECTED') return { state: 'rejected', detail: `${v.errorCode ?? 'REJECTED'}: ${v.error ?? 'the file was rejected'}` };
  // The server refuses a file it cannot take (empty, unknown format) with a stable reason.
  const refused = body.errors?.find((e) => e.extensions?.reason !== undefined);
  if (refused) return { state: 'rejected', detail: `${String(refused.extensions!.reason)}: ${refused.message}` };
  if (body.errors?.length) return { state: 'failed', detail: body.errors.map((e) => e.message).join('; ') };
  if (!v) return { state: 'failed', detail: 'the server sent no answer' };
  const dup = body.data?.uploadVolume.duplicate ? ' (already uploaded: the earlier volume)' : '';
  return { state: v.status === 'READY' ? 'ready' : 'received', detail: `volume ${v.id}${dup}` };
}

let seq = 0;

export function ScannerUploadPage() {
  const [subjectCode, setSubjectCode] = useState('');
  const [eye, setEye] = useState<'OD' | 'OS'>('OD');
  const [ecc, setEcc] = useState('');
  const [umPerPx, setUmPerPx] = useState('');
  const [caseId, setCaseId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<Sent[]>([]);
  const fileRef = useRef<HTMLInputElement>(null);

  async function createCase(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const input: Record<string, unknown> = { subjectCode: subjectCode.trim(), eye };
      if (ecc.trim()) input.eccentricityDeg = Number(ecc);
      const d = await request<ScannerCreateCaseMutation>(SCANNER_CREATE_CASE, { input });
      setCaseId(d.createCase.case.id);
      setSent([]);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  }

  const scale = umPerPx.trim() ? Number(umPerPx) : null;
  const scaleValid = scale === null || (Number.isFinite(scale) && scale > 0);

  function send(files: FileList | null) {
    if (!files || !caseId || !scaleValid) return;
    for (const f of Array.from(files)) {
      const key = ++seq;
      setSent((s) => [...s, { key, name: f.name, state: 'sending', detail: '' }]);
      void uploadOne(f, caseId, scale).then((r) => setSent((s) => s.map((it) => (it.key === key ? { ...it, ...r } : it))));
    }
  }

  return (
    <div className="intake" data-testid="scanner-upload">
      <p className="intake__lead">
        Send the scanner&rsquo;s files here: make a case for the subject and eye, then choose its files. Analysts and
        technicians see them in their own pages; this page shows only what became of each file.
      </p>
      <form className="form intake__case" onSubmit={createCase} aria-label="New case">
        <h2>1. The case</h2>
        <label>
          Subject code
          <input value={subjectCode} onChange={(e) => setSubjectCode(e.target.value)} required placeholder="e.g. S-0042" />
        </label>
        <label>
          Eye
          <select value={eye} onChange={(e) => setEye(e.target.value as 'OD' | 'OS')}>
            <option value="OD">OD (right)</option>
            <option value="OS">OS (left)</option>
          </select>
        </label>
        <label>
          Eccentricity (°)
          <input type="number" step="0.01" value={ecc} onChange={(e) => setEcc(e.target.value)} placeholder="optional" />
        </label>
        {error && <ErrorNote className="form__error">{error}</ErrorNote>}
        <div className="form__actions">
          <button type="submit" className="button button--primary" disabled={busy || !subjectCode.trim()}>
            {caseId ? 'Start another case' : 'Create case'}
          </button>
        </div>
        {caseId && (
          <p className="intake__case-id" data-testid="scanner-case">
            Case <code>{caseId}</code> ({eye}) is ready for files.
          </p>
        )}
      </form>
      <section className="form intake__files" aria-label="Files">
        <h2>2. Its files</h2>
        <label>
          Pixel size (µm per pixel)
          <input
            type="number"
            step="any"
            min="0"
            value={umPerPx}
            onChange={(e) => setUmPerPx(e.target.value)}
            placeholder="as the scanner states it; leave empty to use the file's"
            aria-invalid={!scaleValid}
          />
        </label>
        <div className="form__actions">
          <button type="button" className="button button--primary" disabled={!caseId || !scaleValid} onClick={() => fileRef.current?.click()}>
            Choose files…
          </button>
          <input ref={fileRef} type="file" multiple hidden onChange={(e) => { send(e.target.files); e.target.value = ''; }} data-testid="scanner-file" />
        </div>
        {!caseId && <p className="intake__hint">Create the case first.</p>}
        {sent.length > 0 && (
          <ul className="intake__sent" data-testid="scanner-sent">
            {sent.map((s) => (
              <li key={s.key} data-state={s.state}>
                <b>{s.name}</b> · {s.state}
                {s.detail && <span> · {s.detail}</span>}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
