/** Validation problems of the draft, as you edit, each naming its node by name; clicking one zooms to the node. */
import type { Problem } from '../api/client';

export function ProblemsPanel({
  problems,
  names,
  onSelect,
  canPublish = true,
}: {
  problems: Problem[];
  /** node id -> human name */
  names: Map<string, string>;
  onSelect(nodeId: string | undefined, edgeId: string | undefined): void;
  /** false for a role that cannot publish: no "ready to publish" for them. */
  canPublish?: boolean;
}) {
  const errors = problems.filter((p) => p.severity === 'error').length;
  const warnings = problems.length - errors;
  return (
    <div className="problems-panel" data-testid="problems">
      <div className="problems-head">
        {problems.length === 0 ? (
          <span className="ok" data-testid="problems-none">
            {canPublish ? '✓ No problems: ready to publish' : '✓ No problems'}
          </span>
        ) : (
          <span>
            {errors ? (
              <span className="error-text">
                {errors} problem{errors === 1 ? '' : 's'}
              </span>
            ) : null}
            {errors && warnings ? ' · ' : ''}
            {warnings ? (
              <span className="warn-text">
                {warnings} unfinished branch{warnings === 1 ? '' : 'es'} (must be connected before publishing)
              </span>
            ) : null}
          </span>
        )}
      </div>
      <ul className="problems" data-testid="problems-list">
        {problems.map((p, i) => (
          <li key={`${p.code}-${i}`} className={p.severity}>
            <button className="link" data-testid={`problem-${i}`} onClick={() => onSelect(p.nodeId, p.edgeId)}>
              {p.nodeId && names.has(p.nodeId) ? <strong>{names.get(p.nodeId)}: </strong> : null}
              {p.message}
            </button>
            <code className="muted small">{p.code}</code>
          </li>
        ))}
      </ul>
    </div>
  );
}
