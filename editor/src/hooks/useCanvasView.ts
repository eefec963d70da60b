/**
 * What the canvas shows: the draft, a version or a comparison, with the tested path, problems, diff and search
 * matches written to the canvas view store (keyed by node id), never into node data.
 */
import type { Edge, NodeChange } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useState } from 'react';
import type { NodeKind } from '../../../engine';
import type { Graph, Problem } from '../api/client';
import type { GraphDiff } from '../lib/graph-diff';
import { EDITOR_NODES } from '../nodes/registry';
import { isEntryKind, isTerminalKind } from '../nodes/roles';
import type { CanvasViewStore, NodeView } from '../store/canvas-view';
import { type FlowGraph, type FlowNode, toFlow } from '../store/graph-history';

export type CanvasMode =
  | { kind: 'edit' }
  | { kind: 'version'; version: number; graph: Graph }
  | { kind: 'compare'; label: string; diff: GraphDiff };

export interface Highlight {
  path: string[];
  /** the evaluator's per-node trace of a test */
  trace?: Record<string, { value: unknown; branch: string | null }>;
  /** the path of a failing replay case */
  failing?: boolean;
}

/** The label an edge shows: the branch's human label (a bucket's name) or the branch id. */
export function branchLabel(source: FlowNode | undefined, handle: string | null | undefined): string | undefined {
  if (!handle) return undefined;
  const spec = source ? EDITOR_NODES[source.type as NodeKind] : undefined;
  return spec?.branchLabel?.(source?.data ?? {}, handle) ?? handle;
}

export function useCanvasView(args: {
  store: CanvasViewStore;
  graph: FlowGraph;
  mode: CanvasMode;
  highlight: Highlight | null;
  problems: Problem[];
  matches: ReadonlySet<string>;
  /** The signed-in role may edit drafts (viewers see the canvas read-only). */
  canEdit: boolean;
}) {
  const { store, graph, mode, highlight, problems, matches, canEdit } = args;
  const readOnly = mode.kind !== 'edit' || !canEdit;
  const source = useMemo(
    () => (mode.kind === 'edit' ? graph : mode.kind === 'version' ? toFlow(mode.graph) : toFlow(mode.diff.merged)),
    [graph, mode],
  );

  const view = useMemo(() => {
    const path = new Set(highlight?.path ?? []);
    const nodeProblem = new Map<string, 'error' | 'warning'>();
    if (mode.kind === 'edit')
      for (const p of problems)
        if (p.nodeId && nodeProblem.get(p.nodeId) !== 'error') nodeProblem.set(p.nodeId, p.severity);
    const nodes: Record<string, NodeView> = {};
    for (const n of source.nodes) {
      const v: NodeView = {};
      if (path.has(n.id)) {
        v.onPath = true;
        if (highlight?.failing) v.failing = true;
      }
      const problem = nodeProblem.get(n.id);
      if (problem) v.problem = problem;
      if (matches.has(n.id)) v.match = true;
      const t = highlight?.trace?.[n.id];
      if (t && !isEntryKind(n.type) && !isTerminalKind(n.type))
        v.seen = `saw ${t.value === undefined ? 'nothing' : JSON.stringify(t.value)} → ${t.branch ?? 'no branch'}`;
      if (mode.kind === 'compare') {
        v.change = mode.diff.nodes[n.id]?.change;
        v.changedFields = mode.diff.nodes[n.id]?.fields;
      }
      nodes[n.id] = v;
    }
    return { nodes };
  }, [source, mode, highlight, problems, matches]);

  useEffect(() => store.set(view), [store, view]);

  // A read-only canvas (a version, a comparison, a viewer) takes no edits, but React Flow still measures its nodes:
  // the sizes are kept here, or the minimap stays empty and Fit finds nothing to fit.
  const [sizes, setSizes] = useState<Record<string, { width: number; height: number }>>({});
  const measure = useCallback((changes: NodeChange<FlowNode>[]) => {
    const measured = changes.flatMap((c) => (c.type === 'dimensions' && c.dimensions ? [[c.id, c.dimensions]] : []));
    if (measured.length) setSizes((prev) => ({ ...prev, ...Object.fromEntries(measured) }));
  }, []);

  const nodes = useMemo(
    () =>
      source.nodes.map((n) => ({
        ...n,
        ...(readOnly && sizes[n.id] ? { measured: sizes[n.id] } : {}),
        deletable: !isEntryKind(n.type) && !readOnly,
        draggable: !readOnly,
      })),
    [source, readOnly, sizes],
  );

  const edges = useMemo(() => {
    const p = highlight?.path ?? [];
    const pathEdges = new Set<string>();
    for (let i = 0; i + 1 < p.length; i++) {
      const e = source.edges.find((x) => x.source === p[i] && x.target === p[i + 1]);
      if (e) pathEdges.add(e.id);
    }
    const edgeProblem = new Set<string>();
    if (mode.kind === 'edit')
      for (const pr of problems) if (pr.edgeId && pr.severity === 'error') edgeProblem.add(pr.edgeId);
    const byId = new Map(source.nodes.map((n) => [n.id, n]));
    return source.edges.map((e): Edge => {
      const change = mode.kind === 'compare' ? mode.diff.edges[e.id] : undefined;
      const className = [
        pathEdges.has(e.id) ? (highlight?.failing ? 'on-path failing' : 'on-path') : '',
        edgeProblem.has(e.id) ? 'has-error' : '',
        change && change !== 'same' ? `diff-${change}` : '',
      ]
        .filter(Boolean)
        .join(' ');
      return {
        ...e,
        className,
        animated: pathEdges.has(e.id),
        label: branchLabel(byId.get(e.source), e.sourceHandle),
        deletable: !readOnly,
      };
    });
  }, [source, mode, highlight, problems, readOnly]);

  return { nodes, edges, readOnly, measure };
}
