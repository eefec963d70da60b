/**
 * The graph part of `POST /admin/v1/features/:id/test`: an editor sends the graph on its canvas so it is tested as
 * shown, unsaved edits included, without being saved. Pure zod (no Node built-ins), shared by the route and the
 * OpenAPI document.
 */
import { z } from 'zod';
import { GraphShapeSchema } from '../../engine/graph/graph-schema';

/** A graph to test instead of a stored one: validated and compiled like a draft (unconnected branches allowed). */
export const TestGraphSchema = GraphShapeSchema.describe(
  'a graph to test instead of the stored draft (e.g. the editor canvas with unsaved edits); validated and compiled as a draft, never saved; only with against "draft"',
);

/** Which graph a test evaluated: the graph sent with the request, the stored draft, or a version number. */
export const TestedSchema = z
  .union([z.literal('graph'), z.literal('draft'), z.number().int().min(1)])
  .describe('which graph was evaluated: "graph" (the one sent), "draft" (the stored draft) or a version number');

export type Tested = z.infer<typeof TestedSchema>;
