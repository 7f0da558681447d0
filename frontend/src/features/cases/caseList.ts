// CaseListLoader pages through the `cases` connection on demand: the table
// says which row it needs, the loader fetches pages in cursor order until it
// has that row (plus a page of look-ahead). Framework-free; the React hook
// in useCaseList.ts subscribes to it.
import type { CaseRow } from '../../graphql/operations/cases';
import { errorText } from '../../graphql/client';

export interface Page {
  rows: CaseRow[];
  total: number;
  endCursor: string | null;
  hasNext: boolean;
}

export type FetchPage = (after: string | null, first: number, signal: AbortSignal) => Promise<Page>;

export interface LoaderState {
  rows: readonly CaseRow[];
  total: number | null;
  loading: boolean;
  error: string | null;
  /** Milliseconds from the loader's start to its first page. */
  firstPageMs: number | null;
}

export class CaseListLoader {
  private readonly fetchPage: FetchPage;
  private readonly pageSize: number;
  private readonly abort = new AbortController();
  private rows: CaseRow[] = [];
  private total: number | null = null;
  private cursor: string | null = null;
  private hasNext = true;
  private wanted = 0;
  private running = false;
  private error: string | null = null;
  private readonly started = performance.now();
  private firstPageMs: number | null = null;
  private listeners = new Set<() => void>();
  private snapshot: LoaderState;

  constructor(fetchPage: FetchPage, pageSize = 500) {
    this.fetchPage = fetchPage;
    this.pageSize = pageSize;
    this.snapshot = this.makeSnapshot();
  }

  private makeSnapshot(): LoaderState {
    return {
      rows: this.rows,
      total: this.total,
      loading: this.running,
      error: this.error,
      firstPageMs: this.firstPageMs,
    };
  }

  private emit(): void {
    this.snapshot = this.makeSnapshot();
    for (const fn of this.listeners) fn();
  }

  getSnapshot = (): LoaderState => this.snapshot;

  subscribe = (fn: () => void): (() => void) => {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  };

  /** want asks for rows up to index (inclusive); loading starts if needed. */
  want(index: number): void {
    if (index > this.wanted) this.wanted = index;
    void this.pump();
  }

  /** retry clears an error and resumes loading. */
  retry(): void {
    this.error = null;
    void this.pump();
  }

  dispose(): void {
    this.abort.abort();
    this.listeners.clear();
  }

  private async pump(): Promise<void> {
    if (this.running || this.error !== null || this.abort.signal.aborted) return;
    this.running = true;
    this.emit();
    try {
      while (this.hasNext && this.rows.length <= this.wanted + this.pageSize / 2) {
        const page = await this.fetchPage(this.cursor, this.pageSize, this.abort.signal);
        if (this.abort.signal.aborted) return;
        this.rows = this.rows.concat(page.rows);
        this.total = page.total;
        this.cursor = page.endCursor;
        this.hasNext = page.hasNext && page.rows.length > 0;
        if (this.firstPageMs === null) this.firstPageMs = performance.now() - this.started;
        this.emit();
      }
    } catch (err) {
      if (this.abort.signal.aborted) return;
      this.error = errorText(err);
    } finally {
      this.running = false;
      if (!this.abort.signal.aborted) this.emit();
    }
  }
}
