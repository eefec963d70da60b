/** Search the canvas by name, decision, property or value; Enter jumps to and selects the first (or chosen) node. */
import { useState } from 'react';
import { displayName } from '../lib/node-names';
import type { FlowNode } from '../store/graph-history';

export function SearchBox(props: {
  query: string;
  onQuery(q: string): void;
  results: FlowNode[];
  onPick(id: string): void;
  onClose(): void;
}) {
  const [active, setActive] = useState(0);
  const results = props.results.slice(0, 20);
  const current = Math.min(active, Math.max(results.length - 1, 0));
  return (
    <div className="search-box" data-testid="search">
      <input
        autoFocus
        aria-label="Search nodes by name, decision, property or value"
        placeholder="Search nodes (name, decision, property, value)…"
        data-testid="search-input"
        value={props.query}
        onChange={(e) => {
          props.onQuery(e.target.value);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && results[current]) props.onPick(results[current].id);
          else if (e.key === 'ArrowDown') setActive(Math.min(current + 1, results.length - 1));
          else if (e.key === 'ArrowUp') setActive(Math.max(current - 1, 0));
          else if (e.key === 'Escape') props.onClose();
          else return;
          e.preventDefault();
        }}
      />
      {props.query.trim() ? (
        <ul className="search-results" data-testid="search-results">
          {results.length === 0 ? <li className="muted">No node matches.</li> : null}
          {results.map((n, i) => (
            <li key={n.id}>
              <button
                className={`link${i === current ? ' active' : ''}`}
                data-testid={`search-result-${n.id}`}
                onClick={() => props.onPick(n.id)}
              >
                {displayName(n)}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
