// Docked panels (dockview): every panel is a tab the user can drag onto another panel's tab
// strip, to any edge of another panel (a split), or out of the way; the layout is remembered
// per place (localStorage) and "reset" puts the panels back where the page first placed them.
import {
  createContext,
  forwardRef,
  useCallback,
  useContext,
  useEffect,
  useImperativeHandle,
  useRef,
  type ReactNode,
} from 'react';
import {
  DockviewDefaultTab,
  DockviewReact,
  type DockviewApi,
  type DockviewReadyEvent,
  type IDockviewPanelHeaderProps,
  type IDockviewPanelProps,
} from 'dockview-react';
import 'dockview-react/dist/styles/dockview.css';

export interface DockPanel {
  id: string;
  title: string;
  content: ReactNode;
  /** place puts the panel beside (or as a tab of) one placed before it; the first panel needs none. */
  place?: { of: string; side: 'left' | 'right' | 'above' | 'below' | 'within'; size?: number };
  /** keepAlive keeps the content in the page while its tab is hidden (a canvas keeps its pixels). */
  keepAlive?: boolean;
}

export interface DockLayoutHandle {
  /** reset puts every panel back in its first place and forgets the saved layout. */
  reset(): void;
}

interface Props {
  /** id names the layout to remember ("viewer.volume"). */
  id: string;
  panels: readonly DockPanel[];
  label: string;
}

// Panel contents come through context so they re-render with the page (dockview's portals
// live under DockviewReact, inside this provider).
const Contents = createContext<ReadonlyMap<string, ReactNode>>(new Map());

function Slot({ api }: IDockviewPanelProps) {
  return <div className="dock__panel" data-testid={`dock-panel-${api.id}`}>{useContext(Contents).get(api.id) ?? null}</div>;
}

function Tab(props: IDockviewPanelHeaderProps) {
  return <DockviewDefaultTab {...props} hideClose data-testid={`dock-tab-${props.api.id}`} />;
}

const COMPONENTS = { slot: Slot };
// dockview's light theme for sizes; colours come from the app's tokens (styles.css), so
// the panels follow the light/dark switch without a theme of their own.
const THEME = { name: 'aomas', className: 'dockview-theme-light dockview-theme-aomas' };

const storageKey = (id: string) => `aomas.dock.${id}`;

/** savedLayout is the stored layout when it holds exactly these panels (a page that gained a panel starts afresh). */
export function savedLayout(raw: string | null, ids: readonly string[]): unknown {
  if (!raw) return null;
  try {
    const data = JSON.parse(raw) as { panels?: Record<string, unknown> };
    const saved = Object.keys(data.panels ?? {}).sort();
    const want = [...ids].sort();
    return saved.length === want.length && saved.every((k, i) => k === want[i]) ? data : null;
  } catch {
    return null;
  }
}

function arrange(api: DockviewApi, panels: readonly DockPanel[]): void {
  for (const p of panels) {
    const size = p.place?.size;
    const horizontal = p.place?.side === 'left' || p.place?.side === 'right';
    api.addPanel({
      id: p.id,
      title: p.title,
      component: 'slot',
      renderer: p.keepAlive ? 'always' : 'onlyWhenVisible',
      inactive: p.place?.side === 'within',
      ...(p.place ? { position: { referencePanel: p.place.of, direction: p.place.side } } : {}),
      ...(size !== undefined && p.place?.side !== 'within' ? (horizontal ? { initialWidth: size } : { initialHeight: size }) : {}),
    });
  }
}

export const DockLayout = forwardRef<DockLayoutHandle, Props>(function DockLayout({ id, panels, label }, ref) {
  const apiRef = useRef<DockviewApi | null>(null);
  const panelsRef = useRef(panels);
  panelsRef.current = panels;
  const ids = panels.map((p) => p.id).join(',');

  const onReady = useCallback(
    (e: DockviewReadyEvent) => {
      apiRef.current = e.api;
      const current = panelsRef.current;
      const saved = savedLayout(localStorage.getItem(storageKey(id)), current.map((p) => p.id));
      let restored = false;
      if (saved) {
        try {
          e.api.fromJSON(saved as Parameters<DockviewApi['fromJSON']>[0]);
          restored = true;
        } catch {
          e.api.clear();
        }
      }
      if (!restored) arrange(e.api, current);
    },
    [id],
  );

  // Save on every change of the layout (drag, resize, tab switch).
  useEffect(() => {
    const api = apiRef.current;
    if (!api) return;
    const sub = api.onDidLayoutChange(() => {
      try {
        localStorage.setItem(storageKey(id), JSON.stringify(api.toJSON()));
      } catch {
        // storage full or disabled: the layout just is not remembered
      }
    });
    return () => sub.dispose();
  }, [id, ids]);

  useImperativeHandle(
    ref,
    () => ({
      reset() {
        const api = apiRef.current;
        if (!api) return;
        localStorage.removeItem(storageKey(id));
        api.clear();
        arrange(api, panelsRef.current);
      },
    }),
    [id],
  );

  const contents = new Map(panels.map((p) => [p.id, p.content]));
  return (
    <Contents.Provider value={contents}>
      <div className="dock" aria-label={label} data-testid="dock" data-layout={id}>
        <DockviewReact
          className="dock__view"
          theme={THEME}
          components={COMPONENTS}
          defaultTabComponent={Tab}
          onReady={onReady}
          disableFloatingGroups
        />
      </div>
    </Contents.Provider>
  );
});
