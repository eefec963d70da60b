/** The changes between two graphs, node by node (by name), with every changed setting as old → new. */
import type { GraphDiff } from '../lib/graph-diff';
import { displayName } from '../lib/node-names';

const show = (v: string | undefined) => (v === undefined ? '—' : v);

export function DiffList({ diff, testId = 'diff-list' }: { diff: GraphDiff; testId?: string }) {
  const byId = new Map(diff.merged.nodes.map((n) => [n.id, n]));
  const rows = Object.entries(diff.nodes).filter(([, v]) => v.change !== 'same');
  const edges = Object.entries(diff.edges).filter(([, c]) => c !== 'same');
  const nameOf = (id: string) => {
    const n = byId.get(id);
    return n ? displayName(n) : id;
  };
  return (
    <div className="diff-list" data-testid={testId}>
      <h4>Changes</h4>
      {rows.length === 0 && edges.length === 0 ? <p className="muted">No changes.</p> : null}
      <ul>
        {rows.map(([id, v]) => (
          <li key={id} className={`diff-${v.change}`} data-testid={`${testId}-node-${id}`}>
            <strong>{nameOf(id)}</strong> {v.change}
            {v.values.length ? (
              <table className="diff-values">
                <thead>
                  <tr>
                    <th scope="col">setting</th>
                    <th scope="col">old</th>
                    <th scope="col" aria-label="becomes" />
                    <th scope="col">new</th>
                  </tr>
                </thead>
                <tbody>
                  {v.values.map((f) => (
                    <tr key={f.field}>
                      <td>
                        <code>{f.field}</code>
                      </td>
                      <td className="old">{show(f.before)}</td>
                      <td aria-hidden="true">→</td>
                      <td className="new">{show(f.after)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            ) : null}
          </li>
        ))}
        {edges.map(([id, c]) => {
          const e = diff.merged.edges.find((x) => x.id === id);
          return (
            <li key={`edge-${id}`} className={`diff-${c}`}>
              branch {e ? `${nameOf(e.source)} / ${e.sourceHandle ?? 'next'} → ${nameOf(e.target)}` : id} {c}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
