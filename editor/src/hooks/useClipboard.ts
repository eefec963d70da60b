/** Copy and paste of the selected nodes (and the edges between them), with fresh ids, offset from the originals. */
import { useCallback, useRef } from 'react';
import { nextNodeId } from '../lib/node-ids';
import { isEntryKind } from '../nodes/roles';
import type { FlowGraph } from '../store/graph-history';

export function useClipboard(graph: FlowGraph, set: (g: FlowGraph) => void) {
  const clipboard = useRef<FlowGraph | null>(null);
  const copy = useCallback(() => {
    const nodes = graph.nodes.filter((n) => n.selected && !isEntryKind(n.type));
    const ids = new Set(nodes.map((n) => n.id));
    clipboard.current = { nodes, edges: graph.edges.filter((x) => ids.has(x.source) && ids.has(x.target)) };
  }, [graph]);
  const paste = useCallback(() => {
    if (!clipboard.current) return;
    const map = new Map<string, string>();
    const all = [...graph.nodes];
    const pasted = clipboard.current.nodes.map((n) => {
      const id = nextNodeId(String(n.type), all);
      map.set(n.id, id);
      const copy = { ...n, id, selected: true, position: { x: n.position.x + 40, y: n.position.y + 40 } };
      all.push(copy);
      return copy;
    });
    const edges = clipboard.current.edges.map((x) => ({
      ...x,
      id: `e-${map.get(x.source)}-${x.sourceHandle ?? 'out'}`,
      source: map.get(x.source) as string,
      target: map.get(x.target) as string,
    }));
    set({
      nodes: [...graph.nodes.map((n) => ({ ...n, selected: false })), ...pasted],
      edges: [...graph.edges, ...edges],
    });
  }, [graph, set]);
  return { copy, paste };
}
