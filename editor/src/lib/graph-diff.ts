/** Compares two versions of a graph: nodes and edges added, removed or changed, with the changed settings. */
import type { Graph, GraphEdge, GraphNode } from '../api/client';

export type Change = 'added' | 'removed' | 'changed' | 'same';

/** One changed setting: its dotted path and the old and new values as JSON text (undefined: absent). */
export interface FieldChange {
  field: string;
  before: string | undefined;
  after: string | undefined;
}

export interface GraphDiff {
  nodes: Record<string, { change: Change; fields: string[]; values: FieldChange[] }>;
  edges: Record<string, Change>;
  /** Union of both graphs, for showing on one canvas (removed items taken from the old one). */
  merged: Graph;
  summary: { added: number; removed: number; changed: number };
}

function flatten(value: unknown, prefix: string, out: Record<string, string>): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else out[prefix] = JSON.stringify(value);
}

function changedFields(a: GraphNode, b: GraphNode): FieldChange[] {
  if (a.type !== b.type) return [{ field: 'type', before: a.type, after: b.type }];
  const fa: Record<string, string> = {};
  const fb: Record<string, string> = {};
  flatten(a.data ?? {}, '', fa);
  flatten(b.data ?? {}, '', fb);
  const keys = new Set([...Object.keys(fa), ...Object.keys(fb)]);
  return [...keys]
    .filter((k) => fa[k] !== fb[k])
    .sort()
    .map((field) => ({ field, before: fa[field], after: fb[field] }));
}

const edgeKey = (e: GraphEdge) => `${e.source}|${e.sourceHandle ?? ''}`;

export function diffGraphs(before: Graph, after: Graph): GraphDiff {
  const nodes: GraphDiff['nodes'] = {};
  const beforeNodes = new Map(before.nodes.map((n) => [n.id, n]));
  const afterNodes = new Map(after.nodes.map((n) => [n.id, n]));
  const summary = { added: 0, removed: 0, changed: 0 };
  for (const n of after.nodes) {
    const old = beforeNodes.get(n.id);
    if (!old) {
      nodes[n.id] = { change: 'added', fields: [], values: [] };
      summary.added++;
    } else {
      const values = changedFields(old, n);
      const fields = values.map((v) => v.field);
      nodes[n.id] = { change: fields.length ? 'changed' : 'same', fields, values };
      if (fields.length) summary.changed++;
    }
  }
  for (const n of before.nodes) {
    if (!afterNodes.has(n.id)) {
      nodes[n.id] = { change: 'removed', fields: [], values: [] };
      summary.removed++;
    }
  }
  // Edges are compared by the branch they leave (source + handle) and where it points.
  const edges: GraphDiff['edges'] = {};
  const beforeEdges = new Map(before.edges.map((e) => [edgeKey(e), e]));
  const afterEdges = new Map(after.edges.map((e) => [edgeKey(e), e]));
  const mergedEdges: GraphEdge[] = [];
  for (const e of after.edges) {
    const old = beforeEdges.get(edgeKey(e));
    const change: Change = !old ? 'added' : old.target !== e.target ? 'changed' : 'same';
    edges[e.id] = change;
    if (change !== 'same') summary[change === 'added' ? 'added' : 'changed']++;
    mergedEdges.push(e);
  }
  for (const e of before.edges) {
    if (!afterEdges.has(edgeKey(e))) {
      const id = afterNodes.has(e.id) || edges[e.id] ? `removed:${e.id}` : e.id;
      edges[id] = 'removed';
      summary.removed++;
      mergedEdges.push({ ...e, id });
    }
  }
  const merged: Graph = {
    nodes: [...after.nodes, ...before.nodes.filter((n) => !afterNodes.has(n.id))],
    edges: mergedEdges,
  };
  return { nodes, edges, merged, summary };
}
