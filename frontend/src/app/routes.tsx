import { lazy, Suspense, type ReactNode } from 'react';
import {
  AdminIcon,
  CasesIcon,
  ModelsIcon,
  RunsIcon,
  SystemIcon,
  TableIcon,
  ViewerIcon,
  WorkIcon,
} from '../components/ui/icons';
import { AdminPage } from '../features/admin';
import { CasesPage } from '../features/cases';
import { ModelsPage } from '../features/models';
import { RunsPage } from '../features/runs';
import { SystemPage } from '../features/system';
import { TablePage } from '../features/table';
import { MyWorkPage } from '../features/work';

// The viewer (canvas, annotation engine, demo mosaic) loads on first use, keeping it out of
// the bundle that paints the shell and the case list.
const ViewerPage = lazy(() => import('./pages/ViewerPage').then((m) => ({ default: m.ViewerPage })));

export type RouteId = 'system' | 'work' | 'cases' | 'runs' | 'table' | 'viewer' | 'models' | 'admin';

export interface RouteDef {
  id: RouteId;
  label: string;
  /** goKey is the second key of the "g <key>" shortcut that opens the page. */
  goKey: string;
  icon: (p: { size?: number }) => ReactNode;
  /** fullBleed pages (viewer, tables) fill the pane edge to edge and scroll themselves. */
  fullBleed?: boolean;
  render(): ReactNode;
}

export const ROUTES: readonly RouteDef[] = [
  { id: 'system', label: 'System', goKey: 's', icon: SystemIcon, render: () => <SystemPage /> },
  { id: 'work', label: 'My work', goKey: 'w', icon: WorkIcon, render: () => <MyWorkPage /> },
  {
    id: 'cases',
    label: 'Cases',
    goKey: 'c',
    icon: CasesIcon,
    fullBleed: true,
    render: () => <CasesPage />,
  },
  {
    id: 'runs',
    label: 'Runs',
    goKey: 'r',
    icon: RunsIcon,
    fullBleed: true,
    render: () => <RunsPage />,
  },
  {
    id: 'table',
    label: 'Table',
    goKey: 't',
    icon: TableIcon,
    fullBleed: true,
    render: () => <TablePage />,
  },
  {
    id: 'viewer',
    label: 'Viewer',
    goKey: 'v',
    icon: ViewerIcon,
    fullBleed: true,
    render: () => (
      <Suspense fallback={<div className="viewer viewer--loading">Loading the viewer…</div>}>
        <ViewerPage />
      </Suspense>
    ),
  },
  {
    id: 'models',
    label: 'Models',
    goKey: 'm',
    icon: ModelsIcon,
    render: () => <ModelsPage />,
  },
  {
    id: 'admin',
    label: 'Admin',
    goKey: 'a',
    icon: AdminIcon,
    render: () => <AdminPage />,
  },
];

export const DEFAULT_ROUTE: RouteId = 'system';

/** routeFromHash maps "#/cases" to "cases"; anything unknown to the default. */
export function routeFromHash(hash: string): RouteId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROUTES.some((r) => r.id === id) ? (id as RouteId) : DEFAULT_ROUTE;
}
