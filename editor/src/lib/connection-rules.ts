/**
 * Which connections may be drawn: refused as they are drawn, with the reason in plain words. The rules are the
 * engine's own edge rules (`connectionProblem`), so the canvas refuses exactly what validation would report.
 */
import { type ErrorCode, connectionProblem as engineConnectionProblem } from '../../../engine';
import type { Graph } from '../api/client';

export interface Connection {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
}

const WORDS: Partial<Record<ErrorCode, string>> = {
  CF_EDGE_MISSING_SOURCE: 'both ends must be nodes of this graph',
  CF_EDGE_MISSING_TARGET: 'both ends must be nodes of this graph',
  CF_OUTCOME_HAS_OUTGOING: 'an outcome ends the decision; nothing can follow it',
  CF_EDGE_INTO_START: 'nothing can lead back to the start',
  CF_BRANCH_MULTIPLE_EDGES: 'this branch already has an edge; delete it first',
  CF_GRAPH_CYCLE: 'this edge would make a loop; rules must not loop',
};

/** null when allowed, otherwise why not (in plain words). */
export function connectionProblem(graph: Graph, c: Connection): string | null {
  if (!c.source || !c.target) return 'an edge needs two ends';
  const found = engineConnectionProblem(graph, { source: c.source, target: c.target, sourceHandle: c.sourceHandle });
  if (!found) return null;
  if (found.code === 'CF_GRAPH_CYCLE' && c.source === c.target) return 'a node cannot lead to itself';
  return WORDS[found.code] ?? found.message;
}
