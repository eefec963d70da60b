/**
 * Editing the canvas graph: React Flow's node and edge changes (the start node cannot be deleted), connections
 * checked as they are drawn, nodes added in free space (by drop or keyboard), settings changes and selection with zoom.
 */
import { applyEdgeChanges, applyNodeChanges, type EdgeChange, type NodeChange, useReactFlow } from '@xyflow/react';
import { useCallback } from 'react';
import { isNodeKind, NODE_REGISTRY, type NodeKind } from '../../../engine';
import type { Graph } from '../api/client';
import { DRAG_TYPE } from '../components/Palette';
import { connectionProblem } from '../lib/connection-rules';
import { freePosition } from '../lib/free-space';
import { nextNodeId } from '../lib/node-ids';
import { EDITOR_NODES } from '../nodes/registry';
import { isEntryKind } from '../nodes/roles';
import type { FlowNode as FNode, useGraphHistory } from '../store/graph-history';

export function useGraphEditing(args: {
  history: ReturnType<typeof useGraphHistory>;
  /** the canvas graph in stored form */
  stored: Graph;
  readOnly: boolean;
  canvasElement(): HTMLElement | null;
  onRefused(text: string): void;
  /** a node was added or selected: show its settings */
  onFocusNode(): void;
}) {
  const { history, stored, readOnly, canvasElement } = args;
  const { graph } = history;
  const flow = useReactFlow();
  const { onRefused, onFocusNode } = args;

  const onNodesChange = useCallback(
    (changes: NodeChange<FNode>[]) => {
      if (readOnly) return;
      const structural = changes.some((c) => c.type === 'remove' || c.type === 'add');
      const dragEnd = changes.some((c) => c.type === 'position' && c.dragging === false);
      const meaningful = changes.filter(
        (c) => !(c.type === 'remove' && isEntryKind(graph.nodes.find((n) => n.id === c.id)?.type)),
      );
      const nodes = applyNodeChanges(meaningful, graph.nodes);
      const removed = new Set(meaningful.filter((c) => c.type === 'remove').map((c) => (c as { id: string }).id));
      const edges = removed.size
        ? graph.edges.filter((e) => !removed.has(e.source) && !removed.has(e.target))
        : graph.edges;
      history.set({ nodes, edges }, structural || dragEnd);
    },
    [graph, history, readOnly],
  );

  const onEdgesChange = useCallback(
    (changes: EdgeChange[]) => {
      if (readOnly) return;
      const structural = changes.some((c) => c.type === 'remove');
      history.set({ nodes: graph.nodes, edges: applyEdgeChanges(changes, graph.edges) }, structural);
    },
    [graph, history, readOnly],
  );

  const isValidConnection = useCallback(
    (c: { source: string | null; target: string | null; sourceHandle?: string | null }) =>
      !readOnly && connectionProblem(stored, c) === null,
    [stored, readOnly],
  );

  const onConnect = useCallback(
    (c: { source: string | null; target: string | null; sourceHandle?: string | null }) => {
      const problem = connectionProblem(stored, c);
      if (problem) return onRefused(`Not connected: ${problem}.`);
      const handle = c.sourceHandle ?? null;
      const id = `e-${c.source}-${handle ?? 'out'}`;
      history.set({
        nodes: graph.nodes,
        edges: [...graph.edges, { id, source: c.source as string, target: c.target as string, sourceHandle: handle }],
      });
    },
    [stored, graph, history, onRefused],
  );

  /** Adds a node of `kind` near `wanted` (flow coordinates), in free space, selected. */
  const addNode = useCallback(
    (kind: NodeKind, wanted: { x: number; y: number }) => {
      const id = nextNodeId(kind, graph.nodes);
      const node: FNode = {
        id,
        type: kind,
        position: freePosition({ x: Math.round(wanted.x), y: Math.round(wanted.y) }, graph.nodes),
        data: (EDITOR_NODES[kind].defaultData?.() ?? NODE_REGISTRY[kind].defaultData()) as Record<string, unknown>,
        selected: true,
      };
      history.set({ nodes: [...graph.nodes.map((n) => ({ ...n, selected: false })), node], edges: graph.edges });
      onFocusNode();
    },
    [graph, history, onFocusNode],
  );

  const onDrop = useCallback(
    (e: React.DragEvent) => {
      e.preventDefault();
      const kind = e.dataTransfer.getData(DRAG_TYPE);
      if (readOnly || !isNodeKind(kind)) return;
      addNode(kind, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [flow, readOnly, addNode],
  );

  const addAtCentre = useCallback(
    (kind: NodeKind) => {
      if (readOnly) return;
      const el = canvasElement()?.getBoundingClientRect();
      const centre = el ? { x: el.left + el.width / 2, y: el.top + el.height / 2 } : { x: 400, y: 300 };
      const p = flow.screenToFlowPosition(centre);
      addNode(kind, { x: p.x - 100, y: p.y - 40 });
    },
    [flow, readOnly, addNode, canvasElement],
  );

  const updateData = useCallback(
    (id: string, data: Record<string, unknown>) =>
      history.set({ ...graph, nodes: graph.nodes.map((n) => (n.id === id ? { ...n, data } : n)) }),
    [graph, history],
  );

  /** Selects a node (or an edge's source), zooms to it and shows its settings. */
  const selectNode = useCallback(
    (nodeId?: string, edgeId?: string) => {
      const target = nodeId ?? graph.edges.find((e) => e.id === edgeId)?.source;
      if (!target) return;
      history.set({ ...graph, nodes: graph.nodes.map((n) => ({ ...n, selected: n.id === target })) }, false);
      const n = graph.nodes.find((x) => x.id === target);
      if (n) {
        const w = n.measured?.width ?? 200;
        const h = n.measured?.height ?? 80;
        flow.setCenter(n.position.x + w / 2, n.position.y + h / 2, {
          zoom: Math.max(flow.getZoom(), 1),
          duration: 200,
        });
      }
      onFocusNode();
    },
    [graph, history, flow, onFocusNode],
  );

  return {
    onNodesChange,
    onEdgesChange,
    isValidConnection,
    onConnect,
    addNode,
    onDrop,
    addAtCentre,
    updateData,
    selectNode,
  };
}
