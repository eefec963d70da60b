/** Auto-layout with dagre: top to bottom, nodes spaced by their size. */
import dagre from '@dagrejs/dagre';
import type { FlowGraph } from '../store/graph-history';

export function autoLayout(graph: FlowGraph): FlowGraph {
  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 40, ranksep: 70 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) g.setNode(n.id, { width: n.measured?.width ?? 200, height: n.measured?.height ?? 80 });
  for (const e of graph.edges) g.setEdge(e.source, e.target);
  dagre.layout(g);
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const p = g.node(n.id);
      const w = n.measured?.width ?? 200;
      const h = n.measured?.height ?? 80;
      return { ...n, position: { x: Math.round(p.x - w / 2), y: Math.round(p.y - h / 2) } };
    }),
  };
}
