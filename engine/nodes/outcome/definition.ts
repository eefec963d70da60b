/** `outcome`: terminal; the decision (e.g. "paywall") and an optional JSON payload. */
import { z } from 'zod';
import { defineNode } from '../node-definition';

export const jsonValueSchema: z.ZodType<unknown> = z.json();

export const outcomeDataSchema = z.object({
  decision: z
    .string()
    .min(1, 'the decision name is required')
    .max(128)
    .regex(/^[A-Za-z0-9_.:-]*$/, 'use letters, digits and _ . : - only'),
  payload: jsonValueSchema.optional(),
});

export const outcomeNode = defineNode({
  kind: 'outcome',
  label: 'Outcome',
  description: 'The decision returned to the site, with an optional JSON payload.',
  dataSchema: outcomeDataSchema,
  terminal: true,
  defaultData: () => ({ decision: '' }),
  branches: () => [],
  condition: () => null,
  prepare: (data) => ({ tested: `decide ${data.decision}`, test: () => ({ branch: null, value: data.decision }) }),
});
