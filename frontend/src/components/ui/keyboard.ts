// Keyboard helpers shared by the shell and the pages.
import { useEffect, useRef } from 'react';

/** isTyping is true when keys go to a text field, which shortcuts must not steal. */
export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  const tag = target.tagName;
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return !['checkbox', 'radio', 'button', 'submit', 'reset', 'range', 'color'].includes(type);
  }
  return false;
}

/** inOverlay is true for keys pressed inside a dialog or a menu, which handle their own keys. */
export function inOverlay(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('[role="dialog"], [role="menu"], [role="menubar"]') !== null;
}

export type PageKeyHandler = (e: KeyboardEvent) => boolean;

/**
 * usePageShortcuts calls handler for key presses on the window while the page
 * is mounted, except in text fields, dialogs and menus, and except the key
 * after "g" (the shell's "g <key>" go-to sequence). A handler returning true
 * consumed the key (its default is prevented).
 */
export function usePageShortcuts(handler: PageKeyHandler): void {
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    let lastG = 0;
    function onKeyDown(e: KeyboardEvent) {
      if (e.defaultPrevented || e.isComposing || isTyping(e.target) || inOverlay(e.target)) return;
      if (document.querySelector('[role="dialog"]')) return;
      const plain = !e.ctrlKey && !e.metaKey && !e.altKey;
      if (plain && e.key.toLowerCase() === 'g' && !e.shiftKey) {
        lastG = Date.now();
        return;
      }
      if (lastG && Date.now() - lastG < 1500) {
        lastG = 0;
        return;
      }
      lastG = 0;
      if (ref.current(e)) e.preventDefault();
    }
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
