import type { ReactNode } from 'react';

interface Props {
  children: ReactNode;
  /** compact is the small monospace form, for panels of tables and lines of controls. */
  compact?: boolean;
  /** as is the element: a paragraph, or a span inside a line of controls. */
  as?: 'p' | 'span';
  /** className replaces the note's own class where a form styles its errors its own way. */
  className?: string;
  'data-testid'?: string;
}

/** ErrorNote is an error the user should read, announced to assistive technology (role="alert"). */
export function ErrorNote({ children, compact = false, as: Tag = 'p', className, 'data-testid': testId }: Props) {
  return (
    <Tag className={className ?? (compact ? 'error-cell' : 'error-note')} role="alert" data-testid={testId}>
      {children}
    </Tag>
  );
}
