import { describe, expect, it } from 'vitest';
import { GRAPH_LIMITS, type Problem, validateGraph } from '../../engine';
import { loadJson } from './helpers';

const codes = (problems: Problem[]) => problems.map((p) => p.code);

function chain(length: number) {
  const nodes = [{ id: 'n0', type: 'start', position: { x: 0, y: 0 }, data: {} }];
  const edges = [];
  for (let i = 1; i < length; i++) {
    const last = i === length - 1;
    nodes.push(
      last
        ? { id: `n${i}`, type: 'outcome', position: { x: 0, y: i }, data: { decision: 'end' } as never }
        : {
            id: `n${i}`,
            type: 'request',
            position: { x: 0, y: i },
            data: { property: 'device', operator: 'exists' } as never,
          },
    );
    edges.push({ id: `e${i}`, source: `n${i - 1}`, target: `n${i}`, sourceHandle: i === 1 ? null : 'yes' });
    if (i > 1) edges.push({ id: `x${i}`, source: `n${i - 1}`, target: `n${length - 1}`, sourceHandle: 'no' });
  }
  return { nodes, edges };
}

describe('validateGraph', () => {
  it('accepts the example graphs', () => {
    for (const name of ['zephr-tutorial', 'split-test', 'metered-trial']) {
      const result = validateGraph(loadJson(`engine/examples/${name}.json`));
      expect(result.problems, name).toEqual([]);
      expect(result.ok).toBe(true);
    }
  });

  it('reports a cycle naming a node on it', () => {
    const result = validateGraph(loadJson('test/fixtures/graphs/error-cycle.json'));
    expect(result.ok).toBe(false);
    const cycle = result.problems.find((p) => p.code === 'CF_GRAPH_CYCLE');
    expect(cycle?.nodeId).toMatch(/^[ab]$/);
    expect(cycle?.message).toContain('"a"');
  });

  it('finds a loop even when the node on it also leads out of it (the walk once followed the way out and missed it)', () => {
    const at = { x: 0, y: 0 };
    const result = validateGraph({
      nodes: [
        { id: 's', type: 'start', position: at, data: {} },
        { id: 'o', type: 'outcome', position: at, data: { decision: 'x' } },
        { id: 'c', type: 'request', position: at, data: { property: 'device', operator: 'exists' } },
        { id: 'd', type: 'outcome', position: at, data: { decision: 'y' } },
      ],
      edges: [
        { id: 'e0', source: 's', target: 'o' },
        { id: 'e1', source: 'c', sourceHandle: 'yes', target: 'd' },
        { id: 'e2', source: 'c', sourceHandle: 'no', target: 'c' },
      ],
    });
    expect(result.problems.filter((p) => p.code === 'CF_GRAPH_CYCLE')).toEqual([
      expect.objectContaining({ nodeId: 'c', message: 'the graph has a cycle: "c" -> "c"' }),
    ]);
  });

  it('returns every problem at once, each naming its node, edge or field', () => {
    const result = validateGraph(loadJson('test/fixtures/graphs/error-many.json'), {
      catalogue: { productIds: ['gold'] },
    });
    const found = result.problems;
    const has = (code: string, where: Partial<Problem>) =>
      expect(
        found.some((p) => p.code === code && Object.entries(where).every(([k, v]) => p[k as keyof Problem] === v)),
        `${code} ${JSON.stringify(where)}`,
      ).toBe(true);
    has('CF_GRAPH_MULTIPLE_STARTS', { nodeId: 's2' });
    has('CF_NODE_DATA_INVALID', { nodeId: 'split', field: 'data.buckets' });
    has('CF_NODE_DATA_INVALID', { nodeId: 'weights', field: 'data.buckets.0.weight' });
    has('CF_NODE_DATA_INVALID', { nodeId: 'weights', field: 'data.buckets.1.id' });
    has('CF_NODE_DATA_INVALID', { nodeId: 'meter', field: 'data.allowance' });
    has('CF_NODE_DATA_INVALID', { nodeId: 'meter', field: 'data.period' });
    has('CF_NODE_DATA_INVALID', { nodeId: 'claim', field: 'data.value' });
    has('CF_NODE_UNKNOWN_TYPE', { nodeId: 'mystery' });
    has('CF_NODE_DUPLICATE_ID', { nodeId: 'end' });
    has('CF_EDGE_DUPLICATE_ID', { edgeId: 'e1' });
    has('CF_BRANCH_MULTIPLE_EDGES', { nodeId: 'prod', edgeId: 'e3' });
    has('CF_EDGE_UNKNOWN_HANDLE', { nodeId: 'prod', edgeId: 'e4' });
    has('CF_OUTCOME_HAS_OUTGOING', { nodeId: 'end', edgeId: 'e5' });
    has('CF_EDGE_MISSING_TARGET', { edgeId: 'e6' });
    has('CF_EDGE_MISSING_SOURCE', { edgeId: 'e7' });
    has('CF_EDGE_INTO_START', { edgeId: 'e8' });
    has('CF_NODE_UNREACHABLE', { nodeId: 'lonely' });
    has('CF_PRODUCT_UNKNOWN', { nodeId: 'prod', field: 'data.products.1' });
    has('CF_BRANCH_UNCONNECTED', { nodeId: 'prod', field: 'branch.no' });
    for (const p of found) expect(p.message.length).toBeGreaterThan(5);
  });

  it('reports no start', () => {
    const result = validateGraph({
      nodes: [{ id: 'o', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'x' } }],
      edges: [],
    });
    expect(codes(result.problems)).toContain('CF_GRAPH_NO_START');
  });

  it('treats unconnected branches as warnings in drafts and errors at publish', () => {
    const graph = {
      nodes: [
        { id: 's', type: 'start', position: { x: 0, y: 0 }, data: {} },
        { id: 'u', type: 'userState', position: { x: 0, y: 0 }, data: {} },
      ],
      edges: [{ id: 'e', source: 's', target: 'u' }],
    };
    const draft = validateGraph(graph, { mode: 'draft' });
    expect(draft.ok).toBe(true);
    expect(draft.problems.map((p) => [p.code, p.severity, p.field])).toEqual([
      ['CF_BRANCH_UNCONNECTED', 'warning', 'branch.anonymous'],
      ['CF_BRANCH_UNCONNECTED', 'warning', 'branch.registered'],
      ['CF_BRANCH_UNCONNECTED', 'warning', 'branch.customer'],
    ]);
    expect(validateGraph(graph).ok).toBe(false);
  });

  it('refuses non-graphs with CF_GRAPH_INVALID naming the field', () => {
    expect(validateGraph(null).problems[0].code).toBe('CF_GRAPH_INVALID');
    expect(validateGraph({ nodes: {}, edges: [] }).problems[0].field).toBe('nodes');
    const bad = validateGraph({ nodes: [{ id: 7, type: 'start' }], edges: [{ id: 'e', source: 's' }] });
    const invalid = bad.problems.filter((p) => p.code === 'CF_GRAPH_INVALID');
    expect(invalid.map((p) => p.field)).toEqual(['nodes.0.id', 'edges.0.target']);
  });

  it('checks operator and value types', () => {
    const node = (data: unknown) => ({
      nodes: [
        { id: 's', type: 'start', position: { x: 0, y: 0 }, data: {} },
        { id: 'c', type: 'jwtClaim', position: { x: 0, y: 0 }, data },
      ],
      edges: [{ id: 'e', source: 's', target: 'c' }],
    });
    const fields = (data: unknown) =>
      validateGraph(node(data), { mode: 'draft' })
        .problems.filter((p) => p.severity === 'error')
        .map((p) => p.field);
    expect(fields({ property: 'state', operator: 'equals', value: 'Alabama' })).toEqual([]);
    expect(fields({ property: 'roles', operator: 'in', value: ['a', 'b'] })).toEqual([]);
    expect(fields({ property: 'x', operator: 'exists' })).toEqual([]);
    expect(fields({ property: 'x', operator: 'exists', value: 'y' })).toEqual(['data.value']);
    expect(fields({ property: 'x', operator: 'in', value: 'y' })).toEqual(['data.value']);
    expect(fields({ property: 'x', operator: 'startsWith', value: 3 })).toEqual(['data.value']);
    expect(fields({ property: 'x', operator: 'equals' })).toEqual(['data.value']);
    expect(fields({ property: 'x', operator: 'like', value: 'y' })).toEqual(['data.operator']);
    expect(fields({ property: 'a..b', operator: 'exists' })).toEqual(['data.property']);
    expect(fields({ property: '["https://x.com/roles"]', operator: 'contains', value: 'admin' })).toEqual([]);
  });

  it('bounds sizes: refuses oversized graphs without parsing them', () => {
    const big = { nodes: new Array(GRAPH_LIMITS.maxNodes + 1).fill({ id: 'x', type: 'start' }), edges: [] };
    expect(validateGraph(big).problems).toMatchObject([{ code: 'CF_GRAPH_TOO_LARGE', field: 'nodes' }]);
    const edges = { nodes: [], edges: new Array(100_000).fill({ id: 'e', source: 'a', target: 'b' }) };
    expect(validateGraph(edges).problems).toMatchObject([{ code: 'CF_GRAPH_TOO_LARGE', field: 'edges' }]);
  });

  it('handles a chain as long as the limit without recursion', () => {
    const result = validateGraph(chain(GRAPH_LIMITS.maxNodes));
    expect(result.problems).toEqual([]);
  });

  it('handles a long cycle and a dense hostile graph', () => {
    const n = 4000;
    const nodes = [{ id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} }];
    const edges = [{ id: 'e-start', source: 'start', target: 'c0' }];
    for (let i = 0; i < n; i++) {
      nodes.push({
        id: `c${i}`,
        type: 'trial',
        position: { x: 0, y: 0 },
        data: { allowance: 1, period: 'P1D' } as never,
      });
      edges.push({ id: `a${i}`, source: `c${i}`, target: `c${(i + 1) % n}`, sourceHandle: 'allowed' } as never);
    }
    const cyclic = validateGraph({ nodes, edges });
    expect(codes(cyclic.problems)).toContain('CF_GRAPH_CYCLE');
    // every node has 5 edges pointing to later nodes: 20 000 edges, acyclic, astronomically many paths.
    const dense = {
      nodes: [...nodes, { id: 'end', type: 'outcome', position: { x: 0, y: 0 }, data: { decision: 'x' } as never }],
      edges: [] as unknown[],
    };
    const to = (j: number) => (j < n ? `c${j}` : 'end');
    dense.edges.push({ id: 'e-start', source: 'start', target: 'c0' });
    for (let i = 0; i < n && dense.edges.length < GRAPH_LIMITS.maxEdges; i++) {
      dense.edges.push({ id: `al${i}`, source: `c${i}`, target: to(i + 1), sourceHandle: 'allowed' });
      dense.edges.push({ id: `ex${i}`, source: `c${i}`, target: to(i + 2), sourceHandle: 'exhausted' });
    }
    const started = Date.now();
    const result = validateGraph(dense);
    expect(codes(result.problems)).toContain('CF_GRAPH_TOO_MANY_PATHS');
    expect(Date.now() - started).toBeLessThan(20_000); // a hang guard, not a performance assertion
  });
});
