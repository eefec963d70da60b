/** QA replay: the feature's suites, run against the draft or a version; clicking a case lights up its path. */
import { useCallback, useEffect, useState } from 'react';
import { api, describeError, type VersionSummary } from '../api/client';

interface SuiteListItem {
  id: string;
  name: string;
  caseCount: number;
}
interface CaseResult {
  name: string;
  pass: boolean;
  expected: { decision: string | null };
  actual: { decision: string | null; path: string[] };
  mismatches: string[];
  /** The case's token status and reason at the case's clock; null when the case gives no token. */
  token?: { status: string; reason: string | null } | null;
}

/** What the token column says for a case. */
function tokenText(token: CaseResult['token']): string {
  if (!token) return 'no token';
  return token.reason ? `token ${token.status}: ${token.reason}` : `token ${token.status}`;
}

export function ReplayPanel(props: {
  featureId: string;
  versions: VersionSummary[];
  /** node id -> human name */
  names: Map<string, string>;
  onHighlight(path: string[], failing: boolean): void;
  /** Called before a run: saves unsaved canvas edits, so "draft" is what the canvas shows. */
  beforeRun(): Promise<void>;
  /** The test panel's current input as a replay case input, with the decision it got. */
  currentCase: (() => { input: Record<string, unknown>; decision: string | null } | null) | null;
}) {
  const base = `/features/${encodeURIComponent(props.featureId)}/suites`;
  const [suites, setSuites] = useState<SuiteListItem[]>([]);
  const [suite, setSuite] = useState<string>('');
  const [against, setAgainst] = useState('draft');
  const [results, setResults] = useState<{ summary: string; results: CaseResult[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [caseName, setCaseName] = useState('');
  const [shown, setShown] = useState<string | null>(null);
  const show = (r: CaseResult) => {
    setShown(r.name);
    props.onHighlight(r.actual.path, !r.pass);
  };

  const load = useCallback(async () => {
    try {
      const list = await api<SuiteListItem[]>('GET', base);
      setSuites(list);
      setSuite((s) => s || list[0]?.id || '');
    } catch (e) {
      setError(describeError(e));
    }
  }, [base]);
  useEffect(() => {
    void load();
  }, [load]);

  const run = async () => {
    setError(null);
    try {
      if (against === 'draft') await props.beforeRun();
      const out = await api<{ run: { summary: string; results: CaseResult[] } }>(
        'POST',
        `${base}/${encodeURIComponent(suite)}/run`,
        {
          against: /^\d+$/.test(against) ? Number(against) : against,
        },
      );
      setResults(out.run);
      // The first failing case is shown at once, its path highlighted.
      const firstFailing = out.run.results.find((r) => !r.pass);
      if (firstFailing) show(firstFailing);
      else setShown(null);
    } catch (e) {
      setError(describeError(e));
    }
  };

  const addCase = async () => {
    setError(null);
    const current = props.currentCase?.();
    if (!current) return setError('Run a test in the Test tab first; its input becomes the case.');
    try {
      const id = suite || 'default';
      let file: { name: string; cases: unknown[] } = { name: 'Default suite', cases: [] };
      if (suites.some((s) => s.id === id)) file = await api('GET', `${base}/${encodeURIComponent(id)}`);
      const name = caseName.trim() || `case ${file.cases.length + 1}`;
      await api('PUT', `${base}/${encodeURIComponent(id)}`, {
        name: file.name,
        cases: [...file.cases, { name, input: current.input, expect: { decision: current.decision } }],
      });
      setCaseName('');
      setSuite(id);
      await load();
    } catch (e) {
      setError(describeError(e));
    }
  };

  return (
    <div className="replay" data-testid="replay-panel">
      <div className="inline">
        <select data-testid="replay-suite" aria-label="Suite" value={suite} onChange={(e) => setSuite(e.target.value)}>
          {suites.length === 0 ? <option value="">no suites yet</option> : null}
          {suites.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name} ({s.caseCount})
            </option>
          ))}
        </select>
        <select
          data-testid="replay-against"
          aria-label="Replay against"
          value={against}
          onChange={(e) => setAgainst(e.target.value)}
        >
          <option value="draft">draft</option>
          <option value="published">published</option>
          {props.versions.map((v) => (
            <option key={v.version} value={String(v.version)}>
              v{v.version}
            </option>
          ))}
        </select>
        <button className="primary" data-testid="replay-run" disabled={!suite} onClick={run}>
          Replay
        </button>
      </div>
      {props.currentCase ? (
        <div className="inline">
          <input
            data-testid="replay-case-name"
            aria-label="Name of the new case"
            placeholder="case name"
            value={caseName}
            onChange={(e) => setCaseName(e.target.value)}
          />
          <button data-testid="replay-add-case" onClick={addCase}>
            Add current test input as a case
          </button>
        </div>
      ) : null}
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {results ? (
        <>
          <p className="summary" data-testid="replay-summary">
            {results.summary}
          </p>
          <ul className="cases">
            {results.results.map((r) => (
              <li key={r.name} className={`${r.pass ? 'pass' : 'fail'}${shown === r.name ? ' shown' : ''}`}>
                <button
                  className="link"
                  data-testid={`replay-case-${r.name}`}
                  aria-pressed={shown === r.name}
                  onClick={() => show(r)}
                >
                  {r.pass ? '✓' : '✗'} {r.name}
                </button>
                <span className="muted small">
                  {r.pass ? r.actual.decision : `expected ${r.expected.decision}, got ${r.actual.decision}`}
                </span>
                <span
                  className={`muted small token-status token-${r.token?.status ?? 'none'}`}
                  data-testid={`replay-token-${r.name}`}
                >
                  {tokenText(r.token)}
                </span>
                {!r.pass && shown === r.name ? (
                  <div className="small" data-testid={`replay-case-path-${r.name}`}>
                    path: {r.actual.path.map((id) => props.names.get(id) ?? id).join(' → ')}
                    {r.mismatches.length ? <div className="muted">{r.mismatches.join('; ')}</div> : null}
                  </div>
                ) : null}
              </li>
            ))}
          </ul>
        </>
      ) : null}
    </div>
  );
}
