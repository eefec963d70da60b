import { describe, expect, it } from 'vitest';
import type { Graph } from '../../editor/src/api/client';
import { connectionProblem } from '../../editor/src/lib/connection-rules';
import { diffGraphs } from '../../editor/src/lib/graph-diff';

const node = (id: string, type: string, data: Record<string, unknown> = {}) => ({
  id,
  type,
  position: { x: 0, y: 0 },
  data,
});
const graph: Graph = {
  nodes: [
    node('start', 'start'),
    node('u', 'userState'),
    node('a', 'outcome', { decision: 'x' }),
    node('c', 'jwtClaim', { property: 'p', operator: 'exists' }),
  ],
  edges: [
    { id: 'e1', source: 'start', target: 'u', sourceHandle: null },
    { id: 'e2', source: 'u', target: 'c', sourceHandle: 'registered' },
  ],
};

describe('connection rules (refused as drawn)', () => {
  it('allows a free branch to a later node', () => {
    expect(connectionProblem(graph, { source: 'u', target: 'a', sourceHandle: 'anonymous' })).toBeNull();
    expect(connectionProblem(graph, { source: 'c', target: 'a', sourceHandle: 'yes' })).toBeNull();
  });
  it('refuses self loops, edges into start, out of outcomes, reused branches and cycles', () => {
    expect(connectionProblem(graph, { source: 'u', target: 'u', sourceHandle: 'customer' })).toMatch(/itself/);
    expect(connectionProblem(graph, { source: 'u', target: 'start', sourceHandle: 'customer' })).toMatch(/start/);
    expect(connectionProblem(graph, { source: 'a', target: 'c', sourceHandle: null })).toMatch(/outcome/);
    expect(connectionProblem(graph, { source: 'u', target: 'a', sourceHandle: 'registered' })).toMatch(/already/);
    expect(connectionProblem(graph, { source: 'start', target: 'a', sourceHandle: null })).toMatch(/already/);
    expect(connectionProblem(graph, { source: 'c', target: 'u', sourceHandle: 'yes' })).toMatch(/loop/);
  });
});

describe('graph diff', () => {
  it('marks nodes and edges added, removed and changed, with the changed settings', () => {
    const after: Graph = {
      nodes: [
        node('start', 'start'),
        node('u', 'userState'),
        node('a', 'outcome', { decision: 'y', payload: { v: 1 } }),
        node('b', 'outcome', { decision: 'new' }),
      ],
      edges: [
        { id: 'e1', source: 'start', target: 'u', sourceHandle: null },
        { id: 'e2', source: 'u', target: 'a', sourceHandle: 'registered' },
        { id: 'e3', source: 'u', target: 'b', sourceHandle: 'anonymous' },
      ],
    };
    const d = diffGraphs(graph, after);
    expect(d.nodes.a).toEqual({ change: 'changed', fields: ['decision', 'payload.v'] });
    expect(d.nodes.b.change).toBe('added');
    expect(d.nodes.c.change).toBe('removed');
    expect(d.nodes.u.change).toBe('same');
    expect(d.edges).toMatchObject({ e1: 'same', e2: 'changed', e3: 'added' });
    expect(d.summary).toEqual({ added: 2, removed: 1, changed: 2 });
    expect(d.merged.nodes.map((n) => n.id).sort()).toEqual(['a', 'b', 'c', 'start', 'u']);
  });
});
