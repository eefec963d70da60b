/**
 * The rules one edge must pass, given the node kinds at its ends and the edges already accepted. validateGraph runs
 * them on every edge of a graph; the editor runs the same functions on an edge as it is drawn (`connectionProblem`).
 */
import { type Problem, problem } from '../errors/problem';
import { isNodeKind } from '../nodes/kinds';
import { nodeDefinition } from '../nodes/registry';
import { type Adjacency, reaches } from './graph-algorithms';

export interface EdgeEnd {
  id: string;
  /** The node's kind as written in the graph (possibly not a registered kind). */
  kind: string;
}

export interface CandidateEdge {
  id: string;
  source: EdgeEnd;
  target: EdgeEnd;
  sourceHandle?: string | null;
}

const definitionOf = (end: EdgeEnd) => (isNodeKind(end.kind) ? nodeDefinition(end.kind) : null);

/** CF_EDGE_INTO_START: nothing may lead into the entry node. */
export function intoEntry(edge: CandidateEdge): Problem | null {
  if (!definitionOf(edge.target)?.entry) return null;
  return problem('CF_EDGE_INTO_START', `edge "${edge.id}" points into the start node; nothing may lead back to start`, {
    edgeId: edge.id,
    nodeId: edge.target.id,
  });
}

/** CF_OUTCOME_HAS_OUTGOING: a terminal node ends the decision. */
export function outOfTerminal(edge: CandidateEdge): Problem | null {
  if (!definitionOf(edge.source)?.terminal) return null;
  return problem(
    'CF_OUTCOME_HAS_OUTGOING',
    `outcome "${edge.source.id}" has an outgoing edge "${edge.id}"; outcomes end the decision`,
    { nodeId: edge.source.id, edgeId: edge.id },
  );
}

/** The branch an edge leaves by: its handle, or the source kind's unnamed branch when it names none. */
export function branchOf(edge: CandidateEdge): string | null {
  const handle = edge.sourceHandle;
  if (handle == null || handle === '') return definitionOf(edge.source)?.unnamedBranch ?? null;
  return handle;
}

/** CF_EDGE_UNKNOWN_HANDLE: the edge must leave by one of the source's branches. */
export function unknownBranch(edge: CandidateEdge, branches: readonly string[]): Problem | null {
  const handle = branchOf(edge);
  if (handle !== null && branches.includes(handle)) return null;
  return problem(
    'CF_EDGE_UNKNOWN_HANDLE',
    handle === null
      ? `edge "${edge.id}" leaves "${edge.source.id}" without naming a branch (one of ${branches.join(', ')})`
      : `edge "${edge.id}" leaves "${edge.source.id}" by "${handle}", which is not one of its branches (${branches.join(', ')})`,
    { nodeId: edge.source.id, edgeId: edge.id, field: 'sourceHandle' },
  );
}

/** CF_BRANCH_MULTIPLE_EDGES: a branch leads to one node; `taken` is the edge already leaving by it, if any. */
export function branchTaken(edge: CandidateEdge, taken: string | undefined): Problem | null {
  if (taken === undefined) return null;
  return problem(
    'CF_BRANCH_MULTIPLE_EDGES',
    `branch "${branchOf(edge)}" of "${edge.source.id}" has two edges ("${taken}" and "${edge.id}"); keep one`,
    { nodeId: edge.source.id, edgeId: edge.id },
  );
}

/** CF_GRAPH_CYCLE: adding the edge would close a loop (its target already reaches its source). */
export function closesCycle(edge: CandidateEdge, adjacency: Adjacency): Problem | null {
  if (edge.source.id !== edge.target.id && !reaches(edge.target.id, edge.source.id, adjacency)) return null;
  return problem('CF_GRAPH_CYCLE', `edge "${edge.id}" would make a cycle through "${edge.source.id}"`, {
    nodeId: edge.source.id,
    edgeId: edge.id,
  });
}

/** A graph as the editor holds it: nodes with a kind, edges with an optional source handle. */
export interface LooseGraph {
  nodes: readonly { id: string; type?: string }[];
  edges: readonly { id?: string; source: string; target: string; sourceHandle?: string | null }[];
}

/**
 * The first rule a new edge from `source` (by `sourceHandle`) to `target` breaks in `graph`, or null when it may be
 * drawn. Codes: CF_EDGE_MISSING_SOURCE/TARGET, CF_EDGE_INTO_START, CF_OUTCOME_HAS_OUTGOING, CF_BRANCH_MULTIPLE_EDGES,
 * CF_GRAPH_CYCLE (also for an edge from a node to itself).
 * @example connectionProblem(graph, { source: 'a', target: 'start', sourceHandle: 'yes' })?.code // 'CF_EDGE_INTO_START'
 */
export function connectionProblem(
  graph: LooseGraph,
  c: { source: string; target: string; sourceHandle?: string | null },
): Problem | null {
  const kindOf = new Map(graph.nodes.map((n) => [n.id, n.type ?? '']));
  const sourceKind = kindOf.get(c.source);
  const targetKind = kindOf.get(c.target);
  if (sourceKind === undefined)
    return problem('CF_EDGE_MISSING_SOURCE', `"${c.source}" is not a node of this graph`, { field: 'source' });
  if (targetKind === undefined)
    return problem('CF_EDGE_MISSING_TARGET', `"${c.target}" is not a node of this graph`, { field: 'target' });
  const edge: CandidateEdge = {
    id: 'new',
    source: { id: c.source, kind: sourceKind },
    target: { id: c.target, kind: targetKind },
    sourceHandle: c.sourceHandle,
  };
  const branch = branchOf(edge);
  const taken = graph.edges.find(
    (e) => e.source === c.source && branchOf({ ...edge, sourceHandle: e.sourceHandle }) === branch,
  );
  const adjacency = new Map<string, string[]>();
  for (const e of graph.edges) adjacency.set(e.source, [...(adjacency.get(e.source) ?? []), e.target]);
  return (
    intoEntry(edge) ??
    outOfTerminal(edge) ??
    branchTaken(edge, taken ? (taken.id ?? 'an edge') : undefined) ??
    closesCycle(edge, adjacency)
  );
}
