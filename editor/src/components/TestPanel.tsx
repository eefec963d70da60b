/**
 * Test a token or claims against what is on the canvas (or a version), with every input that picks a branch: the
 * visitor id (or the split-test bucket wanted, which finds a visitor id landing in it), each meter's state and the
 * clock. The path lights up on the canvas while this tab is open.
 */

import { useState } from 'react';
import { assignBucket } from '../../../engine';
import { describeError, type Graph, type TestResult, type VersionSummary } from '../api/client';
import { displayName } from '../lib/node-names';

export interface TestInput {
  mode: 'token' | 'claims';
  token: string;
  claims: string;
  context: string;
  /** empty: the default test visitor */
  visitorId: string;
  /** trial node id -> meter state */
  trials: Record<string, 'allowed' | 'exhausted'>;
  /** `datetime-local` value; empty: now */
  clock: string;
  against: string;
}

export const emptyTestInput: TestInput = {
  mode: 'token',
  token: '',
  claims: '',
  context: '',
  visitorId: '',
  trials: {},
  clock: '',
  against: 'draft',
};

export const DEFAULT_VISITOR = 'test-visitor';

/** The request body of `POST /features/:id/test` for an input (throws SyntaxError on bad JSON). */
export function testRequestBody(input: TestInput, against: string): Record<string, unknown> {
  const body: Record<string, unknown> = { against: /^\d+$/.test(against) ? Number(against) : against };
  if (input.mode === 'token') body.token = input.token.trim();
  else body.claims = JSON.parse(input.claims || '{}');
  if (input.context.trim()) body.context = JSON.parse(input.context);
  if (input.visitorId.trim()) body.visitorId = input.visitorId.trim();
  if (Object.keys(input.trials).length) body.trials = input.trials;
  if (input.clock) body.now = new Date(input.clock).toISOString();
  return body;
}

interface BucketNode {
  id: string;
  testId: string;
  buckets: { id: string; label?: string; weight: number }[];
}

function bucketNodes(graph: Graph): BucketNode[] {
  return graph.nodes
    .filter((n) => n.type === 'bucket' && Array.isArray(n.data.buckets) && n.data.buckets.length > 0)
    .map((n) => ({
      id: n.id,
      testId: typeof n.data.testId === 'string' && n.data.testId ? n.data.testId : n.id,
      buckets: (n.data.buckets as BucketNode['buckets']).filter((b) => Number(b.weight) > 0),
    }))
    .filter((b) => b.buckets.length > 0);
}

/** A visitor id that lands in `bucket` of `node` and keeps every other split test's current bucket if it can. */
function visitorFor(nodes: BucketNode[], node: string, bucket: string, current: string): string | null {
  const keep = new Map(nodes.map((n) => [n.id, assignBucket(current, n.testId, n.buckets)]));
  keep.set(node, bucket);
  for (const strict of [true, false])
    for (let i = 1; i <= 20_000; i++) {
      const id = `visitor-${i}`;
      const ok = nodes.every((n) =>
        n.id === node || strict ? assignBucket(id, n.testId, n.buckets) === keep.get(n.id) : true,
      );
      if (ok) return id;
    }
  return null;
}

export function TestPanel(props: {
  graph: Graph;
  versions: VersionSummary[];
  input: TestInput;
  onInput(input: TestInput): void;
  onRun(input: TestInput, against: string): Promise<void>;
  result: (Omit<TestResult, 'tested'> & { tested: string }) | null;
}) {
  const { input, graph } = props;
  const set = (patch: Partial<TestInput>) => props.onInput({ ...input, ...patch });
  const splits = bucketNodes(graph);
  const trials = graph.nodes.filter((n) => n.type === 'trial');
  const visitor = input.visitorId.trim() || DEFAULT_VISITOR;
  const nameOf = new Map(graph.nodes.map((n) => [n.id, displayName(n)]));
  const [error, setError] = useState<string | null>(null);
  const run = async () => {
    setError(null);
    try {
      await props.onRun(input, input.against);
    } catch (e) {
      setError(e instanceof SyntaxError ? `That is not valid JSON: ${e.message}` : describeError(e));
    }
  };
  const r = props.result;
  return (
    <div className="test-panel" data-testid="test-panel">
      <div className="segmented">
        <button
          className={input.mode === 'token' ? 'active' : ''}
          aria-pressed={input.mode === 'token'}
          data-testid="test-mode-token"
          onClick={() => set({ mode: 'token' })}
        >
          JWT
        </button>
        <button
          className={input.mode === 'claims' ? 'active' : ''}
          aria-pressed={input.mode === 'claims'}
          data-testid="test-mode-claims"
          onClick={() => set({ mode: 'claims' })}
        >
          Claims JSON
        </button>
      </div>
      {input.mode === 'token' ? (
        <label className="field">
          <span className="field-label">Token (verified with the live JWT settings)</span>
          <textarea
            data-testid="test-token"
            rows={3}
            value={input.token}
            onChange={(e) => set({ token: e.target.value })}
          />
        </label>
      ) : (
        <label className="field">
          <span className="field-label">Claims (treated as verified)</span>
          <textarea
            data-testid="test-claims"
            rows={3}
            placeholder='{"sub": "u1", "state": "Alabama"}'
            value={input.claims}
            onChange={(e) => set({ claims: e.target.value })}
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
          onChange={(e) => set({ context: e.target.value })}
        />
      </label>
      <details className="test-more" open={splits.length > 0 || trials.length > 0 || undefined}>
        <summary>Visitor, split tests, meters and clock</summary>
        <label className="field">
          <span className="field-label">Visitor id</span>
          <input
            data-testid="test-visitor"
            placeholder={DEFAULT_VISITOR}
            value={input.visitorId}
            onChange={(e) => set({ visitorId: e.target.value })}
          />
          <span className="field-hint">a verified user id in the token or claims takes its place</span>
        </label>
        {splits.map((s) => {
          const current = assignBucket(visitor, s.testId, s.buckets);
          return (
            <label className="field" key={s.id}>
              <span className="field-label">Bucket of {nameOf.get(s.id)}</span>
              <select
                data-testid={`test-bucket-${s.id}`}
                value={current}
                onChange={(e) => {
                  const id = visitorFor(splits, s.id, e.target.value, visitor);
                  if (id) set({ visitorId: id });
                }}
              >
                {s.buckets.map((b) => (
                  <option key={b.id} value={b.id}>
                    {b.label ?? b.id}
                  </option>
                ))}
              </select>
              <span className="field-hint">choosing a bucket picks a visitor id that lands in it</span>
            </label>
          );
        })}
        {trials.map((t) => {
          const allowance = Number(t.data.allowance);
          return (
            <div className="field" key={t.id}>
              <span className="field-label" id={`meter-${t.id}`}>
                Meter of {nameOf.get(t.id)}
                {Number.isFinite(allowance) ? ` (allowance ${allowance})` : ''}
              </span>
              <div className="inline">
                <select
                  aria-labelledby={`meter-${t.id}`}
                  data-testid={`test-trial-${t.id}`}
                  value={input.trials[t.id] ?? 'allowed'}
                  onChange={(e) =>
                    set({ trials: { ...input.trials, [t.id]: e.target.value as 'allowed' | 'exhausted' } })
                  }
                >
                  <option value="allowed">uses left (allowed)</option>
                  <option value="exhausted">used up (exhausted)</option>
                </select>
                <input
                  type="number"
                  min={0}
                  aria-label={`uses so far of ${nameOf.get(t.id)}`}
                  data-testid={`test-trial-uses-${t.id}`}
                  placeholder="uses so far"
                  onChange={(e) => {
                    const used = Number(e.target.value);
                    if (e.target.value === '' || !Number.isFinite(used) || !Number.isFinite(allowance)) return;
                    set({ trials: { ...input.trials, [t.id]: used >= allowance ? 'exhausted' : 'allowed' } });
                  }}
                />
              </div>
            </div>
          );
        })}
        <label className="field">
          <span className="field-label">Clock (your time zone; empty: now)</span>
          <input
            type="datetime-local"
            data-testid="test-clock"
            value={input.clock}
            onChange={(e) => set({ clock: e.target.value })}
          />
        </label>
      </details>
      <div className="inline">
        <label className="sr-only" htmlFor="test-against">
          Test against
        </label>
        <select
          id="test-against"
          data-testid="test-against"
          value={input.against}
          onChange={(e) => set({ against: e.target.value })}
        >
          <option value="draft">the canvas</option>
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
        <p className="error" role="alert" data-testid="test-error">
          {error}
        </p>
      ) : null}
      {r ? (
        <div className="result" data-testid="test-result">
          <div className="decision" data-testid="test-decision">
            {r.decision ?? 'no decision (unfinished branch)'}
          </div>
          <p className="muted small" data-testid="test-tested">
            Tested {r.tested}.
          </p>
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
            <dt>Path</dt>
            <dd data-testid="test-path">{r.path.map((id) => nameOf.get(id) ?? id).join(' → ')}</dd>
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
