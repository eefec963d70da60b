/** Which connections may be drawn: refused as they are drawn, with the reason (pure, unit-tested). */
import { isNodeKind, nodeDefinition } from '../../../engine';
import type { Graph } from '../api/client';

export interface Connection {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
}

/** null when allowed, otherwise why not (in plain words). */
export function connectionProblem(graph: Graph, c: Connection): string | null {
  if (!c.source || !c.target) return 'an edge needs two ends';
  if (c.source === c.target) return 'a node cannot lead to itself';
  const source = graph.nodes.find((n) => n.id === c.source);
  const target = graph.nodes.find((n) => n.id === c.target);
  if (!source || !target) return 'both ends must be nodes of this graph';
  const sourceDef = isNodeKind(source.type) ? nodeDefinition(source.type) : null;
  const targetDef = isNodeKind(target.type) ? nodeDefinition(target.type) : null;
  if (sourceDef?.terminal) return 'an outcome ends the decision; nothing can follow it';
  if (targetDef?.entry) return 'nothing can lead back to the start';
  const handle = c.sourceHandle;
  if (graph.edges.some((e) => e.source === c.source && (e.sourceHandle ?? null) === (handle ?? null)))
    return 'this branch already has an edge; delete it first';
  // no cycle: the target must not reach the source
  const out = new Map<string, string[]>();
  for (const e of graph.edges) out.set(e.source, [...(out.get(e.source) ?? []), e.target]);
  const stack = [c.target];
  const seen = new Set<string>();
  while (stack.length) {
    const id = stack.pop() as string;
    if (id === c.source) return 'this edge would make a loop; rules must not loop';
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return null;
}
