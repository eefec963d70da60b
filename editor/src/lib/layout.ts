/**
 * Auto-layout with ELK's layered algorithm, top to bottom. Every branch is a port fixed where its handle is drawn
 * (left to right in the kind's branch order), so a tree lays out with no crossing edges. ELK is loaded on first use
 * (its own chunk).
 */
import type { ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api';
import { isNodeKind, nodeDefinition } from '../../../engine';
import { branchesOf } from '../nodes/branches';
import type { FlowGraph } from '../store/graph-history';

const W = 220;
const H = 90;
const portOut = (node: string, branch: string | null | undefined) => `${node}::out::${branch ?? ''}`;

/** The ELK graph of a flow graph: one north input port per node, south output ports in branch order. */
export function elkGraph(graph: FlowGraph): ElkNode {
  const children: ElkNode[] = graph.nodes.map((n) => {
    const width = n.measured?.width ?? W;
    const height = n.measured?.height ?? H;
    // A kind whose single branch is unnamed (the start) draws one handle without an id.
    const unnamed = isNodeKind(n.type) && nodeDefinition(n.type).unnamedBranch !== undefined;
    const branches: (string | null)[] = unnamed ? [null] : branchesOf(String(n.type), n.data);
    return {
      id: n.id,
      width,
      height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: [
        { id: `${n.id}::in`, x: width / 2, y: 0, width: 1, height: 1 },
        ...branches.map((b, i) => ({
          id: portOut(n.id, b),
          x: (width * (i + 0.5)) / branches.length,
          y: height,
          width: 1,
          height: 1,
        })),
      ],
    };
  });
  const ports = new Set(children.flatMap((c) => (c.ports ?? []).map((p) => p.id)));
  const edges: ElkExtendedEdge[] = graph.edges
    .filter((e) => ports.has(portOut(e.source, e.sourceHandle)) && ports.has(`${e.target}::in`))
    .map((e) => ({ id: e.id, sources: [portOut(e.source, e.sourceHandle)], targets: [`${e.target}::in`] }));
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': '40',
      'elk.layered.spacing.nodeNodeBetweenLayers': '70',
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
    },
    children,
    edges,
  };
}

/**
 * New positions by node id for `graph` (ELK is loaded on first use). Only positions: the layout runs while the person
 * may go on editing, so the caller places them on the graph as it is when they arrive (`history.place`).
 */
export async function autoLayout(graph: FlowGraph): Promise<Map<string, { x: number; y: number }>> {
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const out = await new ELK().layout(elkGraph(graph));
  return new Map((out.children ?? []).map((c) => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
}
