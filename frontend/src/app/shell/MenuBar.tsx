// MenuBar is a desktop menu bar following the WAI-ARIA menubar pattern:
// menus open on click, Alt+<mnemonic> or arrow keys, close on Escape, Tab,
// or a click elsewhere; F10 moves focus to the bar.
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

export interface MenuAction {
  kind?: 'action';
  id: string;
  label: string;
  shortcut?: readonly string[];
  /** shortcutSequence: the shortcut's keys are pressed one after another. */
  shortcutSequence?: boolean;
  /** checked makes the item a checkbox (menuitemcheckbox). */
  checked?: boolean;
  disabled?: boolean;
  /** hint is shown as the item's tooltip, e.g. why it is disabled. */
  hint?: string;
  onSelect?(): void;
}

export interface MenuSeparator {
  kind: 'separator';
  id: string;
}

export type MenuEntry = MenuAction | MenuSeparator;

export interface MenuDef {
  id: string;
  label: string;
  /** mnemonic opens the menu with Alt+<mnemonic>; it is underlined in the label. */
  mnemonic: string;
  items: readonly MenuEntry[];
}

interface Props {
  menus: readonly MenuDef[];
  /** start is rendered before the menus (the app mark). */
  start?: ReactNode;
  /** end is rendered at the far right. */
  end?: ReactNode;
}

const isAction = (e: MenuEntry): e is MenuAction => e.kind !== 'separator';

function enabledIndexes(menu: MenuDef): number[] {
  const out: number[] = [];
  menu.items.forEach((it, i) => {
    if (isAction(it) && !it.disabled) out.push(i);
  });
  return out;
}

function Label({ label, mnemonic }: { label: string; mnemonic: string }) {
  const at = label.toLowerCase().indexOf(mnemonic.toLowerCase());
  if (at < 0) return <>{label}</>;
  return (
    <>
      {label.slice(0, at)}
      <span className="menubar__mnemonic">{label.slice(at, at + 1)}</span>
      {label.slice(at + 1)}
    </>
  );
}

export function MenuBar({ menus, start, end }: Props) {
  const baseId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRefs = useRef<Array<HTMLButtonElement | null>>([]);
  const itemRefs = useRef<Array<HTMLElement | null>>([]);
  const [open, setOpen] = useState<number | null>(null);
  const [focusIndex, setFocusIndex] = useState(0); // roving tabindex of the bar
  const [active, setActive] = useState<number | null>(null); // highlighted item of the open menu

  const openMenu = (i: number, item: 'first' | 'last' | 'none') => {
    const menu = menus[i];
    if (!menu) return;
    const enabled = enabledIndexes(menu);
    setOpen(i);
    setFocusIndex(i);
    setActive(item === 'first' ? (enabled[0] ?? null) : item === 'last' ? (enabled.at(-1) ?? null) : null);
  };

  const close = (refocus: boolean) => {
    const i = open;
    setOpen(null);
    setActive(null);
    if (refocus && i !== null) buttonRefs.current[i]?.focus();
  };

  // Move DOM focus to the highlighted item (or to the menu, so it gets keys).
  useEffect(() => {
    if (open === null) return;
    if (active !== null) itemRefs.current[active]?.focus();
    else document.getElementById(`${baseId}-menu-${open}`)?.focus();
  }, [open, active, baseId]);

  // Click-away and window blur close the open menu.
  useEffect(() => {
    if (open === null) return;
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) {
        setOpen(null);
        setActive(null);
      }
    };
    const onBlur = () => {
      setOpen(null);
      setActive(null);
    };
    document.addEventListener('mousedown', onDown);
    window.addEventListener('blur', onBlur);
    return () => {
      document.removeEventListener('mousedown', onDown);
      window.removeEventListener('blur', onBlur);
    };
  }, [open]);

  // Alt+<mnemonic> opens a menu; F10 focuses the bar.
  const menusRef = useRef(menus);
  menusRef.current = menus;
  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if (e.key === 'F10' && !e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        e.preventDefault();
        setOpen(null);
        setActive(null);
        setFocusIndex(0);
        buttonRefs.current[0]?.focus();
        return;
      }
      if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        // e.code survives keyboard layouts where Alt changes e.key (macOS).
        const letter = e.code.startsWith('Key') ? e.code.slice(3).toLowerCase() : e.key.toLowerCase();
        const i = menusRef.current.findIndex((m) => m.mnemonic.toLowerCase() === letter);
        if (i >= 0) {
          e.preventDefault();
          openMenu(i, 'first');
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- bound once: openMenu only reads menusRef and state setters
  }, []);

  const select = (item: MenuAction) => {
    if (item.disabled) return;
    close(true);
    item.onSelect?.();
  };

  const step = (i: number, delta: number) => (i + delta + menus.length) % menus.length;

  const onButtonKeyDown = (e: KeyboardEvent<HTMLButtonElement>, i: number) => {
    switch (e.key) {
      case 'ArrowRight':
      case 'ArrowLeft': {
        e.preventDefault();
        const next = step(i, e.key === 'ArrowRight' ? 1 : -1);
        setFocusIndex(next);
        buttonRefs.current[next]?.focus();
        if (open !== null) openMenu(next, 'none');
        break;
      }
      case 'ArrowDown':
      case 'Enter':
      case ' ':
        e.preventDefault();
        openMenu(i, 'first');
        break;
      case 'ArrowUp':
        e.preventDefault();
        openMenu(i, 'last');
        break;
      case 'Escape':
        if (open !== null) {
          e.preventDefault();
          close(true);
        }
        break;
      case 'Home':
        e.preventDefault();
        setFocusIndex(0);
        buttonRefs.current[0]?.focus();
        break;
      case 'End':
        e.preventDefault();
        setFocusIndex(menus.length - 1);
        buttonRefs.current[menus.length - 1]?.focus();
        break;
    }
  };

  const onMenuKeyDown = (e: KeyboardEvent<HTMLDivElement>, i: number) => {
    const menu = menus[i]!;
    const enabled = enabledIndexes(menu);
    const pos = active === null ? -1 : enabled.indexOf(active);
    switch (e.key) {
      case 'ArrowDown':
        e.preventDefault();
        if (enabled.length) setActive(enabled[(pos + 1) % enabled.length]!);
        break;
      case 'ArrowUp':
        e.preventDefault();
        if (enabled.length) setActive(enabled[(pos - 1 + enabled.length) % enabled.length]!);
        break;
      case 'Home':
        e.preventDefault();
        setActive(enabled[0] ?? null);
        break;
      case 'End':
        e.preventDefault();
        setActive(enabled.at(-1) ?? null);
        break;
      case 'ArrowRight':
      case 'ArrowLeft': {
        e.preventDefault();
        const next = step(i, e.key === 'ArrowRight' ? 1 : -1);
        openMenu(next, 'first');
        break;
      }
      case 'Enter':
      case ' ': {
        e.preventDefault();
        const item = active === null ? undefined : menu.items[active];
        if (item && isAction(item)) select(item);
        break;
      }
      case 'Escape':
        e.preventDefault();
        e.stopPropagation();
        close(true);
        break;
      case 'Tab':
        close(false);
        break;
      default: {
        // Type-ahead: jump to the next item starting with the letter.
        if (e.key.length !== 1 || e.ctrlKey || e.metaKey || e.altKey) return;
        const letter = e.key.toLowerCase();
        const order = [...enabled.slice(pos + 1), ...enabled.slice(0, pos + 1)];
        const hit = order.find((idx) => {
          const it = menu.items[idx];
          return it && isAction(it) && it.label.toLowerCase().startsWith(letter);
        });
        if (hit !== undefined) {
          e.preventDefault();
          e.stopPropagation();
          setActive(hit);
        }
      }
    }
  };

  return (
    <div className="menubar" ref={rootRef}>
      {start}
      <div className="menubar__menus" role="menubar" aria-label="Main menu">
        {menus.map((menu, i) => {
          const isOpen = open === i;
          return (
            <div key={menu.id} className="menubar__entry">
              <button
                ref={(el) => {
                  buttonRefs.current[i] = el;
                }}
                type="button"
                id={`${baseId}-button-${i}`}
                className={`menubar__button${isOpen ? ' is-open' : ''}`}
                role="menuitem"
                aria-haspopup="menu"
                aria-expanded={isOpen}
                aria-controls={isOpen ? `${baseId}-menu-${i}` : undefined}
                tabIndex={focusIndex === i ? 0 : -1}
                onMouseDown={(e) => {
                  e.preventDefault(); // keep focus handling ours, and avoid the focus flash
                  if (isOpen) close(false);
                  else openMenu(i, 'none');
                }}
                onClick={(e) => {
                  // A keyboard "click" (detail 0) is handled in onKeyDown.
                  if (e.detail === 0) e.preventDefault();
                }}
                onMouseEnter={() => {
                  if (open !== null && open !== i) openMenu(i, 'none');
                }}
                onKeyDown={(e) => onButtonKeyDown(e, i)}
              >
                <Label label={menu.label} mnemonic={menu.mnemonic} />
              </button>
              {isOpen && (
                <div
                  id={`${baseId}-menu-${i}`}
                  className="menu"
                  role="menu"
                  aria-labelledby={`${baseId}-button-${i}`}
                  tabIndex={-1}
                  onKeyDown={(e) => onMenuKeyDown(e, i)}
                >
                  {menu.items.map((item, idx) =>
                    isAction(item) ? (
                      <div
                        key={item.id}
                        ref={(el) => {
                          itemRefs.current[idx] = el;
                        }}
                        className={`menu__item${active === idx ? ' is-active' : ''}`}
                        role={item.checked === undefined ? 'menuitem' : 'menuitemcheckbox'}
                        aria-checked={item.checked}
                        aria-disabled={item.disabled || undefined}
                        aria-keyshortcuts={item.shortcutSequence ? undefined : item.shortcut?.join('+')}
                        title={item.hint}
                        tabIndex={-1}
                        onMouseEnter={() => setActive(item.disabled ? null : idx)}
                        onClick={() => select(item)}
                      >
                        <span className="menu__check" aria-hidden="true">
                          {item.checked ? '✓' : ''}
                        </span>
                        <span className="menu__label">{item.label}</span>
                        <span className="menu__shortcut">
                          {item.shortcut?.join(item.shortcutSequence ? ' ' : '+')}
                        </span>
                      </div>
                    ) : (
                      <div key={item.id} className="menu__separator" role="separator" />
                    ),
                  )}
                </div>
              )}
            </div>
          );
        })}
      </div>
      {end}
    </div>
  );
}
