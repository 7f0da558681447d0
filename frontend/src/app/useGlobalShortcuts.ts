import { useEffect, useRef } from 'react';
import { isTyping } from '../components/ui/keyboard';
import { ROUTES, type RouteId } from './routes';

export interface GlobalShortcutHandlers {
  showHelp(): void;
  toggleTheme(): void;
  toggleNavigator(): void;
  navigate(id: RouteId): void;
}

export { isTyping };

const SEQUENCE_TIMEOUT_MS = 1_500;

/** useGlobalShortcuts binds the shell's shortcuts (see shortcuts.ts) on window. */
export function useGlobalShortcuts(handlers: GlobalShortcutHandlers, enabled = true): void {
  const ref = useRef(handlers);
  ref.current = handlers;

  useEffect(() => {
    if (!enabled) return;
    let pendingG = 0; // time the "g" of a "g <key>" sequence was pressed

    function onKeyDown(e: KeyboardEvent) {
      if (e.defaultPrevented || e.isComposing || isTyping(e.target)) return;
      const h = ref.current;
      const ctrl = e.ctrlKey || e.metaKey;
      const key = e.key.toLowerCase();

      if (ctrl && e.shiftKey && !e.altKey && key === 'l') {
        e.preventDefault();
        h.toggleTheme();
        return;
      }
      if (ctrl && !e.shiftKey && !e.altKey && key === 'b') {
        e.preventDefault();
        h.toggleNavigator();
        return;
      }
      if (ctrl || e.altKey) return;

      if (e.key === '?') {
        e.preventDefault();
        pendingG = 0;
        h.showHelp();
        return;
      }
      if (pendingG && Date.now() - pendingG <= SEQUENCE_TIMEOUT_MS) {
        pendingG = 0;
        const route = ROUTES.find((r) => r.goKey === key);
        if (route) {
          e.preventDefault();
          h.navigate(route.id);
        }
        return;
      }
      pendingG = key === 'g' && !e.shiftKey ? Date.now() : 0;
    }

    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [enabled]);
}
