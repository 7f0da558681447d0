import type { ReactNode } from 'react';

/** Column is one column of a DataTable: its header, and whether it holds numbers (right-aligned). */
export interface Column {
  label: ReactNode;
  num?: boolean;
}

interface Props<T> {
  /** columns are the headers, a string for a plain text column. */
  columns: readonly (Column | string)[];
  rows: readonly T[];
  /** row renders one row: a <tr> with its key. */
  row: (item: T, index: number) => ReactNode;
  /** empty fills one full-width row when there are no rows. */
  empty?: ReactNode;
  /** className is added to data-table. */
  className?: string;
  'data-testid'?: string;
}

/** DataTable is the app's plain table: column headers over one row per item. */
export function DataTable<T>({ columns, rows, row, empty, className, 'data-testid': testId }: Props<T>) {
  return (
    <table className={className ? `data-table ${className}` : 'data-table'} data-testid={testId}>
      <thead>
        <tr>
          {columns.map((c, i) => {
            const col = typeof c === 'string' ? { label: c } : c;
            return (
              <th key={i} scope="col" className={col.num ? 'num' : undefined}>
                {col.label}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {rows.length === 0 && empty !== undefined ? (
          <tr>
            <td colSpan={columns.length}>{empty}</td>
          </tr>
        ) : (
          rows.map(row)
        )}
      </tbody>
    </table>
  );
}
