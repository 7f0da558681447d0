import { useMemo, useState } from 'react';
import { useSession } from '../features/session';
import { chooseProject } from '../graphql/client';
import { useHealth } from '../features/system';
import { useTheme } from './providers/theme-context';
import { ROUTES } from './routes';
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
  const [route, navigate] = useHashRoute();
  const [navigatorOpen, setNavigatorOpen] = useState(true);
  const [modal, setModal] = useState<Modal>(null);
  const current = ROUTES.find((r) => r.id === route) ?? ROUTES[0]!;

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
          ...ROUTES.map((r) => ({
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
    [theme, toggleTheme, navigatorOpen, navigate, refresh, session],
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
        {navigatorOpen && <Navigator routes={ROUTES} current={current.id} onNavigate={navigate} />}
        <main className="shell__main" aria-labelledby="page-title">
          <header className="page-header">
            <h1 id="page-title" className="page-header__title">
              {current.label}
            </h1>
          </header>
          <div className={`page-content${current.fullBleed ? ' page-content--bleed' : ''}`}>{current.render()}</div>
        </main>
      </div>
      <StatusBar version={APP_VERSION} />
      {modal === 'shortcuts' && <ShortcutOverlay onClose={() => setModal(null)} />}
      {modal === 'about' && <AboutDialog version={APP_VERSION} onClose={() => setModal(null)} />}
    </div>
  );
}
