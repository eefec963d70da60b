/** JSON Schema (draft 2020-12) of the graph format, emitted from the zod schemas, for other tools. */
import { z } from 'zod';
import { GraphSchema } from './graph-schema';

export function graphJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(GraphSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: 'https://claimflow.dev/schemas/graph.json',
    title: 'Claimflow feature rule graph',
    description:
      'A directed acyclic graph in the shape React Flow serializes. Structural rules (one start, no cycles, ' +
      'one edge per branch, reachability) are checked by the Claimflow validator, not by this schema.',
  };
}
