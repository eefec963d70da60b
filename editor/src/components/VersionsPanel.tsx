/** Version history (author, time, note): open any version read-only, roll back, compare two versions. */
import { useState } from 'react';
import type { VersionSummary } from '../api/client';

export function VersionsPanel(props: {
  versions: VersionSummary[];
  published: number | null;
  onOpen(version: number): void;
  /** null when the signed-in role cannot publish (no rollback buttons). */
  onRollback: ((version: number) => void) | null;
  onCompare(a: string, b: string): void;
}) {
  const latest = props.versions[0]?.version;
  const [a, setA] = useState(props.published ? String(props.published) : 'draft');
  const [b, setB] = useState('draft');
  return (
    <div className="versions" data-testid="versions-panel">
      <div className="compare card">
        <strong>Compare</strong>
        <div className="inline">
          <select data-testid="compare-a" value={a} onChange={(e) => setA(e.target.value)}>
            <option value="draft">draft</option>
            {props.versions.map((v) => (
              <option key={v.version} value={String(v.version)}>
                v{v.version}
              </option>
            ))}
          </select>
          <span>→</span>
          <select data-testid="compare-b" value={b} onChange={(e) => setB(e.target.value)}>
            <option value="draft">draft</option>
            {props.versions.map((v) => (
              <option key={v.version} value={String(v.version)}>
                v{v.version}
              </option>
            ))}
          </select>
          <button data-testid="compare-run" onClick={() => props.onCompare(a, b)} disabled={a === b}>
            Show changes
          </button>
        </div>
      </div>
      {props.versions.length === 0 ? <p className="muted">Nothing published yet.</p> : null}
      <ul className="version-list">
        {props.versions.map((v) => (
          <li key={v.version} data-testid={`version-row-${v.version}`}>
            <div>
              <strong>v{v.version}</strong>{' '}
              {v.version === props.published ? <span className="badge live">live</span> : null}
              {v.rolledBackFrom ? <span className="badge">copy of v{v.rolledBackFrom}</span> : null}
              <div className="muted small">
                {v.author} · {new Date(v.createdAt).toLocaleString()}
              </div>
              <div>{v.note || <span className="muted">no note</span>}</div>
            </div>
            <div className="actions">
              <button
                className="link"
                data-testid={`version-open-${v.version}`}
                onClick={() => props.onOpen(v.version)}
              >
                Open
              </button>
              {v.version !== latest && props.onRollback ? (
                <button
                  className="link"
                  data-testid={`version-rollback-${v.version}`}
                  onClick={() => props.onRollback?.(v.version)}
                >
                  Roll back to this
                </button>
              ) : null}
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}
