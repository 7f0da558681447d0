// ToolMenu is a toolbar button that opens a small panel of controls below it (layers,
// brightness), so a toolbar keeps one row. The panel stays in the DOM while closed (hidden),
// so its controls keep their state and names; it closes on Escape or a click elsewhere.
import { useEffect, useId, useRef, useState, type ReactNode } from 'react';

interface Props {
  label: ReactNode;
  title?: string;
  /** summary is shown after the label (e.g. how many layers are on). */
  summary?: ReactNode;
  children: ReactNode;
  'data-testid'?: string;
}

export function ToolMenu({ label, title, summary, children, 'data-testid': testId }: Props) {
  const [open, setOpen] = useState(false);
  const rootRef = useRef<HTMLDivElement>(null);
  const id = useId();
  useEffect(() => {
    if (!open) return;
    const onDown = (e: MouseEvent) => {
      if (!rootRef.current?.contains(e.target as Node)) setOpen(false);
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        e.stopPropagation();
        setOpen(false);
      }
    };
    document.addEventListener('mousedown', onDown);
    document.addEventListener('keydown', onKey, true);
    return () => {
      document.removeEventListener('mousedown', onDown);
      document.removeEventListener('keydown', onKey, true);
    };
  }, [open]);
  return (
    <div className="tool-menu" ref={rootRef} data-testid={testId}>
      <button
        type="button"
        className={`tool-button${open ? ' is-active' : ''}`}
        aria-expanded={open}
        aria-controls={id}
        title={title}
        onClick={() => setOpen((o) => !o)}
      >
        {label}
        {summary !== undefined && <span className="tool-menu__summary">{summary}</span>}
        <span aria-hidden="true">▾</span>
      </button>
      <div id={id} className="tool-menu__panel" role="group" hidden={!open}>
        {children}
      </div>
    </div>
  );
}
