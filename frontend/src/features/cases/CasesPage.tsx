// The Cases page: a filter bar, the windowed case grid and the selected
// case's detail with its volumes and uploads.
import { useCallback, useEffect, useRef, useState } from 'react';
import { usePageShortcuts } from '../../components/ui/keyboard';
import type { CaseFilter, CaseOrder, Eye } from '../../graphql/generated';
import type { CaseRow } from '../../graphql/operations/cases';
import { CaseDetailPanel } from './CaseDetailPanel';
import { CaseTable } from './CaseTable';
import { parseTags } from './format';
import { NewCaseDialog } from './NewCaseDialog';
import { useCaseList } from './useCaseList';
import type { Uploader, UploadZoneHandle } from './UploadZone';
import type { FetchPage } from './caseList';
import { useCan } from '../session';
import { SplitPane } from '../../components/ui/SplitPane';

/** The case id in "#/cases/<id>", if any. */
function caseIdFromHash(): string | null {
  const m = /^#\/cases\/([^/?]+)/.exec(window.location.hash);
  return m ? decodeURIComponent(m[1]!) : null;
}

function useDebounced<T>(value: T, ms: number): T {
  const [v, setV] = useState(value);
  useEffect(() => {
    const id = window.setTimeout(() => setV(value), ms);
    return () => window.clearTimeout(id);
  }, [value, ms]);
  return v;
}

interface Props {
  /** Test seams. */
  fetchFor?: (f: CaseFilter, o: CaseOrder) => FetchPage;
  uploader?: Uploader;
}

export function CasesPage({ fetchFor, uploader }: Props) {
  const [subject, setSubject] = useState('');
  const [eye, setEye] = useState<Eye | ''>('');
  const [tags, setTags] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [order, setOrder] = useState<CaseOrder>({ field: 'CREATED_AT', direction: 'DESC' });
  const [reload, setReload] = useState(0);
  const [selected, setSelected] = useState<string | null>(caseIdFromHash);
  const [creating, setCreating] = useState(false);
  const filterRef = useRef<HTMLInputElement>(null);
  const uploadRef = useRef<UploadZoneHandle>(null);
  const canCreate = useCan('admin', 'tech', 'scanner');

  const dSubject = useDebounced(subject.trim(), 250);
  const dTags = useDebounced(tags, 250);
  const filter: CaseFilter = {};
  if (dSubject) filter.subjectCode = dSubject;
  if (eye) filter.eye = eye;
  const tagList = parseTags(dTags);
  if (tagList.length) filter.tags = tagList;
  if (from) filter.acquiredFrom = from;
  if (to) filter.acquiredTo = to;

  const { state, loader } = useCaseList(filter, order, reload, fetchFor);
  const onNeed = useCallback((i: number) => loader?.want(i), [loader]);

  const select = useCallback((id: string | null) => {
    setSelected(id);
    const hash = id ? `#/cases/${encodeURIComponent(id)}` : '#/cases';
    if (window.location.hash !== hash) window.history.replaceState(null, '', hash);
  }, []);

  const onSelectRow = useCallback((r: CaseRow) => select(r.id), [select]);

  const filtered = Object.keys(filter).length > 0;
  const clear = () => {
    setSubject('');
    setEye('');
    setTags('');
    setFrom('');
    setTo('');
  };

  usePageShortcuts((e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return false;
    switch (e.key) {
      case '/':
        filterRef.current?.focus();
        return true;
      case 'n':
        if (!canCreate) return false;
        setCreating(true);
        return true;
      case 'u':
        if (!uploadRef.current) return false;
        uploadRef.current.chooseFiles();
        return true;
      case 'r':
        setReload((r) => r + 1);
        return true;
      case 'Escape':
        if (!selected) return false;
        select(null);
        return true;
      default:
        return false;
    }
  });

  // Escape in a filter field leaves it for the grid.
  const leaveField = (e: React.KeyboardEvent) => {
    if (e.key === 'Escape') {
      (document.querySelector('[data-testid="case-grid"]') as HTMLElement | null)?.focus();
    }
  };

  return (
    <div className={`cases${selected ? ' cases--with-detail' : ''}`}>
      <SplitPane
        id="cases"
        sideLabel="Case detail"
        sideSize={540}
        minSide={380}
        main={
      <div className="cases__main">
        <div className="cases__filters" role="search" onKeyDown={leaveField}>
          <input
            ref={filterRef}
            type="search"
            className="input"
            placeholder="Subject code  ( / )"
            aria-label="Filter by subject code"
            value={subject}
            onChange={(e) => setSubject(e.target.value)}
          />
          <select className="input" aria-label="Filter by eye" value={eye} onChange={(e) => setEye(e.target.value as Eye | '')}>
            <option value="">Both eyes</option>
            <option value="OD">OD</option>
            <option value="OS">OS</option>
          </select>
          <input className="input" placeholder="Tags" aria-label="Filter by tags (all of)" value={tags} onChange={(e) => setTags(e.target.value)} />
          <label className="cases__date">
            from
            <input className="input" type="date" aria-label="Acquired from" value={from} onChange={(e) => setFrom(e.target.value)} />
          </label>
          <label className="cases__date">
            to
            <input className="input" type="date" aria-label="Acquired to" value={to} onChange={(e) => setTo(e.target.value)} />
          </label>
          {filtered && (
            <button type="button" className="button button--small" onClick={clear}>
              Clear
            </button>
          )}
          <span className="cases__count" data-testid="case-count" role="status">
            {state.total === null ? (state.error ? '' : 'loading…') : `${state.total.toLocaleString('en')} case${state.total === 1 ? '' : 's'}`}
            {state.loading && state.total !== null && state.rows.length < state.total ? ` · ${state.rows.length.toLocaleString('en')} loaded` : ''}
          </span>
          <button type="button" className="button button--small" onClick={() => setReload((r) => r + 1)} title="Reload (R)">
            Reload
          </button>
          {canCreate && (
            <button type="button" className="button button--small button--primary" onClick={() => setCreating(true)} title="New case (N)">
              New case
            </button>
          )}
        </div>
        {state.error && (
          <div className="cases__error" role="alert">
            Could not load cases: {state.error}{' '}
            <button type="button" className="button button--small" onClick={() => loader?.retry()}>
              Retry
            </button>
          </div>
        )}
        {state.total === 0 ? (
          <div className="cases__empty" role="status">
            {filtered ? 'No case matches these filters.' : 'No cases yet. Create one with New case (N).'}
          </div>
        ) : (
          <CaseTable
            rows={state.rows}
            total={state.total}
            order={order}
            onSort={setOrder}
            selectedId={selected}
            onSelect={onSelectRow}
            onNeed={onNeed}
          />
        )}
      </div>
        }
        side={
          selected ? (
        <CaseDetailPanel
          ref={uploadRef}
          caseId={selected}
          onClose={() => select(null)}
          onChanged={() => setReload((r) => r + 1)}
          uploader={uploader}
        />
          ) : null
        }
      />
      {creating && (
        <NewCaseDialog
          onClose={() => setCreating(false)}
          onCreated={(id) => {
            setCreating(false);
            setReload((r) => r + 1);
            select(id);
          }}
        />
      )}
    </div>
  );
}
