/**
 * Test a token or claims against what is on the canvas (or a version), with every input that picks a branch: the
 * visitor id, the per-visitor state of each node whose kind has a Test control (editor/src/nodes/<kind>/: e.g. the
 * split-test bucket wanted, which finds a visitor id landing in it, or a meter's state) and the clock. The path lights
 * up on the canvas while this tab is open.
 */

import { type ComponentType, useState } from 'react';
import { NODE_KINDS } from '../../../engine';
import { describeError, type Graph, type TestResult, type VersionSummary } from '../api/client';
import { displayName } from '../lib/node-names';
import { EDITOR_NODES } from '../nodes/registry';
import type { TestControlProps, TestNode, VisitorTestState } from '../nodes/spec';

export interface TestInput extends VisitorTestState {
  mode: 'token' | 'claims';
  token: string;
  claims: string;
  context: string;
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

/** A node of the graph with its kind's Test control, and the nodes of the same kind that have one. */
interface VisitorStateControl {
  node: TestNode;
  peers: TestNode[];
  Control: ComponentType<TestControlProps>;
}

/** The per-visitor state controls of `graph`: kinds in registry order, nodes of a kind in graph order. */
function visitorStateControls(graph: Graph, nameOf: Map<string, string>): VisitorStateControl[] {
  return NODE_KINDS.flatMap((kind) => {
    const control = EDITOR_NODES[kind].testControl;
    if (!control) return [];
    const peers = graph.nodes
      .filter((n) => n.type === kind && control.shows(n.data))
      .map((n) => ({ id: n.id, data: n.data, name: nameOf.get(n.id) ?? n.id }));
    return peers.map((node) => ({ node, peers, Control: control.Control }));
  });
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
  const visitor = input.visitorId.trim() || DEFAULT_VISITOR;
  const nameOf = new Map(graph.nodes.map((n) => [n.id, displayName(n)]));
  const controls = visitorStateControls(graph, nameOf);
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
      <details className="test-more" open={controls.length > 0 || undefined}>
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
        {controls.map(({ node, peers, Control }) => (
          <Control key={node.id} node={node} peers={peers} visitor={visitor} state={input} onState={set} />
        ))}
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
