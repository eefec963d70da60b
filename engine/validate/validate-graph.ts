/**
 * validateGraph: checks a feature graph and returns every problem at once, each with a stable code and the node,
 * edge or field it concerns. Work is bounded: graphs over GRAPH_LIMITS are refused before parsing, and every
 * traversal is iterative (no recursion), so deep or hostile graphs cannot hang it or overflow the stack.
 */
import type { z } from 'zod';
import { BaseNodeSchema, EdgeSchema, GRAPH_LIMITS } from '../graph/graph-schema';
import { isNodeKind, type NodeKind } from '../nodes/kinds';
import type { CatalogueCollection } from '../nodes/node-definition';
import { nodeDefinition } from '../nodes/registry';
import type { Problem } from './problem';

export interface ValidateOptions {
  /** `draft`: unconnected branches are warnings. `publish` (default): they are errors. */
  mode?: 'draft' | 'publish';
  /** When given, nodes may only name these catalogue entries (a collection left out is not checked). */
  catalogue?: { productIds?: Iterable<string>; entitlementIds?: Iterable<string> };
}

/** A node that passed its schema: kind and parsed data. */
export interface CheckedNode {
  id: string;
  kind: NodeKind;
  data: unknown;
  branches: readonly string[];
}

/** The normalized graph the compiler works from (only present when the structure could be read). */
export interface CheckedGraph {
  startId: string | null;
  nodes: Map<string, CheckedNode>;
  /** node id -> branch -> target node id (first edge per branch). */
  next: Map<string, Map<string, string>>;
}

export interface ValidationResult {
  ok: boolean;
  problems: Problem[];
  graph: CheckedGraph | null;
}

function fieldOf(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

function zodProblems(error: z.ZodError, prefix: string, at: Pick<Problem, 'nodeId' | 'edgeId'>): Problem[] {
  return error.issues.map((issue) => {
    const field = fieldOf([prefix, ...issue.path].filter((p) => p !== ''));
    return {
      code: 'CF_NODE_DATA_INVALID' as const,
      severity: 'error' as const,
      message: `${field}: ${issue.message}`,
      field,
      ...at,
    };
  });
}

/**
 * Validates `input` (untrusted JSON) as a feature graph.
 * Codes: CF_GRAPH_INVALID, CF_GRAPH_TOO_LARGE, CF_GRAPH_NO_START, CF_GRAPH_MULTIPLE_STARTS, CF_GRAPH_CYCLE,
 * CF_GRAPH_TOO_MANY_PATHS, CF_NODE_DUPLICATE_ID, CF_NODE_UNKNOWN_TYPE, CF_NODE_DATA_INVALID, CF_NODE_UNREACHABLE,
 * CF_BRANCH_UNCONNECTED, CF_BRANCH_MULTIPLE_EDGES, CF_EDGE_DUPLICATE_ID, CF_EDGE_MISSING_SOURCE,
 * CF_EDGE_MISSING_TARGET, CF_EDGE_UNKNOWN_HANDLE, CF_EDGE_INTO_START, CF_OUTCOME_HAS_OUTGOING, CF_PRODUCT_UNKNOWN.
 * @example validateGraph(graph, { mode: 'draft' }).problems
 */
export function validateGraph(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const mode = options.mode ?? 'publish';
  const problems: Problem[] = [];
  const fail = (p: Problem): ValidationResult => ({ ok: false, problems: [p], graph: null });

  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return fail({ code: 'CF_GRAPH_INVALID', severity: 'error', message: 'the graph must be an object', field: '' });
  }
  const raw = input as { nodes?: unknown; edges?: unknown };
  if (!Array.isArray(raw.nodes))
    return fail({ code: 'CF_GRAPH_INVALID', severity: 'error', message: 'nodes must be an array', field: 'nodes' });
  if (!Array.isArray(raw.edges))
    return fail({ code: 'CF_GRAPH_INVALID', severity: 'error', message: 'edges must be an array', field: 'edges' });
  if (raw.nodes.length > GRAPH_LIMITS.maxNodes)
    return fail({
      code: 'CF_GRAPH_TOO_LARGE',
      severity: 'error',
      message: `the graph has ${raw.nodes.length} nodes; the limit is ${GRAPH_LIMITS.maxNodes}`,
      field: 'nodes',
    });
  if (raw.edges.length > GRAPH_LIMITS.maxEdges)
    return fail({
      code: 'CF_GRAPH_TOO_LARGE',
      severity: 'error',
      message: `the graph has ${raw.edges.length} edges; the limit is ${GRAPH_LIMITS.maxEdges}`,
      field: 'edges',
    });

  // ---- nodes: shape, duplicate ids, type, data ----
  const nodes = new Map<string, CheckedNode>();
  const known = new Set<string>(); // every node id seen, even with invalid data
  const starts: string[] = [];
  raw.nodes.forEach((rawNode, index) => {
    const shape = BaseNodeSchema.safeParse(rawNode);
    if (!shape.success) {
      const nodeId = typeof (rawNode as { id?: unknown })?.id === 'string' ? (rawNode as { id: string }).id : undefined;
      for (const issue of shape.error.issues) {
        const field = fieldOf(['nodes', index, ...issue.path]);
        problems.push({
          code: 'CF_GRAPH_INVALID',
          severity: 'error',
          message: `${field}: ${issue.message}`,
          field,
          nodeId,
        });
      }
      return;
    }
    const node = shape.data;
    if (known.has(node.id)) {
      problems.push({
        code: 'CF_NODE_DUPLICATE_ID',
        severity: 'error',
        message: `two nodes have the id "${node.id}"`,
        nodeId: node.id,
        field: `nodes.${index}.id`,
      });
      return;
    }
    known.add(node.id);
    if (!isNodeKind(node.type)) {
      problems.push({
        code: 'CF_NODE_UNKNOWN_TYPE',
        severity: 'error',
        message: `node "${node.id}" has the unknown type "${node.type}"`,
        nodeId: node.id,
        field: 'type',
      });
      return;
    }
    const def = nodeDefinition(node.type);
    if (def.entry) starts.push(node.id);
    const data = def.dataSchema.safeParse(node.data);
    if (!data.success) {
      problems.push(...zodProblems(data.error, 'data', { nodeId: node.id }));
      return;
    }
    nodes.set(node.id, { id: node.id, kind: node.type, data: data.data, branches: def.branches(data.data) });
  });

  if (starts.length === 0) {
    problems.push({ code: 'CF_GRAPH_NO_START', severity: 'error', message: 'the graph has no start node' });
  } else if (starts.length > 1) {
    for (const id of starts.slice(1)) {
      problems.push({
        code: 'CF_GRAPH_MULTIPLE_STARTS',
        severity: 'error',
        message: `the graph has ${starts.length} start nodes; keep one (extra: "${id}")`,
        nodeId: id,
      });
    }
  }
  const startId = starts.length >= 1 ? starts[0] : null;

  // ---- edges ----
  const next = new Map<string, Map<string, string>>();
  const adjacency = new Map<string, string[]>(); // every edge between known nodes, for cycles and reachability
  const edgeIds = new Set<string>();
  const branchEdge = new Map<string, string>(); // "node\u0000branch" -> first edge id
  raw.edges.forEach((rawEdge, index) => {
    const parsed = EdgeSchema.safeParse(rawEdge);
    if (!parsed.success) {
      const edgeId = typeof (rawEdge as { id?: unknown })?.id === 'string' ? (rawEdge as { id: string }).id : undefined;
      for (const issue of parsed.error.issues) {
        const field = fieldOf(['edges', index, ...issue.path]);
        problems.push({
          code: 'CF_GRAPH_INVALID',
          severity: 'error',
          message: `${field}: ${issue.message}`,
          field,
          edgeId,
        });
      }
      return;
    }
    const edge = parsed.data;
    if (edgeIds.has(edge.id)) {
      problems.push({
        code: 'CF_EDGE_DUPLICATE_ID',
        severity: 'error',
        message: `two edges have the id "${edge.id}"`,
        edgeId: edge.id,
        field: `edges.${index}.id`,
      });
      return;
    }
    edgeIds.add(edge.id);
    let endpointsOk = true;
    if (!known.has(edge.source)) {
      endpointsOk = false;
      problems.push({
        code: 'CF_EDGE_MISSING_SOURCE',
        severity: 'error',
        message: `edge "${edge.id}" leaves "${edge.source}", which is not a node of this graph`,
        edgeId: edge.id,
        field: 'source',
      });
    }
    if (!known.has(edge.target)) {
      endpointsOk = false;
      problems.push({
        code: 'CF_EDGE_MISSING_TARGET',
        severity: 'error',
        message: `edge "${edge.id}" points to "${edge.target}", which is not a node of this graph`,
        edgeId: edge.id,
        field: 'target',
      });
    }
    if (!endpointsOk) return;
    if (edge.target === startId || starts.includes(edge.target)) {
      problems.push({
        code: 'CF_EDGE_INTO_START',
        severity: 'error',
        message: `edge "${edge.id}" points into the start node; nothing may lead back to start`,
        edgeId: edge.id,
        nodeId: edge.target,
      });
      return;
    }
    let list = adjacency.get(edge.source);
    if (!list) adjacency.set(edge.source, (list = []));
    list.push(edge.target);

    const source = nodes.get(edge.source);
    if (!source) return; // its data is invalid: its branches are unknown, already reported
    const def = nodeDefinition(source.kind);
    if (def.terminal) {
      problems.push({
        code: 'CF_OUTCOME_HAS_OUTGOING',
        severity: 'error',
        message: `outcome "${edge.source}" has an outgoing edge "${edge.id}"; outcomes end the decision`,
        nodeId: edge.source,
        edgeId: edge.id,
      });
      return;
    }
    const handle =
      def.unnamedBranch !== undefined && (edge.sourceHandle == null || edge.sourceHandle === '')
        ? def.unnamedBranch
        : edge.sourceHandle;
    if (handle == null || !source.branches.includes(handle)) {
      problems.push({
        code: 'CF_EDGE_UNKNOWN_HANDLE',
        severity: 'error',
        message:
          handle == null
            ? `edge "${edge.id}" leaves "${edge.source}" without naming a branch (one of ${source.branches.join(', ')})`
            : `edge "${edge.id}" leaves "${edge.source}" by "${handle}", which is not one of its branches (${source.branches.join(', ')})`,
        nodeId: edge.source,
        edgeId: edge.id,
        field: 'sourceHandle',
      });
      return;
    }
    const key = `${edge.source}\u0000${handle}`;
    const first = branchEdge.get(key);
    if (first !== undefined) {
      problems.push({
        code: 'CF_BRANCH_MULTIPLE_EDGES',
        severity: 'error',
        message: `branch "${handle}" of "${edge.source}" has two edges ("${first}" and "${edge.id}"); keep one`,
        nodeId: edge.source,
        edgeId: edge.id,
      });
      return;
    }
    branchEdge.set(key, edge.id);
    let out = next.get(edge.source);
    if (!out) next.set(edge.source, (out = new Map()));
    out.set(handle, edge.target);
  });

  // ---- cycles (Kahn's algorithm, iterative) ----
  const acyclic = checkCycles(known, adjacency, problems);

  // ---- reachability ----
  const reachable = new Set<string>();
  if (startId !== null) {
    const queue = [startId];
    reachable.add(startId);
    for (let i = 0; i < queue.length; i++) {
      for (const target of adjacency.get(queue[i]) ?? []) {
        if (!reachable.has(target)) {
          reachable.add(target);
          queue.push(target);
        }
      }
    }
    for (const id of known) {
      if (!reachable.has(id)) {
        problems.push({
          code: 'CF_NODE_UNREACHABLE',
          severity: 'error',
          message: `node "${id}" cannot be reached from start`,
          nodeId: id,
        });
      }
    }
  }

  // ---- unconnected branches, catalogue ----
  const catalogue = catalogueSets(options.catalogue);
  for (const node of nodes.values()) {
    const def = nodeDefinition(node.kind);
    const out = next.get(node.id);
    for (const branch of node.branches) {
      if (!out?.has(branch)) {
        problems.push({
          code: 'CF_BRANCH_UNCONNECTED',
          severity: mode === 'draft' ? 'warning' : 'error',
          message: def.entry
            ? 'the start node has no outgoing edge'
            : `branch "${branch}" of "${node.id}" has no edge; connect it to a node`,
          nodeId: node.id,
          field: `branch.${branch}`,
        });
      }
    }
    for (const ref of def.catalogueReferences?.(node.data) ?? []) {
      const known = catalogue[ref.collection];
      if (known && !known.has(ref.id)) {
        const { code, noun } = UNKNOWN_REFERENCE[ref.collection];
        problems.push({
          code,
          severity: 'error',
          message: `${noun} "${ref.id}" in "${node.id}" is not in the catalogue`,
          nodeId: node.id,
          field: fieldOf(['data', ...ref.path]),
        });
      }
    }
  }

  // ---- path count bound (only meaningful without cycles) ----
  if (acyclic && startId !== null && nodes.has(startId)) {
    const paths = countPaths(startId, next, nodes);
    if (paths > GRAPH_LIMITS.maxPaths) {
      problems.push({
        code: 'CF_GRAPH_TOO_MANY_PATHS',
        severity: 'error',
        message: `the graph has more than ${GRAPH_LIMITS.maxPaths} start-to-outcome paths; merge branches or split the feature`,
        nodeId: startId,
      });
    }
  }

  const ok = !problems.some((p) => p.severity === 'error');
  return { ok, problems, graph: { startId, nodes, next } };
}

const UNKNOWN_REFERENCE = {
  products: { code: 'CF_PRODUCT_UNKNOWN', noun: 'product' },
  entitlements: { code: 'CF_ENTITLEMENT_UNKNOWN', noun: 'entitlement' },
} as const satisfies Record<CatalogueCollection, { code: Problem['code']; noun: string }>;

function catalogueSets(catalogue: ValidateOptions['catalogue']): Partial<Record<CatalogueCollection, Set<string>>> {
  const out: Partial<Record<CatalogueCollection, Set<string>>> = {};
  if (catalogue?.productIds) out.products = new Set(catalogue.productIds);
  if (catalogue?.entitlementIds) out.entitlements = new Set(catalogue.entitlementIds);
  return out;
}

/** Reports one CF_GRAPH_CYCLE per strongly connected knot, naming a node on it. Returns true when acyclic. */
function checkCycles(known: Set<string>, adjacency: Map<string, string[]>, problems: Problem[]): boolean {
  const indegree = new Map<string, number>();
  for (const id of known) indegree.set(id, 0);
  for (const targets of adjacency.values()) for (const t of targets) indegree.set(t, (indegree.get(t) ?? 0) + 1);
  const queue: string[] = [];
  for (const [id, d] of indegree) if (d === 0) queue.push(id);
  let removed = 0;
  for (let i = 0; i < queue.length; i++) {
    removed++;
    for (const t of adjacency.get(queue[i]) ?? []) {
      const d = (indegree.get(t) ?? 0) - 1;
      indegree.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  if (removed === known.size) return true;
  // Nodes left have indegree > 0; walk successors among them until a node repeats: that is a cycle.
  const left = new Set<string>();
  for (const [id, d] of indegree) if (d > 0) left.add(id);
  const reported = new Set<string>();
  for (const startNode of left) {
    if (reported.has(startNode)) continue;
    const order = new Map<string, number>();
    const walk: string[] = [];
    let cur: string | undefined = startNode;
    while (cur !== undefined && !order.has(cur) && !reported.has(cur)) {
      order.set(cur, walk.length);
      walk.push(cur);
      cur = (adjacency.get(cur) ?? []).find((t) => left.has(t));
    }
    if (cur !== undefined && order.has(cur)) {
      const cycle = walk.slice(order.get(cur));
      for (const id of cycle) reported.add(id);
      const shown = cycle.length > 8 ? [...cycle.slice(0, 8), '...'] : cycle;
      problems.push({
        code: 'CF_GRAPH_CYCLE',
        severity: 'error',
        message: `the graph has a cycle: ${[...shown, cycle[0]].map((id) => `"${id}"`).join(' -> ')}`,
        nodeId: cycle[0],
      });
    }
    for (const id of walk) reported.add(id);
  }
  return false;
}

/** Number of start-to-end paths following connected branches, capped just above the limit. */
function countPaths(startId: string, next: Map<string, Map<string, string>>, nodes: Map<string, CheckedNode>): number {
  const cap = GRAPH_LIMITS.maxPaths + 1;
  const memo = new Map<string, number>();
  // Iterative post-order DFS.
  const stack: Array<{ id: string; expanded: boolean }> = [{ id: startId, expanded: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (memo.has(top.id)) {
      stack.pop();
      continue;
    }
    const targets = nodes.has(top.id) ? [...(next.get(top.id)?.values() ?? [])] : [];
    if (!top.expanded) {
      top.expanded = true;
      for (const t of targets) if (!memo.has(t)) stack.push({ id: t, expanded: false });
      continue;
    }
    stack.pop();
    let total = 0;
    const node = nodes.get(top.id);
    const branchCount = node ? node.branches.length : 0;
    for (const t of targets) total = Math.min(cap, total + (memo.get(t) ?? 0));
    // a dead end (unconnected branch or terminal) counts as one path end
    if (targets.length < Math.max(1, branchCount)) total = Math.min(cap, total + 1);
    memo.set(top.id, total);
  }
  return memo.get(startId) ?? 0;
}
