/**
 * validateGraph: checks a feature graph and returns every problem at once, each with a stable code and the node,
 * edge or field it concerns. Three layers: reading the graph (read-graph.ts), the rules each edge must pass
 * (edge-rules.ts, shared with the editor) and the rules over the whole graph below, which use the graph algorithms
 * (graph-algorithms.ts). Work is bounded: graphs over GRAPH_LIMITS are refused before parsing, and every traversal is
 * iterative, so deep or hostile graphs cannot hang it or overflow the stack.
 */
import { type Problem, problem } from '../errors/problem';
import { GRAPH_LIMITS } from '../graph/graph-schema';
import type { CatalogueCollection } from '../nodes/node-definition';
import { nodeDefinition } from '../nodes/registry';
import { branchOf, branchTaken, type CandidateEdge, intoEntry, outOfTerminal, unknownBranch } from './edge-rules';
import { countPaths, findCycles, reachableFrom } from './graph-algorithms';
import { type CheckedNode, type ReadGraph, readGraph } from './read-graph';

export type { CheckedNode } from './read-graph';

export interface ValidateOptions {
  /** `draft`: unconnected branches are warnings. `publish` (default): they are errors. */
  mode?: 'draft' | 'publish';
  /** When given, nodes may only name these catalogue entries (a collection left out is not checked). */
  catalogue?: { productIds?: Iterable<string>; entitlementIds?: Iterable<string> };
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

/** The edges of a read graph that pass the edge rules, as adjacency (every edge) and branch targets (valid ones). */
interface Wiring {
  adjacency: Map<string, string[]>;
  next: Map<string, Map<string, string>>;
}

/**
 * Validates `input` (untrusted JSON) as a feature graph.
 * Codes: CF_GRAPH_INVALID, CF_GRAPH_TOO_LARGE, CF_GRAPH_NO_START, CF_GRAPH_MULTIPLE_STARTS, CF_GRAPH_CYCLE,
 * CF_GRAPH_TOO_MANY_PATHS, CF_NODE_DUPLICATE_ID, CF_NODE_UNKNOWN_TYPE, CF_NODE_DATA_INVALID, CF_NODE_UNREACHABLE,
 * CF_BRANCH_UNCONNECTED, CF_BRANCH_MULTIPLE_EDGES, CF_EDGE_DUPLICATE_ID, CF_EDGE_MISSING_SOURCE,
 * CF_EDGE_MISSING_TARGET, CF_EDGE_UNKNOWN_HANDLE, CF_EDGE_INTO_START, CF_OUTCOME_HAS_OUTGOING, CF_PRODUCT_UNKNOWN,
 * CF_ENTITLEMENT_UNKNOWN.
 * @example validateGraph(graph, { mode: 'draft' }).problems
 */
export function validateGraph(input: unknown, options: ValidateOptions = {}): ValidationResult {
  const read = readGraph(input);
  if (!read.graph) return { ok: false, problems: read.problems, graph: null };
  const graph = read.graph;
  const problems = [...read.problems];
  const startId = graph.entries[0] ?? null;
  problems.push(...entryRule(graph));
  const wiring = wire(graph, problems);
  const cycles = cycleRule(graph, wiring);
  problems.push(...cycles);
  if (startId !== null) problems.push(...reachabilityRule(graph, wiring, startId));
  problems.push(...unconnectedRule(graph, wiring, options.mode ?? 'publish'));
  problems.push(...catalogueRule(graph, options.catalogue));
  if (cycles.length === 0 && startId !== null && graph.nodes.has(startId))
    problems.push(...pathCountRule(graph, wiring, startId));
  const ok = !problems.some((p) => p.severity === 'error');
  return { ok, problems, graph: { startId, nodes: graph.nodes, next: wiring.next } };
}

/** CF_GRAPH_NO_START, CF_GRAPH_MULTIPLE_STARTS: exactly one entry node. */
function entryRule(graph: ReadGraph): Problem[] {
  if (graph.entries.length === 0) return [problem('CF_GRAPH_NO_START', 'the graph has no start node')];
  return graph.entries
    .slice(1)
    .map((id) =>
      problem(
        'CF_GRAPH_MULTIPLE_STARTS',
        `the graph has ${graph.entries.length} start nodes; keep one (extra: "${id}")`,
        { nodeId: id },
      ),
    );
}

/** Runs the edge rules on every edge in graph order; the first edge leaving by a branch is the one that counts. */
function wire(graph: ReadGraph, problems: Problem[]): Wiring {
  const adjacency = new Map<string, string[]>(); // every edge between known nodes, for cycles and reachability
  const next = new Map<string, Map<string, string>>();
  const branchEdge = new Map<string, string>(); // "node\u0000branch" -> first edge id
  const kindOf = (id: string) => graph.kinds.get(id) ?? '';
  for (const e of graph.edges) {
    const source = graph.nodes.get(e.source);
    const edge: CandidateEdge = {
      id: e.id,
      source: { id: e.source, kind: kindOf(e.source) },
      target: { id: e.target, kind: kindOf(e.target) },
      sourceHandle: e.sourceHandle,
    };
    const into = intoEntry(edge);
    if (into) {
      problems.push(into);
      continue;
    }
    let list = adjacency.get(e.source);
    if (!list) adjacency.set(e.source, (list = []));
    list.push(e.target);
    if (!source) continue; // its data is invalid: its branches are unknown, already reported
    const branch = branchOf(edge);
    const key = `${e.source}\u0000${branch}`;
    const broken =
      outOfTerminal(edge) ?? unknownBranch(edge, source.branches) ?? branchTaken(edge, branchEdge.get(key));
    if (broken) {
      problems.push(broken);
      continue;
    }
    branchEdge.set(key, e.id);
    let out = next.get(e.source);
    if (!out) next.set(e.source, (out = new Map()));
    out.set(branch as string, e.target);
  }
  return { adjacency, next };
}

/** CF_GRAPH_CYCLE: one problem per strongly connected knot, naming a node on it. */
function cycleRule(graph: ReadGraph, wiring: Wiring): Problem[] {
  return findCycles(graph.known, wiring.adjacency).map((cycle) => {
    const shown = cycle.length > 8 ? [...cycle.slice(0, 8), '...'] : cycle;
    return problem(
      'CF_GRAPH_CYCLE',
      `the graph has a cycle: ${[...shown, cycle[0]].map((id) => `"${id}"`).join(' -> ')}`,
      { nodeId: cycle[0] },
    );
  });
}

/** CF_NODE_UNREACHABLE: every node can be reached from the start. */
function reachabilityRule(graph: ReadGraph, wiring: Wiring, startId: string): Problem[] {
  const reachable = reachableFrom(startId, wiring.adjacency);
  return [...graph.known]
    .filter((id) => !reachable.has(id))
    .map((id) => problem('CF_NODE_UNREACHABLE', `node "${id}" cannot be reached from start`, { nodeId: id }));
}

/** CF_BRANCH_UNCONNECTED: every branch has an edge (a warning in drafts). */
function unconnectedRule(graph: ReadGraph, wiring: Wiring, mode: 'draft' | 'publish'): Problem[] {
  const out: Problem[] = [];
  for (const node of graph.nodes.values()) {
    const def = nodeDefinition(node.kind);
    const edges = wiring.next.get(node.id);
    for (const branch of node.branches) {
      if (edges?.has(branch)) continue;
      out.push(
        problem(
          'CF_BRANCH_UNCONNECTED',
          def.entry
            ? 'the start node has no outgoing edge'
            : `branch "${branch}" of "${node.id}" has no edge; connect it to a node`,
          { nodeId: node.id, field: `branch.${branch}` },
          mode === 'draft' ? 'warning' : 'error',
        ),
      );
    }
  }
  return out;
}

const UNKNOWN_REFERENCE = {
  products: { code: 'CF_PRODUCT_UNKNOWN', noun: 'product' },
  entitlements: { code: 'CF_ENTITLEMENT_UNKNOWN', noun: 'entitlement' },
} as const satisfies Record<CatalogueCollection, { code: Problem['code']; noun: string }>;

/** CF_PRODUCT_UNKNOWN, CF_ENTITLEMENT_UNKNOWN: the catalogue entries a node names exist (when a catalogue is given). */
function catalogueRule(graph: ReadGraph, catalogue: ValidateOptions['catalogue']): Problem[] {
  const known: Partial<Record<CatalogueCollection, Set<string>>> = {};
  if (catalogue?.productIds) known.products = new Set(catalogue.productIds);
  if (catalogue?.entitlementIds) known.entitlements = new Set(catalogue.entitlementIds);
  const out: Problem[] = [];
  for (const node of graph.nodes.values()) {
    for (const ref of nodeDefinition(node.kind).catalogueReferences?.(node.data) ?? []) {
      const ids = known[ref.collection];
      if (!ids || ids.has(ref.id)) continue;
      const { code, noun } = UNKNOWN_REFERENCE[ref.collection];
      out.push(
        problem(code, `${noun} "${ref.id}" in "${node.id}" is not in the catalogue`, {
          nodeId: node.id,
          field: ['data', ...ref.path].join('.'),
        }),
      );
    }
  }
  return out;
}

/** CF_GRAPH_TOO_MANY_PATHS: every path becomes a rule, so their number is bounded (only meaningful without cycles). */
function pathCountRule(graph: ReadGraph, wiring: Wiring, startId: string): Problem[] {
  const cap = GRAPH_LIMITS.maxPaths + 1;
  const paths = countPaths(startId, wiring.next, (id) => graph.nodes.get(id)?.branches.length, cap);
  if (paths <= GRAPH_LIMITS.maxPaths) return [];
  return [
    problem(
      'CF_GRAPH_TOO_MANY_PATHS',
      `the graph has more than ${GRAPH_LIMITS.maxPaths} start-to-outcome paths; merge branches or split the feature`,
      { nodeId: startId },
    ),
  ];
}
