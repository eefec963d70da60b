/** Builders for the json-rules-engine conditions the node types compile to. */

import type { RuleCondition } from '../node-definition';
import type { Operator } from './compare';

/** Prefix of Claimflow's custom json-rules-engine operators (shipped with every export). */
export const OPERATOR_PREFIX = 'cf.';

/** A comparison of the value at `path` inside fact `fact` with `operand`, using Claimflow's operator `op`. */
export function compareCondition(fact: string, path: readonly string[], op: Operator, operand: unknown): RuleCondition {
  return { fact, operator: `${OPERATOR_PREFIX}${op}`, value: { path: [...path], operand: operand ?? null } };
}

export function not(condition: RuleCondition): RuleCondition {
  return { not: condition };
}
