/**
 * Reading a graph: untrusted JSON -> the nodes (kind and parsed data, by the kind's schema) and the edges between
 * known nodes, with a problem for every part that cannot be read. Structure (branches, cycles, reachability) is left to
 * the rules in validate-graph.ts.
 */
import { type Problem, problem, zodProblems } from '../errors/problem';
import { BaseNodeSchema, EdgeSchema, GRAPH_LIMITS } from '../graph/graph-schema';
import { isNodeKind, type NodeKind } from '../nodes/kinds';
import { nodeDefinition } from '../nodes/registry';

/** A node that passed its schema: kind and parsed data. */
export interface CheckedNode {
  id: string;
  kind: NodeKind;
  data: unknown;
  branches: readonly string[];
}

/** An edge that could be read, between two nodes of the graph. */
export interface ReadEdge {
  id: string;
  index: number;
  source: string;
  target: string;
  sourceHandle?: string | null;
}

export interface ReadGraph {
  /** Every node id seen, even with an unknown kind or invalid data. */
  known: Set<string>;
  /** The kind of every node with a registered kind, even with invalid data. */
  kinds: Map<string, NodeKind>;
  /** Nodes whose data passed their kind's schema. */
  nodes: Map<string, CheckedNode>;
  /** Entry nodes, in graph order. */
  entries: string[];
  /** Edges with a unique id whose two ends are nodes of the graph, in graph order. */
  edges: ReadEdge[];
}

const idOf = (raw: unknown): string | undefined =>
  typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : undefined;

/**
 * Reads `input`; `graph` is null when not even the top-level shape (object, nodes and edges arrays, size limits) holds.
 * Codes: CF_GRAPH_INVALID, CF_GRAPH_TOO_LARGE, CF_NODE_DUPLICATE_ID, CF_NODE_UNKNOWN_TYPE, CF_NODE_DATA_INVALID,
 * CF_EDGE_DUPLICATE_ID, CF_EDGE_MISSING_SOURCE, CF_EDGE_MISSING_TARGET.
 */
export function readGraph(input: unknown): { problems: Problem[]; graph: ReadGraph | null } {
  const fail = (p: Problem) => ({ problems: [p], graph: null });
  if (typeof input !== 'object' || input === null || Array.isArray(input))
    return fail(problem('CF_GRAPH_INVALID', 'the graph must be an object', { field: '' }));
  const { nodes, edges } = input as { nodes?: unknown; edges?: unknown };
  if (!Array.isArray(nodes)) return fail(problem('CF_GRAPH_INVALID', 'nodes must be an array', { field: 'nodes' }));
  if (!Array.isArray(edges)) return fail(problem('CF_GRAPH_INVALID', 'edges must be an array', { field: 'edges' }));
  const sizes = [
    ['nodes', nodes.length, GRAPH_LIMITS.maxNodes],
    ['edges', edges.length, GRAPH_LIMITS.maxEdges],
  ] as const;
  for (const [key, size, limit] of sizes)
    if (size > limit)
      return fail(problem('CF_GRAPH_TOO_LARGE', `the graph has ${size} ${key}; the limit is ${limit}`, { field: key }));
  const problems: Problem[] = [];
  const graph: ReadGraph = { known: new Set(), kinds: new Map(), nodes: new Map(), entries: [], edges: [] };
  nodes.forEach((rawNode, index) => {
    readNode(rawNode, index, graph, problems);
  });
  const edgeIds = new Set<string>();
  edges.forEach((rawEdge, index) => {
    const parsed = EdgeSchema.safeParse(rawEdge);
    if (!parsed.success) {
      problems.push(
        ...zodProblems(parsed.error, 'CF_GRAPH_INVALID', { prefix: ['edges', index], at: { edgeId: idOf(rawEdge) } }),
      );
      return;
    }
    const edge = parsed.data;
    if (edgeIds.has(edge.id)) {
      problems.push(
        problem('CF_EDGE_DUPLICATE_ID', `two edges have the id "${edge.id}"`, {
          edgeId: edge.id,
          field: `edges.${index}.id`,
        }),
      );
      return;
    }
    edgeIds.add(edge.id);
    const missing: Problem[] = [];
    if (!graph.known.has(edge.source))
      missing.push(
        problem(
          'CF_EDGE_MISSING_SOURCE',
          `edge "${edge.id}" leaves "${edge.source}", which is not a node of this graph`,
          { edgeId: edge.id, field: 'source' },
        ),
      );
    if (!graph.known.has(edge.target))
      missing.push(
        problem(
          'CF_EDGE_MISSING_TARGET',
          `edge "${edge.id}" points to "${edge.target}", which is not a node of this graph`,
          { edgeId: edge.id, field: 'target' },
        ),
      );
    if (missing.length > 0) problems.push(...missing);
    else graph.edges.push({ ...edge, index });
  });
  return { problems, graph };
}

function readNode(rawNode: unknown, index: number, graph: ReadGraph, problems: Problem[]): void {
  const shape = BaseNodeSchema.safeParse(rawNode);
  if (!shape.success) {
    problems.push(
      ...zodProblems(shape.error, 'CF_GRAPH_INVALID', { prefix: ['nodes', index], at: { nodeId: idOf(rawNode) } }),
    );
    return;
  }
  const node = shape.data;
  if (graph.known.has(node.id)) {
    problems.push(
      problem('CF_NODE_DUPLICATE_ID', `two nodes have the id "${node.id}"`, {
        nodeId: node.id,
        field: `nodes.${index}.id`,
      }),
    );
    return;
  }
  graph.known.add(node.id);
  if (!isNodeKind(node.type)) {
    problems.push(
      problem('CF_NODE_UNKNOWN_TYPE', `node "${node.id}" has the unknown type "${node.type}"`, {
        nodeId: node.id,
        field: 'type',
      }),
    );
    return;
  }
  graph.kinds.set(node.id, node.type);
  const def = nodeDefinition(node.type);
  if (def.entry) graph.entries.push(node.id);
  const data = def.dataSchema.safeParse(node.data);
  if (!data.success) {
    problems.push(...zodProblems(data.error, 'CF_NODE_DATA_INVALID', { prefix: ['data'], at: { nodeId: node.id } }));
    return;
  }
  graph.nodes.set(node.id, { id: node.id, kind: node.type, data: data.data, branches: def.branches(data.data) });
}
