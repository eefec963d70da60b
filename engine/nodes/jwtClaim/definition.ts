/** `jwtClaim` ("JWT Token" in the editor): tests a verified claim at a property path. */
import { z } from 'zod';
import {
  checkOperand,
  comparisonBranches,
  comparisonCondition,
  comparisonValueSchema,
  describeComparison,
  operatorSchema,
  prepareComparison,
} from '../lib/comparison-node';
import { COMPARISON_OPERATORS } from '../lib/conditions';
import { parsePropertyPath } from '../lib/property-path';
import { defineNode } from '../node-definition';

export const jwtClaimDataSchema = z
  .object({
    property: z.string().min(1, 'the property name is required').max(256),
    operator: operatorSchema,
    value: comparisonValueSchema.optional(),
  })
  .superRefine((data, ctx) => {
    const parsed = parsePropertyPath(data.property);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', path: ['property'], message: `bad property path: ${parsed.error}` });
    checkOperand(data.operator, data.value, ctx);
  });

type JwtClaimData = z.infer<typeof jwtClaimDataSchema>;

function segments(data: JwtClaimData): string[] {
  const parsed = parsePropertyPath(data.property);
  if (!parsed.ok) throw new TypeError(`jwtClaim property was not validated: ${data.property}`);
  return parsed.segments;
}

export const jwtClaimNode = defineNode({
  kind: 'jwtClaim',
  label: 'JWT Token',
  description: 'Tests a claim of the verified token (Property Name, Condition, Value).',
  dataSchema: jwtClaimDataSchema,
  terminal: false,
  operators: COMPARISON_OPERATORS,
  defaultData: () => ({ property: '', operator: 'equals', value: '' }),
  branches: comparisonBranches,
  condition: (data, branch) => comparisonCondition('claims', segments(data), data.operator, data.value, branch),
  prepare: (data) =>
    prepareComparison(
      'claims',
      segments(data),
      data.operator,
      data.value,
      describeComparison(`claim ${data.property}`, data.operator, data.value),
    ),
});
