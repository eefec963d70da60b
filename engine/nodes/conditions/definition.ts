/**
 * `conditions`: a list of comparisons (claim or request property, operator, value) combined with `all` or `any`;
 * branches `yes` / `no` (a stacked AND / OR in one node).
 */
import { z } from 'zod';
import { compare, type Operator, operandKind } from '../lib/compare';
import {
  comparisonBranches,
  comparisonValueSchema,
  describeComparison,
  operandProblem,
  operatorSchema,
} from '../lib/comparison-node';
import { COMPARISON_OPERATORS, compareCondition, not } from '../lib/conditions';
import { lookupPath } from '../lib/property-path';
import {
  describeSubject,
  SOURCE_FACT,
  subjectProblem,
  subjectPropertySchema,
  subjectSegments,
  subjectSourceSchema,
} from '../lib/subject';
import { defineNode, type RuleCondition } from '../node-definition';

export const conditionsDataSchema = z
  .object({
    match: z.enum(['all', 'any']),
    conditions: z
      .array(
        z.object({
          source: subjectSourceSchema,
          property: subjectPropertySchema,
          operator: operatorSchema,
          value: comparisonValueSchema.optional(),
        }),
      )
      .min(1, 'add at least one condition')
      .max(100),
  })
  .superRefine((data, ctx) => {
    data.conditions.forEach((c, i) => {
      const problem = subjectProblem(c.source, c.property);
      if (problem) ctx.addIssue({ code: 'custom', path: ['conditions', i, 'property'], message: problem });
      const operandError = operandProblem(c.operator, c.value);
      if (operandError) ctx.addIssue({ code: 'custom', path: ['conditions', i, 'value'], message: operandError });
    });
  });

export type ConditionsData = z.infer<typeof conditionsDataSchema>;
type Comparison = ConditionsData['conditions'][number];

function operand(c: Comparison): unknown {
  return operandKind(c.operator) === 'none' ? null : c.value;
}

export const conditionsNode = defineNode({
  kind: 'conditions',
  label: 'Conditions',
  description: 'Tests several claim or request properties at once, combined with all (AND) or any (OR).',
  dataSchema: conditionsDataSchema,
  terminal: false,
  operators: COMPARISON_OPERATORS,
  defaultData: () => ({
    match: 'all',
    conditions: [{ source: 'claim', property: '', operator: 'equals', value: '' }],
  }),
  branches: comparisonBranches,
  condition: (data, branch) => {
    const tests: RuleCondition[] = data.conditions.map((c) =>
      compareCondition(SOURCE_FACT[c.source], subjectSegments(c.source, c.property), c.operator, operand(c)),
    );
    const yes: RuleCondition = data.match === 'all' ? { all: tests } : { any: tests };
    return branch === 'yes' ? yes : not(yes);
  },
  prepare: (data) => {
    const tests = data.conditions.map((c) => ({
      fact: SOURCE_FACT[c.source],
      path: subjectSegments(c.source, c.property),
      operator: c.operator as Operator,
      operand: operand(c),
    }));
    const joiner = data.match === 'all' ? ' and ' : ' or ';
    return {
      tested: data.conditions
        .map((c) => describeComparison(describeSubject(c.source, c.property), c.operator, c.value))
        .join(joiner),
      test: (facts) => {
        const seen = tests.map((t) => lookupPath(facts[t.fact], t.path));
        const passed = tests.map((t, i) => compare(t.operator, seen[i], t.operand));
        const yes = data.match === 'all' ? passed.every(Boolean) : passed.some(Boolean);
        return { branch: yes ? 'yes' : 'no', value: seen };
      },
    };
  },
});
