import { lazy, Suspense, type ReactNode } from 'react';
import {
  AdminIcon,
  CasesIcon,
  ModelsIcon,
  RunsIcon,
  SystemIcon,
  TableIcon,
  UploadIcon,
  ViewerIcon,
  WorkIcon,
} from '../components/ui/icons';
import { AdminPage } from '../features/admin';
import { CasesPage } from '../features/cases';
import { ScannerUploadPage } from '../features/intake';
import { ModelsPage } from '../features/models';
import { RunsPage } from '../features/runs';
import { SystemPage } from '../features/system';
import { TablePage } from '../features/table';
import { MyWorkPage } from '../features/work';
import type { Needs } from './access';

// The viewer (canvas, annotation engine, demo mosaic) loads on first use, keeping it out of
// the bundle that paints the shell and the case list.
const ViewerPage = lazy(() => import('./pages/ViewerPage').then((m) => ({ default: m.ViewerPage })));

export type RouteId = 'upload' | 'system' | 'work' | 'cases' | 'runs' | 'table' | 'viewer' | 'models' | 'admin';

export interface RouteDef {
  id: RouteId;
  label: string;
  /** goKey is the second key of the "g <key>" shortcut that opens the page. */
  goKey: string;
  icon: (p: { size?: number }) => ReactNode;
  /** fullBleed pages (viewer, tables) fill the pane edge to edge and scroll themselves. */
  fullBleed?: boolean;
  /** needs: the root fields that make the page useful (access.ts); without it everyone sees it. */
  needs?: Needs;
  render(): ReactNode;
}

export const ROUTES: readonly RouteDef[] = [
  {
    id: 'upload',
    label: 'Upload',
    goKey: 'u',
    icon: UploadIcon,
    // For those who may upload but not read cases (scanners); the others upload from Cases.
    needs: { any: ['Mutation.uploadVolume'], unless: ['Query.cases'] },
    render: () => <ScannerUploadPage />,
  },
  {
    id: 'system',
    label: 'System',
    goKey: 's',
    icon: SystemIcon,
    needs: { any: ['Query.queues', 'Query.workers'] },
    render: () => <SystemPage />,
  },
  {
    id: 'work',
    label: 'My work',
    goKey: 'w',
    icon: WorkIcon,
    needs: { any: ['Query.myWork'] },
    render: () => <MyWorkPage />,
  },
  {
    id: 'cases',
    label: 'Cases',
    goKey: 'c',
    icon: CasesIcon,
    fullBleed: true,
    needs: { any: ['Query.cases'] },
    render: () => <CasesPage />,
  },
  {
    id: 'runs',
    label: 'Runs',
    goKey: 'r',
    icon: RunsIcon,
    fullBleed: true,
    needs: { any: ['Query.runs'] },
    render: () => <RunsPage />,
  },
  {
    id: 'table',
    label: 'Table',
    goKey: 't',
    icon: TableIcon,
    fullBleed: true,
    needs: { any: ['Query.metricTable'] },
    render: () => <TablePage />,
  },
  {
    id: 'viewer',
    label: 'Viewer',
    goKey: 'v',
    icon: ViewerIcon,
    fullBleed: true,
    needs: { any: ['Query.volume'] },
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
    needs: { any: ['Query.models'] },
    render: () => <ModelsPage />,
  },
  {
    id: 'admin',
    label: 'Admin',
    goKey: 'a',
    icon: AdminIcon,
    needs: { any: ['Query.roles', 'Query.members', 'Query.auditLog'] },
    render: () => <AdminPage />,
  },
];

/** DEFAULT_ROUTE is the landing page when no one is signed in (tests without the gate). */
export const DEFAULT_ROUTE: RouteId = 'system';

/** routeFromHash maps "#/cases" to "cases"; anything unknown (or nothing) to null: the caller's landing page. */
export function routeFromHash(hash: string): RouteId | null {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROUTES.some((r) => r.id === id) ? (id as RouteId) : null;
}
