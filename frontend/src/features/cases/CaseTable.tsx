// A windowed grid of cases: only the rows in view (plus a few) are in the
// DOM, so 10,000 rows scroll as smoothly as 10. Sorting is the server's
// (created, acquired, eccentricity); the keyboard moves the active row.
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { StatusDot, type DotTone } from '../../components/ui/StatusDot';
import type { CaseOrder, CaseOrderField, RunStatus } from '../../graphql/generated';
import type { CaseRow } from '../../graphql/operations/cases';
import { formatDate, formatDateTime, formatEccentricity } from './format';

export const ROW_HEIGHT = 28;
const OVERSCAN = 8;

interface Column {
  id: string;
  label: string;
  width: string;
  sort?: CaseOrderField;
  num?: boolean;
  cell(r: CaseRow): React.ReactNode;
}

export function runTone(s: RunStatus | undefined): DotTone {
  if (s === 'SUCCEEDED') return 'ok';
  if (s === 'FAILED') return 'down';
  if (s === 'RUNNING' || s === 'QUEUED') return 'pending';
  return 'unknown';
}

const COLUMNS: readonly Column[] = [
  { id: 'subject', label: 'Subject', width: 'minmax(110px, 1.2fr)', cell: (r) => <code>{r.subject.code}</code> },
  { id: 'eye', label: 'Eye', width: '48px', cell: (r) => r.eye },
  { id: 'ecc', label: 'Eccentricity', width: '100px', sort: 'ECCENTRICITY', num: true, cell: (r) => formatEccentricity(r.eccentricityDeg) },
  { id: 'meridian', label: 'Meridian', width: '80px', cell: (r) => r.meridian ?? '—' },
  { id: 'acquired', label: 'Acquired', width: '96px', sort: 'ACQUIRED_ON', cell: (r) => formatDate(r.acquiredOn) },
  { id: 'device', label: 'Device', width: 'minmax(80px, 1fr)', cell: (r) => r.device ?? '—' },
  { id: 'tags', label: 'Tags', width: 'minmax(90px, 1.2fr)', cell: (r) => r.tags.join(', ') },
  { id: 'volumes', label: 'Volumes', width: '84px', num: true, cell: (r) => r.volumeCount },
  {
    id: 'run',
    label: 'Latest run',
    width: '100px',
    cell: (r) =>
      r.latestRun ? (
        <span className="state-cell">
          <StatusDot tone={runTone(r.latestRun.status)} />
          {r.latestRun.status.toLowerCase()}
        </span>
      ) : (
        '—'
      ),
  },
  { id: 'created', label: 'Created', width: '128px', sort: 'CREATED_AT', cell: (r) => formatDateTime(r.createdAt) },
];

export const GRID_TEMPLATE = COLUMNS.map((c) => c.width).join(' ');

interface Props {
  rows: readonly CaseRow[];
  total: number | null;
  order: CaseOrder;
  onSort(o: CaseOrder): void;
  selectedId: string | null;
  onSelect(row: CaseRow): void;
  /** onNeed asks for rows up to this index. */
  onNeed(index: number): void;
}

export function CaseTable({ rows, total, order, onSort, selectedId, onSelect, onNeed }: Props) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // The first row in view, not the raw scroll offset: React re-renders once per row scrolled.
  const [topRow, setTopRow] = useState(0);
  const [height, setHeight] = useState(600);
  const [active, setActive] = useState(0);
  const count = total ?? rows.length;

  useLayoutEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const measure = () => setHeight(el.clientHeight || 600);
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const ro = new ResizeObserver(measure);
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const first = Math.max(0, topRow - OVERSCAN);
  const last = Math.min(count - 1, topRow + Math.ceil(height / ROW_HEIGHT) + 1 + OVERSCAN);

  useEffect(() => {
    if (last >= 0) onNeed(last);
  }, [last, onNeed]);

  const scrollIntoView = useCallback((i: number) => {
    const el = scrollRef.current;
    if (!el) return;
    const top = i * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  }, []);

  function move(i: number) {
    if (count === 0) return;
    const next = Math.max(0, Math.min(count - 1, i));
    setActive(next);
    scrollIntoView(next);
  }

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const page = Math.max(1, Math.floor(height / ROW_HEIGHT) - 1);
    const keys: Record<string, () => void> = {
      ArrowDown: () => move(active + 1),
      ArrowUp: () => move(active - 1),
      PageDown: () => move(active + page),
      PageUp: () => move(active - page),
      Home: () => move(0),
      End: () => move(count - 1),
      Enter: () => rows[active] && onSelect(rows[active]!),
      ' ': () => rows[active] && onSelect(rows[active]!),
    };
    const fn = keys[e.key];
    if (e.target instanceof HTMLButtonElement) return;
    if (fn && !e.ctrlKey && !e.metaKey && !e.altKey) {
      e.preventDefault();
      fn();
    }
  }

  function header(c: Column) {
    const sorted = c.sort && order.field === c.sort;
    const ariaSort = sorted ? (order.direction === 'ASC' ? 'ascending' : 'descending') : c.sort ? 'none' : undefined;
    return (
      <div key={c.id} role="columnheader" aria-sort={ariaSort} className={`case-grid__head${c.num ? ' num' : ''}`}>
        {c.sort ? (
          <button
            type="button"
            className="sort-button"
            onClick={() =>
              onSort({ field: c.sort!, direction: sorted && order.direction === 'DESC' ? 'ASC' : 'DESC' })
            }
            title={`Sort by ${c.label.toLowerCase()}`}
          >
            {c.label}
            <span className="sort-button__arrow" aria-hidden="true">
              {sorted ? (order.direction === 'ASC' ? '▲' : '▼') : '↕'}
            </span>
          </button>
        ) : (
          c.label
        )}
      </div>
    );
  }

  const items = [];
  for (let i = first; i <= last; i++) {
    const r = rows[i];
    items.push(
      <GridRow
        key={r?.id ?? `pending-${i}`}
        index={i}
        row={r}
        active={i === active}
        selected={r !== undefined && r.id === selectedId}
        onActivate={setActive}
        onSelect={onSelect}
      />,
    );
  }

  return (
    <div
      className="case-grid"
      role="grid"
      aria-label="Cases"
      aria-rowcount={count + 1}
      aria-colcount={COLUMNS.length}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="case-grid"
    >
      <div className="case-grid__inner">
        <div role="row" aria-rowindex={1} className="case-grid__header" style={{ gridTemplateColumns: GRID_TEMPLATE }}>
          {COLUMNS.map(header)}
        </div>
        <div
          ref={scrollRef}
          className="case-grid__scroll"
          onScroll={(e) => setTopRow(Math.floor(e.currentTarget.scrollTop / ROW_HEIGHT))}
          data-testid="case-grid-scroll"
        >
          <div className="case-grid__spacer" style={{ height: count * ROW_HEIGHT }}>
            {items}
          </div>
        </div>
      </div>
    </div>
  );
}

interface RowProps {
  index: number;
  row: CaseRow | undefined;
  active: boolean;
  selected: boolean;
  onActivate(i: number): void;
  onSelect(r: CaseRow): void;
}

/** GridRow is memoised: scrolling renders only the rows that come into view. */
const GridRow = memo(function GridRow({ index, row: r, active, selected, onActivate, onSelect }: RowProps) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={r ? selected : undefined}
      data-testid={r ? 'case-row' : 'case-row-pending'}
      data-case-id={r?.id}
      className={`case-grid__row${active ? ' is-active' : ''}${selected ? ' is-selected' : ''}`}
      style={{ transform: `translateY(${index * ROW_HEIGHT}px)`, gridTemplateColumns: GRID_TEMPLATE }}
      onMouseDown={() => onActivate(index)}
      onClick={() => r && onSelect(r)}
    >
      {r
        ? COLUMNS.map((c) => (
            <div key={c.id} role="gridcell" className={c.num ? 'num' : undefined}>
              {c.cell(r)}
            </div>
          ))
        : COLUMNS.map((c, k) => (
            <div key={c.id} role="gridcell" className="case-grid__pending">
              {k === 0 ? 'loading…' : ''}
            </div>
          ))}
    </div>
  );
});
