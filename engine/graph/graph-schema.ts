/**
 * The graph format: React Flow's serialized shape `{ nodes: [{ id, type, position, data }], edges: [{ id, source,
 * target, sourceHandle }] }`. `GraphShapeSchema` checks only the shape (drafts may hold half-filled nodes);
 * `GraphSchema` also checks every node's data by its type (a discriminated union built from the registry).
 */
import { z } from 'zod';
import { NODE_KINDS } from '../nodes/kinds';
import { NODE_REGISTRY } from '../nodes/registry';

/** Size bounds: larger graphs are refused with CF_GRAPH_TOO_LARGE before any other work. */
export const GRAPH_LIMITS = {
  maxNodes: 5_000,
  maxEdges: 20_000,
  /** Start-to-outcome paths a graph may have (each becomes one json-rules-engine rule). */
  maxPaths: 10_000,
  maxIdLength: 128,
} as const;

const id = z.string().min(1, 'ids must not be empty').max(GRAPH_LIMITS.maxIdLength);

export const PositionSchema = z.object({ x: z.number(), y: z.number() });

export const BaseNodeSchema = z
  .object({
    id,
    type: z.string(),
    position: PositionSchema.default({ x: 0, y: 0 }),
    data: z.record(z.string(), z.unknown()).default({}),
  })
  .loose();

export const EdgeSchema = z
  .object({
    id,
    source: id,
    target: id,
    sourceHandle: z.string().max(GRAPH_LIMITS.maxIdLength).nullish(),
    targetHandle: z.string().max(GRAPH_LIMITS.maxIdLength).nullish(),
  })
  .loose();

/** The shape only: what a draft must satisfy to be saved. */
export const GraphShapeSchema = z
  .object({
    nodes: z.array(BaseNodeSchema).max(GRAPH_LIMITS.maxNodes),
    edges: z.array(EdgeSchema).max(GRAPH_LIMITS.maxEdges),
  })
  .loose();

export type GraphShape = z.infer<typeof GraphShapeSchema>;
export type GraphNode = GraphShape['nodes'][number];
export type GraphEdge = z.infer<typeof EdgeSchema>;

const typedNodes = NODE_KINDS.map((kind) =>
  BaseNodeSchema.extend({ type: z.literal(kind), data: NODE_REGISTRY[kind].dataSchema }),
);

export const TypedNodeSchema = z.discriminatedUnion(
  'type',
  typedNodes as unknown as [(typeof typedNodes)[number], ...(typeof typedNodes)[number][]],
);

/** A graph whose every node has valid data for its type (structure is checked by validateGraph). */
export const GraphSchema = z.object({
  nodes: z.array(TypedNodeSchema).max(GRAPH_LIMITS.maxNodes),
  edges: z.array(EdgeSchema).max(GRAPH_LIMITS.maxEdges),
});

export type Graph = z.input<typeof GraphSchema>;
