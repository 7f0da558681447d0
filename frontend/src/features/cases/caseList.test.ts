import { describe, expect, it, vi } from 'vitest';
import type { CaseRow } from '../../graphql/operations/cases';
import { CaseListLoader, type FetchPage } from './caseList';

function row(i: number): CaseRow {
  return {
    id: `c${i}`,
    subject: { code: `S${i}` },
    eye: i % 2 ? 'OS' : 'OD',
    eccentricityDeg: i / 10,
    meridian: null,
    acquiredOn: null,
    device: null,
    tags: [],
    createdAt: '2026-01-01T00:00:00Z',
    volumeCount: 0,
    latestRun: null,
  };
}

function server(total: number) {
  const calls: (string | null)[] = [];
  const fetchPage: FetchPage = async (after, first) => {
    calls.push(after);
    const start = after === null ? 0 : Number(after) + 1;
    const rows = Array.from({ length: Math.max(0, Math.min(first, total - start)) }, (_, k) => row(start + k));
    return { rows, total, endCursor: rows.length ? String(start + rows.length - 1) : null, hasNext: start + rows.length < total };
  };
  return { fetchPage, calls };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe('CaseListLoader', () => {
  it('loads pages in cursor order until the wanted row is covered', async () => {
    const { fetchPage, calls } = server(10_000);
    const l = new CaseListLoader(fetchPage, 100);
    l.want(0);
    await vi.waitFor(() => expect(l.getSnapshot().loading).toBe(false));
    expect(l.getSnapshot().rows).toHaveLength(100);
    expect(l.getSnapshot().total).toBe(10_000);
    expect(l.getSnapshot().firstPageMs).not.toBeNull();
    l.want(420);
    await vi.waitFor(() => expect(l.getSnapshot().loading).toBe(false));
    // Rows 0..420 plus half a page of look-ahead.
    expect(l.getSnapshot().rows).toHaveLength(500);
    expect(l.getSnapshot().rows[420]!.id).toBe('c420');
    expect(calls).toEqual([null, '99', '199', '299', '399']);
  });

  it('stops at the end of the listing', async () => {
    const { fetchPage, calls } = server(130);
    const l = new CaseListLoader(fetchPage, 100);
    l.want(10_000);
    await vi.waitFor(() => expect(l.getSnapshot().loading).toBe(false));
    expect(l.getSnapshot().rows).toHaveLength(130);
    l.want(20_000);
    await settle();
    expect(calls).toHaveLength(2);
  });

  it('reports an error and resumes on retry', async () => {
    let fail = true;
    const { fetchPage } = server(300);
    const flaky: FetchPage = (a, f, s) => (fail ? Promise.reject(new Error('API unreachable')) : fetchPage(a, f, s));
    const l = new CaseListLoader(flaky, 100);
    l.want(0);
    await vi.waitFor(() => expect(l.getSnapshot().error).toBe('API unreachable'));
    fail = false;
    l.retry();
    await vi.waitFor(() => expect(l.getSnapshot().rows).toHaveLength(100));
    expect(l.getSnapshot().error).toBeNull();
  });

  it('stops notifying once disposed', async () => {
    const { fetchPage } = server(300);
    const l = new CaseListLoader(fetchPage, 100);
    const fn = vi.fn();
    l.subscribe(fn);
    l.dispose();
    l.want(0);
    await settle();
    expect(fn).not.toHaveBeenCalled();
  });
});
