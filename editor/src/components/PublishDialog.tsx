/**
 * Publishing is reviewed, never one click: the dialog shows live and draft side by side with every changed setting
 * (old → new), runs the feature's suites against the draft, shows the impact on recorded decisions when recording
 * is on, and needs a note and an author. The button says which version goes live.
 */
import { useEffect, useState } from 'react';
import { ApiError, api, describeError, type Graph, type Problem } from '../api/client';
import { currentAuthor, rememberAuthor } from '../lib/author';
import { diffGraphs, type GraphDiff } from '../lib/graph-diff';
import { DiffList } from './DiffList';

interface SuiteRunSummary {
  id: string;
  name: string;
  summary: string;
  failed: string[];
}
interface Impact {
  total: number;
  changed: number;
  transitions: { from: string | null; to: string | null; count: number }[];
}

export function PublishDialog(props: {
  featureId: string;
  draft: Graph;
  publishedVersion: number | null;
  nextVersion: number;
  names: Map<string, string>;
  /** Saves the canvas as the draft first (null: nothing unsaved). */
  saveDraft: (() => Promise<void>) | null;
  onClose(): void;
  onPublished(version: number): void;
}) {
  const base = `/features/${encodeURIComponent(props.featureId)}`;
  const [diff, setDiff] = useState<GraphDiff | null>(null);
  const [suites, setSuites] = useState<SuiteRunSummary[] | null>(null);
  const [impact, setImpact] = useState<Impact | 'off' | null>(null);
  const [note, setNote] = useState('');
  const [author, setAuthor] = useState(currentAuthor);
  const [error, setError] = useState<string | null>(null);
  const [refused, setRefused] = useState<Problem[] | null>(null);
  const [busy, setBusy] = useState(false);
  /** Set when the default environment requires approval: the publish opened a change request instead. */
  const [pending, setPending] = useState<string | null>(null);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs once when the dialog opens, on the draft as it is
  useEffect(() => {
    void (async () => {
      try {
        if (props.saveDraft) await props.saveDraft();
        const live =
          props.publishedVersion === null
            ? { nodes: [], edges: [] }
            : (await api<{ graph: Graph }>('GET', `${base}/versions/${props.publishedVersion}`)).graph;
        setDiff(diffGraphs(live, props.draft));
        const list = await api<{ id: string; name: string }[]>('GET', `${base}/suites`);
        const runs: SuiteRunSummary[] = [];
        for (const s of list) {
          const out = await api<{ run: { summary: string; results: { name: string; pass: boolean }[] } }>(
            'POST',
            `${base}/suites/${encodeURIComponent(s.id)}/run`,
            { against: 'draft' },
          );
          runs.push({
            id: s.id,
            name: s.name,
            summary: out.run.summary,
            failed: out.run.results.filter((r) => !r.pass).map((r) => r.name),
          });
        }
        setSuites(runs);
        const recording = await api<{ enabled?: boolean }>('GET', '/settings/recording');
        if (recording.enabled && props.publishedVersion !== null)
          setImpact(await api<Impact>('POST', `${base}/impact`, { from: 'published', to: 'draft', source: 'log' }));
        else setImpact('off');
      } catch (e) {
        setError(describeError(e));
      }
    })();
  }, []);

  const publish = async () => {
    setBusy(true);
    setError(null);
    setRefused(null);
    try {
      rememberAuthor(author.trim());
      const out = await api<{ version: number; status?: string; environment?: string }>('POST', `${base}/publish`, {
        note: note.trim(),
        author: author.trim(),
      });
      if (out.status === 'pendingApproval')
        setPending(
          `${out.environment} requires approval: a change request was opened. Another publisher approves it on the Releases page.`,
        );
      else props.onPublished(out.version);
    } catch (e) {
      if (e instanceof ApiError && Array.isArray(e.problems)) setRefused(e.problems as Problem[]);
      setError(`Not published: ${describeError(e)}`);
    } finally {
      setBusy(false);
    }
  };

  const nodeName = (id?: string) => (id ? (props.names.get(id) ?? id) : null);
  const canPublish = note.trim().length > 0 && author.trim().length > 0 && !busy && pending === null;
  return (
    <div className="dialog-backdrop">
      <div
        className="dialog wide"
        role="dialog"
        aria-modal="true"
        aria-labelledby="publish-title"
        data-testid="publish-dialog"
      >
        <h3 id="publish-title">
          Publish version {props.nextVersion}
          {props.publishedVersion ? ` (replaces live v${props.publishedVersion})` : ' (the first live version)'}
        </h3>
        <section className="publish-section">
          <h4>What changes</h4>
          {diff ? (
            <DiffList diff={diff} testId="publish-diff" />
          ) : (
            <p className="muted">Comparing with the live version…</p>
          )}
        </section>
        <section className="publish-section" data-testid="publish-suites">
          <h4>Suites against the draft</h4>
          {suites === null ? <p className="muted">Running the suites…</p> : null}
          {suites?.length === 0 ? <p className="muted">This feature has no suites yet.</p> : null}
          <ul>
            {suites?.map((s) => (
              <li key={s.id} className={s.failed.length ? 'fail' : 'pass'}>
                {s.failed.length ? '✗' : '✓'} <strong>{s.name}</strong>: {s.summary}
                {s.failed.length ? ` (failing: ${s.failed.join(', ')})` : ''}
              </li>
            ))}
          </ul>
        </section>
        <section className="publish-section" data-testid="publish-impact">
          <h4>Impact on recorded decisions</h4>
          {impact === null ? <p className="muted">Checking…</p> : null}
          {impact === 'off' ? (
            <p className="muted">Recording is off (or nothing is live yet): no recorded decisions to compare.</p>
          ) : null}
          {impact && impact !== 'off' ? (
            <>
              <p>
                {impact.changed} of {impact.total} recorded decisions would change.
              </p>
              <ul>
                {impact.transitions.map((t) => (
                  <li key={`${t.from}->${t.to}`}>
                    {t.from ?? 'none'} → {t.to ?? 'none'}: {t.count}
                  </li>
                ))}
              </ul>
            </>
          ) : null}
        </section>
        <label className="field">
          <span className="field-label">What changed and why (required)</span>
          <textarea
            data-testid="publish-note"
            rows={2}
            value={note}
            required
            aria-required="true"
            onChange={(e) => setNote(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">Your name (required)</span>
          <input
            data-testid="publish-author"
            value={author}
            required
            aria-required="true"
            autoComplete="name"
            onChange={(e) => setAuthor(e.target.value)}
          />
        </label>
        {pending ? (
          <div className="message ok" role="status" data-testid="publish-pending">
            <span>{pending}</span>
          </div>
        ) : null}
        {error ? (
          <div className="message error" role="alert" data-testid="publish-error">
            <span>{error}</span>
          </div>
        ) : null}
        {refused ? (
          <ul className="problems" data-testid="publish-problems">
            {refused.map((p, i) => (
              <li key={i} className="error">
                {nodeName(p.nodeId) ? `${nodeName(p.nodeId)}: ` : ''}
                {p.message}
              </li>
            ))}
          </ul>
        ) : null}
        <div className="dialog-actions">
          <button onClick={props.onClose} data-testid="publish-cancel">
            Cancel
          </button>
          <button className="primary" data-testid="publish-confirm" disabled={!canPublish} onClick={publish}>
            Make version {props.nextVersion} live
          </button>
        </div>
      </div>
    </div>
  );
}
