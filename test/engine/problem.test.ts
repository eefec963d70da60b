/** The one problem type: its builders, and the edge rules the editor and validateGraph share. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  ClaimflowError,
  connectionProblem,
  type LooseGraph,
  problem,
  problemsError,
  validateGraph,
  zodProblems,
} from '../../engine';

describe('problem builders', () => {
  it('builds a problem, leaving out locations not given', () => {
    expect(problem('CF_GRAPH_CYCLE', 'loop', { nodeId: 'a', edgeId: undefined })).toEqual({
      code: 'CF_GRAPH_CYCLE',
      severity: 'error',
      message: 'loop',
      nodeId: 'a',
    });
  });

  it('turns zod issues into problems naming the field, and a list into one coded error', () => {
    const schema = z.object({ weight: z.number().positive('weights must be positive'), name: z.string() });
    const result = schema.safeParse({ weight: -1 });
    if (result.success) throw new Error('expected a failure');
    const problems = zodProblems(result.error, 'CF_NODE_DATA_INVALID', { prefix: ['data'], at: { nodeId: 'n1' } });
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'CF_NODE_DATA_INVALID',
        nodeId: 'n1',
        field: 'data.weight',
        message: 'data.weight: weights must be positive',
      }),
      expect.objectContaining({ field: 'data.name', nodeId: 'n1' }),
    ]);
    const error = problemsError(problems, 'CF_GRAPH_NOT_VALID');
    expect(error).toBeInstanceOf(ClaimflowError);
    expect(error).toMatchObject({
      code: 'CF_GRAPH_NOT_VALID',
      location: { nodeId: 'n1', field: 'data.weight' },
      details: problems,
    });
  });
});

const at = { x: 0, y: 0 };
const graph = {
  nodes: [
    { id: 'start', type: 'start', position: at, data: {} },
    { id: 'u', type: 'userState', position: at, data: {} },
    { id: 'a', type: 'outcome', position: at, data: { decision: 'a' } },
    { id: 'b', type: 'outcome', position: at, data: { decision: 'b' } },
  ],
  edges: [
    { id: 'e0', source: 'start', target: 'u' },
    { id: 'e1', source: 'u', sourceHandle: 'anonymous', target: 'a' },
  ],
};

describe('edge rules shared by the editor and validateGraph', () => {
  const candidates = [
    { source: 'u', target: 'start', sourceHandle: 'customer', code: 'CF_EDGE_INTO_START' },
    { source: 'a', target: 'b', sourceHandle: null, code: 'CF_OUTCOME_HAS_OUTGOING' },
    { source: 'u', target: 'b', sourceHandle: 'anonymous', code: 'CF_BRANCH_MULTIPLE_EDGES' },
    { source: 'start', target: 'b', sourceHandle: null, code: 'CF_BRANCH_MULTIPLE_EDGES' },
    { source: 'u', target: 'u', sourceHandle: 'customer', code: 'CF_GRAPH_CYCLE' },
    { source: 'u', target: 'b', sourceHandle: 'customer', code: null },
  ] as const;

  it.each(candidates)('$source -> $target by $sourceHandle: $code, as validateGraph finds with the edge drawn', (c) => {
    const loose: LooseGraph = graph;
    expect(connectionProblem(loose, c)?.code ?? null).toBe(c.code);
    const drawn = { ...graph, edges: [...graph.edges, { id: 'new', ...c, sourceHandle: c.sourceHandle ?? undefined }] };
    const codes = validateGraph(drawn, { mode: 'draft' })
      .problems.filter((p) => p.severity === 'error')
      .map((p) => p.code);
    if (c.code === null) expect(codes).toEqual([]);
    else expect(codes).toContain(c.code);
  });
});
