/**
 * The Test tab's state: the input being edited and the last run (its exact request and result). A run tests the
 * graph on the canvas (sent with the request, unsaved edits included, nothing saved) or a version; `currentCase` turns
 * the last run into a replay case carrying everything it used (visitor id, meters, clock), so the case decides the
 * same when replayed.
 */
import { useCallback, useState } from 'react';
import { api, type TestResult } from '../api/client';
import { DEFAULT_VISITOR, emptyTestInput, type TestInput, testRequestBody } from '../components/TestPanel';

export type TestRun = Omit<TestResult, 'tested'> & { tested: string };

export function useTestRun(args: {
  featureId: string;
  /** The graph on the canvas, as it would be saved. */
  canvas: unknown;
  dirty: boolean;
  onResult(result: TestRun): void;
}) {
  const { featureId, canvas, dirty, onResult } = args;
  const [input, setInput] = useState<TestInput>(emptyTestInput);
  const [last, setLast] = useState<{ body: Record<string, unknown>; result: TestRun } | null>(null);

  const run = useCallback(
    async (given: TestInput, against: string) => {
      const body = testRequestBody(given, against);
      // The clock is always sent, so the same input can be replayed later at the same time.
      body.now = (body.now as string | undefined) ?? new Date().toISOString();
      const sent = against === 'draft' ? { ...body, graph: canvas } : body;
      const r = await api<TestResult>('POST', `/features/${encodeURIComponent(featureId)}/test`, sent);
      const tested =
        r.tested === 'graph'
          ? dirty
            ? 'the canvas, with its unsaved changes (not saved)'
            : 'the canvas (same as the saved draft)'
          : r.tested === 'draft'
            ? 'the saved draft'
            : `version ${r.tested}`;
      const result = { ...r, tested };
      setLast({ body, result });
      onResult(result);
    },
    [featureId, canvas, dirty, onResult],
  );

  const currentCase = useCallback(() => {
    if (!last) return null;
    const { against: _against, ...input } = last.body;
    return { input: { visitorId: DEFAULT_VISITOR, ...input }, decision: last.result.decision };
  }, [last]);

  const clear = useCallback(() => setLast(null), []);
  return { input, setInput, result: last?.result ?? null, run, currentCase, clear };
}
