/**
 * Versions on the canvas: open one read-only, compare two (or a version and the canvas), roll back (then offer to
 * reset the draft to the restored version, so the canvas, header and list agree with the server).
 */
import { useCallback, useState } from 'react';
import { api, describeError, type FeatureSummary, type Graph } from '../api/client';
import { currentAuthor } from '../lib/author';
import { diffGraphs } from '../lib/graph-diff';
import { toFlow, type useGraphHistory } from '../store/graph-history';
import type { CanvasMode } from './useCanvasView';

export type EditorMessage = { kind: 'ok' | 'error'; text: string; action?: { label: string; run(): void } };

export function useVersions(args: {
  featureId: string;
  stored: Graph;
  history: ReturnType<typeof useGraphHistory>;
  reload(): Promise<FeatureSummary | null>;
  fit(): void;
  setMessage(m: EditorMessage | null): void;
}) {
  const { stored, history, fit, setMessage } = args;
  const { reload } = args;
  const base = `/features/${encodeURIComponent(args.featureId)}`;
  const [mode, setMode] = useState<CanvasMode>({ kind: 'edit' });

  const openVersion = useCallback(
    async (version: number) => {
      try {
        const v = await api<{ graph: Graph }>('GET', `${base}/versions/${version}`);
        setMode({ kind: 'version', version, graph: v.graph });
        setTimeout(fit, 50);
      } catch (e) {
        setMessage({ kind: 'error', text: describeError(e) });
      }
    },
    [base, fit, setMessage],
  );

  /** Replaces the canvas and the saved draft with a version's graph (after a rollback, on request). */
  const resetDraftTo = useCallback(
    async (version: number) => {
      try {
        const v = await api<{ graph: Graph }>('GET', `${base}/versions/${version}`);
        await api('PUT', `${base}/draft`, { graph: v.graph });
        history.reset(toFlow(v.graph));
        setMode({ kind: 'edit' });
        await reload();
        setMessage({ kind: 'ok', text: `The draft is now version ${version}, as live.` });
        setTimeout(fit, 50);
      } catch (e) {
        setMessage({ kind: 'error', text: describeError(e) });
      }
    },
    [base, history, reload, fit, setMessage],
  );

  const rollback = async (version: number) => {
    if (!window.confirm(`Publish a copy of version ${version} as the new live version?`)) return;
    try {
      const out = await api<{ version: number }>('POST', `${base}/rollback`, {
        version,
        author: currentAuthor() || 'editor',
      });
      const f = await reload();
      setMessage({
        kind: 'ok',
        text: `Rolled back: version ${out.version} (a copy of ${version}) is live.${
          f?.draftDiffers || history.dirty ? ' Your draft still holds the changes you rolled back.' : ''
        }`,
        action:
          f?.draftDiffers || history.dirty
            ? { label: `Reset the draft to version ${out.version}`, run: () => void resetDraftTo(out.version) }
            : undefined,
      });
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  const compare = async (a: string, b: string) => {
    const graphOf = async (v: string): Promise<Graph> =>
      v === 'draft' ? stored : (await api<{ graph: Graph }>('GET', `${base}/versions/${v}`)).graph;
    try {
      const [ga, gb] = await Promise.all([graphOf(a), graphOf(b)]);
      setMode({
        kind: 'compare',
        label: `${a === 'draft' ? 'draft' : `v${a}`} → ${b === 'draft' ? 'draft' : `v${b}`}`,
        diff: diffGraphs(ga, gb),
      });
      setTimeout(fit, 50);
    } catch (e) {
      setMessage({ kind: 'error', text: describeError(e) });
    }
  };

  return { mode, setMode, openVersion, resetDraftTo, rollback, compare };
}
