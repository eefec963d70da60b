import { describe, expect, it } from 'vitest';
import type { Graph } from '../../editor/src/api/client';
import { connectionProblem } from '../../editor/src/lib/connection-rules';
import { freePosition } from '../../editor/src/lib/free-space';
import { diffGraphs } from '../../editor/src/lib/graph-diff';
import { displayName, searchText } from '../../editor/src/lib/node-names';
import { isoToZoned, zonedToIso } from '../../editor/src/nodes/lib/zoned-time';

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
    expect(d.nodes.a).toEqual({
      change: 'changed',
      fields: ['decision', 'payload.v'],
      values: [
        { field: 'decision', before: '"x"', after: '"y"' },
        { field: 'payload.v', before: undefined, after: '1' },
      ],
    });
    expect(d.nodes.b.change).toBe('added');
    expect(d.nodes.c.change).toBe('removed');
    expect(d.nodes.u.change).toBe('same');
    expect(d.edges).toMatchObject({ e1: 'same', e2: 'changed', e3: 'added' });
    expect(d.summary).toEqual({ added: 2, removed: 1, changed: 2 });
    expect(d.merged.nodes.map((n) => n.id).sort()).toEqual(['a', 'b', 'c', 'start', 'u']);
  });
});

describe('node names and search text', () => {
  it('names a node by its given name, an outcome by its decision, else by kind and id', () => {
    expect(displayName(node('s', 'schedule', { name: 'Black Friday' }))).toBe("Schedule 'Black Friday'");
    expect(displayName(node('o', 'outcome', { decision: 'paywall' }))).toBe("Outcome 'paywall'");
    expect(displayName(node('j', 'jwtClaim', {}))).toBe('JWT Token j');
    expect(searchText(node('j', 'jwtClaim', { property: 'state', value: 'Alabama' }))).toContain('alabama');
  });
});

describe('free space for a dropped node', () => {
  it('keeps the wanted point when free and never overlaps an existing node', () => {
    const nodes = [{ position: { x: 0, y: 0 } }, { position: { x: 244, y: 0 } }];
    expect(freePosition({ x: 0, y: 400 }, nodes)).toEqual({ x: 0, y: 400 });
    const p = freePosition({ x: 10, y: 10 }, nodes);
    for (const n of nodes)
      expect(
        p.x + 220 <= n.position.x || n.position.x + 220 <= p.x || p.y + 90 <= n.position.y || n.position.y + 90 <= p.y,
      ).toBe(true);
  });
});

describe('zoned times for the schedule pickers', () => {
  it('reads and writes wall-clock times in the node time zone', () => {
    expect(zonedToIso('2026-11-27T00:00', 'America/Chicago')).toBe('2026-11-27T06:00:00Z');
    expect(isoToZoned('2026-11-27T06:00:00Z', 'America/Chicago')).toBe('2026-11-27T00:00');
    expect(zonedToIso('2026-07-01T12:00', 'Europe/London')).toBe('2026-07-01T11:00:00Z');
  });
});
