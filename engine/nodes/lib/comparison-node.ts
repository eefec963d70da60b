/** Shared data schema and evaluation of the two comparison node types (`jwtClaim`, `request`). */
import { z } from 'zod';
import type { Facts } from '../../facts/facts';
import type { PreparedNode, RuleCondition } from '../node-definition';
import { compare, OPERATOR_LABELS, OPERATORS, type Operator, operandKind } from './compare';
import { compareCondition, not } from './conditions';
import { lookupPath } from './property-path';

const primitive = z.union([z.string().max(1024), z.number(), z.boolean()]);

export const comparisonValueSchema = z.union([primitive, z.array(primitive).max(1000)]);

/** Checks that `value` fits `operator`; adds an issue on `data.value` otherwise. */
export function checkOperand(operator: Operator, value: unknown, ctx: z.RefinementCtx): void {
  const problem = operandProblem(operator, value);
  if (problem) ctx.addIssue({ code: 'custom', path: ['value'], message: problem });
}

export function operandProblem(operator: Operator, value: unknown): string | null {
  const kind = operandKind(operator);
  if (kind === 'none') {
    return value !== undefined && value !== null && value !== '' ? `operator "${operator}" takes no value` : null;
  }
  if (value === undefined || value === null) return `operator "${operator}" needs a value`;
  if (kind === 'list') {
    return !Array.isArray(value) || value.length === 0
      ? `operator "${operator}" needs a non-empty list of values`
      : null;
  }
  if (Array.isArray(value)) return `operator "${operator}" takes one value, not a list`;
  if (kind === 'string' && typeof value !== 'string') return `operator "${operator}" needs a text value`;
  if (kind === 'orderable' && typeof value !== 'number' && typeof value !== 'string')
    return `operator "${operator}" needs a number or a text value`;
  if (typeof value === 'number' && !Number.isFinite(value)) return 'the value must be a finite number';
  return null;
}

export const operatorSchema = z.enum(OPERATORS);

export function comparisonBranches(): readonly string[] {
  return ['yes', 'no'];
}

/** The condition of the `yes`/`no` branch of a comparison reading `fact` at `path`. */
export function comparisonCondition(
  fact: string,
  path: readonly string[],
  operator: Operator,
  value: unknown,
  branch: string,
): RuleCondition {
  const yes = compareCondition(fact, path, operator, operandKind(operator) === 'none' ? null : value);
  return branch === 'yes' ? yes : not(yes);
}

export function describeComparison(subject: string, operator: Operator, value: unknown): string {
  return operandKind(operator) === 'none'
    ? `${subject} ${OPERATOR_LABELS[operator]}`
    : `${subject} ${OPERATOR_LABELS[operator]} ${JSON.stringify(value)}`;
}

/** Fast evaluation of a comparison over `facts[fact]` at `path`. */
export function prepareComparison(
  fact: 'claims' | 'request',
  path: readonly string[],
  operator: Operator,
  value: unknown,
  tested: string,
): PreparedNode {
  const operand = operandKind(operator) === 'none' ? null : value;
  const segments = [...path];
  return {
    tested,
    test(facts: Facts) {
      const seen = lookupPath(facts[fact], segments);
      return { branch: compare(operator, seen, operand) ? 'yes' : 'no', value: seen };
    },
  };
}
