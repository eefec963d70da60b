/**
 * What a change request changes in the rule graph: nodes added, removed or changed (by id, positions ignored) and
 * edges added or removed, against the version live in the environment.
 */

interface GraphLike {
  nodes?: Array<{ id: string; type?: string; data?: unknown; position?: unknown }>;
  edges?: Array<{ id?: string; source: string; target: string; sourceHandle?: string | null }>;
}

export interface GraphDiff {
  /** True when the proposed graph equals the live one (positions ignored). */
  same: boolean;
  nodes: {
    added: Array<{ id: string; type: string }>;
    removed: Array<{ id: string; type: string }>;
    changed: Array<{ id: string; type: string; before: unknown; after: unknown }>;
  };
  edges: { added: string[]; removed: string[] };
}

const asGraph = (g: unknown): GraphLike => (g && typeof g === 'object' ? (g as GraphLike) : {});
const edgeKey = (e: { source: string; target: string; sourceHandle?: string | null }) =>
  `${e.source}${e.sourceHandle ? `:${e.sourceHandle}` : ''} -> ${e.target}`;
const stable = (v: unknown): string =>
  JSON.stringify(v, (_k, value) =>
    value && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1)))
      : value,
  ) ?? 'null';

/** @example graphDiff(liveVersion?.graph ?? null, feature.draft) */
export function graphDiff(before: unknown, after: unknown): GraphDiff {
  const a = asGraph(before);
  const b = asGraph(after);
  const nodesA = new Map((a.nodes ?? []).map((n) => [n.id, n]));
  const nodesB = new Map((b.nodes ?? []).map((n) => [n.id, n]));
  const diff: GraphDiff = {
    same: true,
    nodes: { added: [], removed: [], changed: [] },
    edges: { added: [], removed: [] },
  };
  for (const [id, n] of nodesB) {
    const old = nodesA.get(id);
    if (!old) diff.nodes.added.push({ id, type: String(n.type ?? '') });
    else if (stable(old.data ?? null) !== stable(n.data ?? null) || old.type !== n.type)
      diff.nodes.changed.push({ id, type: String(n.type ?? ''), before: old.data ?? null, after: n.data ?? null });
  }
  for (const [id, n] of nodesA) if (!nodesB.has(id)) diff.nodes.removed.push({ id, type: String(n.type ?? '') });
  const edgesA = new Set((a.edges ?? []).map(edgeKey));
  const edgesB = new Set((b.edges ?? []).map(edgeKey));
  for (const e of edgesB) if (!edgesA.has(e)) diff.edges.added.push(e);
  for (const e of edgesA) if (!edgesB.has(e)) diff.edges.removed.push(e);
  diff.same =
    diff.nodes.added.length + diff.nodes.removed.length + diff.nodes.changed.length === 0 &&
    diff.edges.added.length + diff.edges.removed.length === 0;
  return diff;
}
