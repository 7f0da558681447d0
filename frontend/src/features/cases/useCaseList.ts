// useCaseList binds a CaseListLoader for one filter and order to React.
import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { request } from '../../graphql/client';
import type { CaseFilter, CaseOrder, CasesQuery, CasesQueryVariables } from '../../graphql/generated';
import { CASES_QUERY, toCaseRow } from '../../graphql/operations/cases';
import { CaseListLoader, type FetchPage, type LoaderState } from './caseList';

export const fetchCasesPage =
  (filter: CaseFilter, orderBy: CaseOrder): FetchPage =>
  async (after, first, signal) => {
    const data = await request<CasesQuery, CasesQueryVariables>(
      CASES_QUERY,
      { first, after, filter, orderBy },
      { signal },
    );
    const c = data.cases;
    return {
      rows: c.edges.map((e) => toCaseRow(e.node)),
      total: c.totalCount,
      endCursor: c.pageInfo.endCursor,
      hasNext: c.pageInfo.hasNextPage,
    };
  };

const EMPTY: LoaderState = { rows: [], total: null, loading: true, error: null, firstPageMs: null };
const noop = () => () => {};

export function useCaseList(
  filter: CaseFilter,
  order: CaseOrder,
  reloadKey: number,
  fetchFor: (f: CaseFilter, o: CaseOrder) => FetchPage = fetchCasesPage,
): { state: LoaderState; loader: CaseListLoader | null } {
  const key = JSON.stringify([filter, order, reloadKey]);
  const [loader, setLoader] = useState<CaseListLoader | null>(null);
  const args = useRef({ filter, order, fetchFor });
  args.current = { filter, order, fetchFor };
  useEffect(() => {
    const a = args.current;
    const l = new CaseListLoader(a.fetchFor(a.filter, a.order));
    setLoader(l);
    l.want(0);
    return () => l.dispose();
  }, [key]);
  const state = useSyncExternalStore(loader?.subscribe ?? noop, loader?.getSnapshot ?? (() => EMPTY));
  return { state, loader };
}
