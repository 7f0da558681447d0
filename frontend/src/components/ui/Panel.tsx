import type { ReactNode } from 'react';

interface Props {
  title: string;
  actions?: ReactNode;
  children: ReactNode;
  className?: string;
  'data-testid'?: string;
}

/** Panel is a titled, bordered box: the unit a dashboard is built from. */
export function Panel({ title, actions, children, className, ...rest }: Props) {
  const id = `panel-${title.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  return (
    <section className={`panel ${className ?? ''}`} aria-labelledby={id} data-testid={rest['data-testid']}>
      <header className="panel__header">
        <h2 className="panel__title" id={id}>
          {title}
        </h2>
        {actions && <div className="panel__actions">{actions}</div>}
      </header>
      <div className="panel__body">{children}</div>
    </section>
  );
}
