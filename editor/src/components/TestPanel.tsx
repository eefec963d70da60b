/** Test a token or claims (and context) against the draft or a version; the path lights up on the canvas. */
import { useState } from 'react';
import { api, describeError, type TestResult, type VersionSummary } from '../api/client';

export interface TestInput {
  mode: 'token' | 'claims';
  token: string;
  claims: string;
  context: string;
}

export function TestPanel(props: {
  featureId: string;
  versions: VersionSummary[];
  input: TestInput;
  onInput(input: TestInput): void;
  onResult(result: TestResult | null): void;
  result: TestResult | null;
}) {
  const [against, setAgainst] = useState('draft');
  const [error, setError] = useState<string | null>(null);
  const { input } = props;
  const run = async () => {
    setError(null);
    try {
      const body: Record<string, unknown> = { against: /^\d+$/.test(against) ? Number(against) : against };
      if (input.mode === 'token') body.token = input.token.trim();
      else body.claims = JSON.parse(input.claims || '{}');
      if (input.context.trim()) body.context = JSON.parse(input.context);
      props.onResult(await api<TestResult>('POST', `/features/${encodeURIComponent(props.featureId)}/test`, body));
    } catch (e) {
      props.onResult(null);
      setError(e instanceof SyntaxError ? `That is not valid JSON: ${e.message}` : describeError(e));
    }
  };
  const r = props.result;
  return (
    <div className="test-panel" data-testid="test-panel">
      <div className="segmented">
        <button
          className={input.mode === 'token' ? 'active' : ''}
          data-testid="test-mode-token"
          onClick={() => props.onInput({ ...input, mode: 'token' })}
        >
          JWT
        </button>
        <button
          className={input.mode === 'claims' ? 'active' : ''}
          data-testid="test-mode-claims"
          onClick={() => props.onInput({ ...input, mode: 'claims' })}
        >
          Claims JSON
        </button>
      </div>
      {input.mode === 'token' ? (
        <label className="field">
          <span className="field-label">Token (verified with the live JWT settings)</span>
          <textarea
            data-testid="test-token"
            rows={4}
            value={input.token}
            onChange={(e) => props.onInput({ ...input, token: e.target.value })}
          />
        </label>
      ) : (
        <label className="field">
          <span className="field-label">Claims (treated as verified)</span>
          <textarea
            data-testid="test-claims"
            rows={4}
            placeholder='{"sub": "u1", "state": "Alabama"}'
            value={input.claims}
            onChange={(e) => props.onInput({ ...input, claims: e.target.value })}
          />
        </label>
      )}
      <label className="field">
        <span className="field-label">Context (optional JSON)</span>
        <textarea
          data-testid="test-context"
          rows={2}
          placeholder='{"device": "mobile", "contentId": "a-1"}'
          value={input.context}
          onChange={(e) => props.onInput({ ...input, context: e.target.value })}
        />
      </label>
      <div className="inline">
        <select data-testid="test-against" value={against} onChange={(e) => setAgainst(e.target.value)}>
          <option value="draft">the draft</option>
          {props.versions.map((v) => (
            <option key={v.version} value={String(v.version)}>
              version {v.version}
            </option>
          ))}
        </select>
        <button className="primary" data-testid="test-run" onClick={run}>
          Run test
        </button>
      </div>
      {error ? (
        <p className="error" role="alert">
          {error}
        </p>
      ) : null}
      {r ? (
        <div className="result" data-testid="test-result">
          <div className="decision" data-testid="test-decision">
            {r.decision ?? 'no decision (unfinished branch)'}
          </div>
          <dl>
            <dt>User state</dt>
            <dd data-testid="test-userstate">{r.userState}</dd>
            <dt>Products</dt>
            <dd>{r.products.join(', ') || '—'}</dd>
            <dt>Entitlements</dt>
            <dd>{r.entitlements.join(', ') || '—'}</dd>
            <dt>Token</dt>
            <dd>
              {r.token.status}
              {r.token.reason ? ` — ${r.token.reason}` : ''}
            </dd>
            <dt>Version</dt>
            <dd>{String(r.version)}</dd>
          </dl>
          {r.payload !== null && r.payload !== undefined ? <pre>{JSON.stringify(r.payload, null, 2)}</pre> : null}
          <ol className="reasons">
            {r.reasons.map((x, i) => (
              <li key={i}>{x}</li>
            ))}
          </ol>
        </div>
      ) : null}
    </div>
  );
}
