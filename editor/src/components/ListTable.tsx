/**
 * The list tables of the editor's pages (features, webhooks, schedules, change requests, site keys): a header row,
 * the rows given as children, and one muted full-width row saying the list is empty when `empty` is given.
 */
import type { ReactNode } from 'react';

export function ListTable(props: {
  /** Column headings; `{ hidden: 'Actions' }` is read by screen readers only (action columns). */
  headers: Array<string | { hidden: string }>;
  /** Shown as the only row when not null (the caller decides when the list is empty). */
  empty: ReactNode | null;
  testId?: string;
  children: ReactNode;
}) {
  return (
    <table className="table" data-testid={props.testId}>
      <thead>
        <tr>
          {props.headers.map((h, i) => (
            <th key={i}>{typeof h === 'string' ? h : <span className="sr-only">{h.hidden}</span>}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.empty !== null ? (
          <tr>
            <td colSpan={props.headers.length} className="muted">
              {props.empty}
            </td>
          </tr>
        ) : null}
        {props.children}
      </tbody>
    </table>
  );
}
