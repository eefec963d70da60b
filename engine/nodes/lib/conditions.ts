/** Builders for the json-rules-engine conditions the node kinds compile to, and the comparison operators they use. */

import type { OperatorCallback, RuleCondition } from '../node-definition';
import { compare, OPERATORS, type Operator } from './compare';
import { lookupPath } from './property-path';

/** Prefix of Claimflow's custom json-rules-engine operators (shipped with every export). */
export const OPERATOR_PREFIX = 'cf.';

/** A comparison of the value at `path` inside fact `fact` with `operand`, using Claimflow's operator `op`. */
export function compareCondition(fact: string, path: readonly string[], op: Operator, operand: unknown): RuleCondition {
  return { fact, operator: `${OPERATOR_PREFIX}${op}`, value: { path: [...path], operand: operand ?? null } };
}

export function not(condition: RuleCondition): RuleCondition {
  return { not: condition };
}

function pathOperand(value: unknown): { path: string[]; operand: unknown } {
  const v = value as { path?: unknown; operand?: unknown } | null;
  const path = Array.isArray(v?.path) ? (v.path as unknown[]).map(String) : [];
  return { path, operand: v?.operand ?? null };
}

/**
 * `cf.<operator>` for every comparison operator (equals, contains, in, ... see OPERATORS): the condition's value is
 * `{ path, operand }`; the fact value is read at `path` (own properties only) and compared with Claimflow's documented
 * semantics. One shared object: kinds whose conditions come from `compareCondition` declare it as their operators.
 */
export const COMPARISON_OPERATORS: Readonly<Record<string, OperatorCallback>> = Object.freeze(
  Object.fromEntries(
    OPERATORS.map((op): [string, OperatorCallback] => [
      `${OPERATOR_PREFIX}${op}`,
      (factValue, jsonValue) => {
        const { path, operand } = pathOperand(jsonValue);
        return compare(op, lookupPath(factValue, path), operand);
      },
    ]),
  ),
);
