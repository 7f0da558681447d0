import { useCallback, useMemo, useState } from 'react';
import { EmptyState } from '../components/ui/EmptyState';
import { useSession } from '../features/session';
import { chooseProject } from '../graphql/client';
import { useHealth } from '../features/system';
import { useTheme } from './providers/theme-context';
import { landingPage, visiblePages } from './access';
import { DEFAULT_ROUTE, ROUTES, type RouteDef, type RouteId } from './routes';
import { AboutDialog } from './shell/AboutDialog';
import { MenuBar, type MenuDef } from './shell/MenuBar';
import { Navigator } from './shell/Navigator';
import { ShortcutOverlay } from './shell/ShortcutOverlay';
import { StatusBar } from './shell/StatusBar';
import { SHORTCUT_KEYS } from './shortcuts';
import { useGlobalShortcuts } from './useGlobalShortcuts';
import { useHashRoute } from './useHashRoute';

export const APP_VERSION = import.meta.env.VITE_AOMAS_VERSION ?? '0.1.0-dev';

type Modal = 'shortcuts' | 'about' | null;

/** Shell is the desktop frame: menu bar, navigator, main pane and status bar. */
export function Shell() {
  const { theme, toggleTheme } = useTheme();
  const { refresh } = useHealth();
  const session = useSession();
  const [route, goTo] = useHashRoute();
  const [navigatorOpen, setNavigatorOpen] = useState(true);
  const [modal, setModal] = useState<Modal>(null);
  // Only the pages the caller's role may use are offered; each role lands where its work is.
  const viewer = session?.viewer;
  const visible = useMemo(
    () => (viewer ? visiblePages(ROUTES, new Set(viewer.rootFields)) : ROUTES),
    [viewer],
  );
  const landing = viewer ? (landingPage(viewer.roles, visible.map((r) => r.id)) as RouteId | null) : DEFAULT_ROUTE;
  const named = ROUTES.find((r) => r.id === route);
  const current: RouteDef | null = named ?? ROUTES.find((r) => r.id === landing) ?? null;
  const allowed = current !== null && visible.includes(current);
  const navigate = useCallback(
    (id: RouteId) => {
      if (visible.some((r) => r.id === id)) goTo(id);
    },
    [visible, goTo],
  );

  useGlobalShortcuts(
    {
      showHelp: () => setModal('shortcuts'),
      toggleTheme,
      toggleNavigator: () => setNavigatorOpen((v) => !v),
      navigate,
    },
    modal === null,
  );

  const menus = useMemo<MenuDef[]>(
    () => [
      {
        id: 'file',
        label: 'File',
        mnemonic: 'F',
        items: [
          {
            id: 'upload',
            label: 'Upload volume…',
            disabled: true,
            hint: 'Uploads go into a case: open it in Cases, then drop files on it or press U',
          },
          { kind: 'separator', id: 'sep1' },
          { id: 'refresh', label: 'Refresh service status', onSelect: refresh },
          ...(session
            ? [{ kind: 'separator' as const, id: 'sep2' }, { id: 'sign-out', label: 'Sign out', onSelect: session.signOut }]
            : []),
        ],
      },
      {
        id: 'view',
        label: 'View',
        mnemonic: 'V',
        items: [
          {
            id: 'dark-theme',
            label: 'Dark theme',
            checked: theme === 'dark',
            shortcut: SHORTCUT_KEYS.theme,
            onSelect: toggleTheme,
          },
          {
            id: 'navigator',
            label: 'Navigator',
            checked: navigatorOpen,
            shortcut: SHORTCUT_KEYS.navigator,
            onSelect: () => setNavigatorOpen((v) => !v),
          },
          { kind: 'separator', id: 'sep1' },
          ...visible.map((r) => ({
            id: `go-${r.id}`,
            label: `Go to ${r.label}`,
            shortcut: ['G', r.goKey.toUpperCase()],
            shortcutSequence: true,
            onSelect: () => navigate(r.id),
          })),
        ],
      },
      {
        id: 'help',
        label: 'Help',
        mnemonic: 'H',
        items: [
          {
            id: 'shortcuts',
            label: 'Keyboard shortcuts',
            shortcut: SHORTCUT_KEYS.help,
            onSelect: () => setModal('shortcuts'),
          },
          { kind: 'separator', id: 'sep1' },
          { id: 'about', label: 'About aomas', onSelect: () => setModal('about') },
        ],
      },
    ],
    [theme, toggleTheme, navigatorOpen, navigate, refresh, session, visible],
  );

  return (
    <div className={`shell${navigatorOpen ? '' : ' shell--no-navigator'}`}>
      <MenuBar
        menus={menus}
        start={
          <div className="app-mark" aria-hidden="true">
            <svg width="14" height="14" viewBox="0 0 16 16">
              <circle cx="8" cy="8" r="6.3" fill="none" stroke="currentColor" strokeWidth="1.8" />
              <circle cx="8" cy="8" r="2.2" fill="currentColor" />
            </svg>
            <span>aomas</span>
          </div>
        }
        end={
          session && (
            <div className="viewer-badge" data-testid="viewer-badge" title={`Signed in (${session.viewer.method})`}>
              <span>{session.viewer.user.displayName}</span>
              <span className="viewer-badge__roles">{session.viewer.roles.join(', ') || 'no role'} ·</span>
              {session.viewer.projects.length > 1 ? (
                <select
                  aria-label="Project"
                  data-testid="project-switcher"
                  value={session.viewer.project}
                  onChange={(e) => {
                    chooseProject(e.target.value);
                    window.location.reload();
                  }}
                >
                  {session.viewer.projects.map((p) => (
                    <option key={p}>{p}</option>
                  ))}
                </select>
              ) : (
                <span data-testid="project-name">{session.viewer.project}</span>
              )}
            </div>
          )
        }
      />
      <div className="shell__body">
        {navigatorOpen && <Navigator routes={visible} current={current?.id ?? null} onNavigate={navigate} />}
        <main className="shell__main" aria-labelledby="page-title">
          <header className="page-header">
            <h1 id="page-title" className="page-header__title">
              {current?.label ?? 'Welcome'}
            </h1>
          </header>
          <div className={`page-content${allowed && current.fullBleed ? ' page-content--bleed' : ''}`} data-page={allowed ? current.id : 'none'}>
            {allowed ? (
              current.render()
            ) : (
              <NotYours page={current} landing={visible.find((r) => r.id === landing) ?? null} roles={viewer?.roles ?? []} />
            )}
          </div>
        </main>
      </div>
      <StatusBar version={APP_VERSION} />
      {modal === 'shortcuts' && <ShortcutOverlay onClose={() => setModal(null)} />}
      {modal === 'about' && <AboutDialog version={APP_VERSION} onClose={() => setModal(null)} />}
    </div>
  );
}

/** NotYours stands in for a page the caller's role cannot use: no refusal, a way to their work. */
function NotYours({ page, landing, roles }: { page: RouteDef | null; landing: RouteDef | null; roles: readonly string[] }) {
  const who = roles.length ? `your role (${roles.join(', ')})` : 'your account (it holds no role in this project)';
  return (
    <div data-testid="not-yours">
      <EmptyState title={page ? `${page.label} is not part of ${who}` : `Nothing here is part of ${who}`}>
        {landing ? (
          <p>
            Your work is in <a href={`#/${landing.id}`}>{landing.label}</a>.
          </p>
        ) : (
          <p>Ask an admin of this project for the role your work needs.</p>
        )}
      </EmptyState>
    </div>
  );
}
