/** The compiled artifact of a feature: json-rules-engine rules plus the decision structure of the fast evaluator. */
import { z } from 'zod';
import { NODE_KINDS } from '../nodes/kinds';

export const COMPILED_FORMAT = 'claimflow.compiled/1';

const conditionSchema: z.ZodType<unknown> = z
  .lazy(() =>
    z.union([
      z.object({ fact: z.string(), operator: z.string(), value: z.unknown(), path: z.string().optional() }),
      z.object({ all: z.array(conditionSchema) }),
      z.object({ any: z.array(conditionSchema) }),
      z.object({ not: conditionSchema }),
    ]),
  )
  .meta({ id: 'RuleCondition', description: 'a json-rules-engine condition (fact test, all, any or not)' });

export const CompiledRuleSchema = z.object({
  name: z.string(),
  priority: z.number().int().positive(),
  conditions: z.object({ all: z.array(conditionSchema) }),
  event: z.object({
    type: z.literal('decision'),
    params: z.object({
      decision: z.string(),
      payload: z.unknown().optional(),
      outcomeNodeId: z.string(),
      path: z.array(z.string()),
    }),
  }),
});

export const CompiledNodeSchema = z.object({
  id: z.string(),
  type: z.enum(NODE_KINDS),
  data: z.unknown(),
  next: z.record(z.string(), z.string().nullable()),
});

export const CompiledFeatureSchema = z.object({
  format: z.literal(COMPILED_FORMAT),
  engine: z.object({
    name: z.literal('json-rules-engine'),
    version: z.string(),
    options: z.object({ allowUndefinedFacts: z.literal(true) }),
  }),
  facts: z.array(z.string()),
  operators: z.array(z.string()),
  start: z.string(),
  nodes: z.array(CompiledNodeSchema),
  rules: z.array(CompiledRuleSchema),
});

export type CompiledFeature = z.infer<typeof CompiledFeatureSchema>;
export type CompiledRule = z.infer<typeof CompiledRuleSchema>;
export type CompiledNode = z.infer<typeof CompiledNodeSchema>;
