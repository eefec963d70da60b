/**
 * `switch`: branches on one claim or request property by ordered cases; the first case that matches wins,
 * otherwise the `default` branch. A case matches when the property passes its operator for ANY of its values
 * (for `in`/`notIn` the values are the list; `exists`/`notExists` take no values).
 */
import { z } from 'zod';
import { compare, OPERATOR_LABELS, type Operator, operandKind } from '../lib/compare';
import { operandProblem, operatorSchema } from '../lib/comparison-node';
import { COMPARISON_OPERATORS, compareCondition, not } from '../lib/conditions';
import { lookupPath } from '../lib/property-path';
import {
  describeSubject,
  SOURCE_FACT,
  type SubjectSource,
  subjectProblem,
  subjectPropertySchema,
  subjectSegments,
  subjectSourceSchema,
} from '../lib/subject';
import { defineNode, type RuleCondition } from '../node-definition';

export const DEFAULT_BRANCH = 'default';
const BRANCH_LABEL = /^[A-Za-z0-9_-]{1,64}$/;
const primitive = z.union([z.string().max(1024), z.number(), z.boolean()]);

export const switchDataSchema = z
  .object({
    source: subjectSourceSchema,
    property: subjectPropertySchema,
    cases: z
      .array(
        z.object({
          operator: operatorSchema,
          values: z.array(primitive).max(1000),
          branch: z.string().regex(BRANCH_LABEL, 'branch labels use letters, digits, _ and - (at most 64)'),
        }),
      )
      .min(1, 'add at least one case')
      .max(100),
  })
  .superRefine((data, ctx) => {
    const problem = subjectProblem(data.source, data.property);
    if (problem) ctx.addIssue({ code: 'custom', path: ['property'], message: problem });
    const seen = new Set<string>([DEFAULT_BRANCH]);
    data.cases.forEach((c, i) => {
      if (seen.has(c.branch))
        ctx.addIssue({
          code: 'custom',
          path: ['cases', i, 'branch'],
          message:
            c.branch === DEFAULT_BRANCH ? '"default" is the fallback branch' : `duplicate branch label "${c.branch}"`,
        });
      seen.add(c.branch);
      const kind = operandKind(c.operator);
      if (kind === 'none') {
        if (c.values.length > 0)
          ctx.addIssue({ code: 'custom', path: ['cases', i, 'values'], message: `"${c.operator}" takes no values` });
      } else if (c.values.length === 0) {
        ctx.addIssue({ code: 'custom', path: ['cases', i, 'values'], message: 'add at least one value' });
      } else if (kind !== 'list') {
        c.values.forEach((v, j) => {
          const operandError = operandProblem(c.operator, v);
          if (operandError) ctx.addIssue({ code: 'custom', path: ['cases', i, 'values', j], message: operandError });
        });
      }
    });
  });

export type SwitchData = z.infer<typeof switchDataSchema>;
type SwitchCase = SwitchData['cases'][number];

/** The operands a case is tested with, one comparison per operand (any passing matches). */
function operands(c: SwitchCase): unknown[] {
  const kind = operandKind(c.operator);
  if (kind === 'none') return [null];
  if (kind === 'list') return [c.values];
  return c.values;
}

function caseCondition(source: SubjectSource, path: string[], c: SwitchCase): RuleCondition {
  const tests = operands(c).map((o) => compareCondition(SOURCE_FACT[source], path, c.operator, o));
  return tests.length === 1 && tests[0] ? tests[0] : { any: tests };
}

function matches(c: SwitchCase, seen: unknown): boolean {
  return operands(c).some((o) => compare(c.operator as Operator, seen, o));
}

function describeCase(c: SwitchCase): string {
  const kind = operandKind(c.operator);
  const shown =
    kind === 'none' ? '' : ` ${c.values.map((v) => JSON.stringify(v)).join(kind === 'list' ? ', ' : ' or ')}`;
  return `${OPERATOR_LABELS[c.operator]}${shown} → ${c.branch}`;
}

export const switchNode = defineNode({
  kind: 'switch',
  label: 'Switch',
  description: 'Branches on one claim or request property by ordered cases (first match wins), else "default".',
  dataSchema: switchDataSchema,
  terminal: false,
  operators: COMPARISON_OPERATORS,
  defaultData: () => ({
    source: 'claim',
    property: '',
    cases: [{ operator: 'equals', values: [''], branch: 'case1' }],
  }),
  branches: (data) => [...data.cases.map((c) => c.branch), DEFAULT_BRANCH],
  condition: (data, branch) => {
    const path = subjectSegments(data.source, data.property);
    const index = data.cases.findIndex((c) => c.branch === branch);
    const earlier = (index < 0 ? data.cases : data.cases.slice(0, index)).map((c) =>
      not(caseCondition(data.source, path, c)),
    );
    const own = index < 0 ? [] : [caseCondition(data.source, path, data.cases[index] as SwitchCase)];
    const parts = [...earlier, ...own];
    return parts.length === 1 && parts[0] ? parts[0] : { all: parts };
  },
  prepare: (data) => {
    const fact = SOURCE_FACT[data.source];
    const path = subjectSegments(data.source, data.property);
    const cases = data.cases;
    return {
      tested: `${describeSubject(data.source, data.property)}: ${cases.map(describeCase).join('; ')}`,
      test: (facts) => {
        const seen = lookupPath(facts[fact], path);
        const hit = cases.find((c) => matches(c, seen));
        return { branch: hit ? hit.branch : DEFAULT_BRANCH, value: seen };
      },
    };
  },
});
