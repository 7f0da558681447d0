import type { ReactNode } from 'react';

interface Props {
  icon?: ReactNode;
  title: string;
  children?: ReactNode;
}

/** EmptyState fills a pane that has nothing to show yet, and says why. */
export function EmptyState({ icon, title, children }: Props) {
  return (
    <div className="empty-state" role="status">
      {icon && <div className="empty-state__icon">{icon}</div>}
      <h2 className="empty-state__title">{title}</h2>
      {children && <div className="empty-state__body">{children}</div>}
    </div>
  );
}
