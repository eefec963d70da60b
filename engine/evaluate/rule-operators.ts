/**
 * Claimflow's custom json-rules-engine operators. They ship with every exported rule set: register them on a stock
 * `Engine` (with `allowUndefinedFacts: true`) and the compiled rules run to the same decisions as Claimflow.
 * - `cf.<operator>` (equals, contains, in, ... see OPERATORS): the condition's value is `{ path, operand }`; the
 *   fact value is read at `path` (own properties only) and compared with Claimflow's documented semantics.
 * - `cf.schedule`: the fact `now` (epoch ms) is inside the window `{ after?, before?, days?, timeZone }`.
 */
import type { Engine } from 'json-rules-engine';
import { compare, OPERATORS } from '../nodes/lib/compare';
import { lookupPath } from '../nodes/lib/property-path';
import { inSchedule, type ScheduleData } from '../nodes/schedule/definition';

export type OperatorCallback = (factValue: unknown, jsonValue: unknown) => boolean;

function pathOperand(value: unknown): { path: string[]; operand: unknown } {
  const v = value as { path?: unknown; operand?: unknown } | null;
  const path = Array.isArray(v?.path) ? (v.path as unknown[]).map(String) : [];
  return { path, operand: v?.operand ?? null };
}

/** Name -> callback of every custom operator. */
export function claimflowOperators(): Record<string, OperatorCallback> {
  const ops: Record<string, OperatorCallback> = {};
  for (const op of OPERATORS) {
    ops[`cf.${op}`] = (factValue, jsonValue) => {
      const { path, operand } = pathOperand(jsonValue);
      return compare(op, lookupPath(factValue, path), operand);
    };
  }
  ops['cf.schedule'] = (factValue, jsonValue) => inSchedule(factValue, jsonValue as ScheduleData);
  return ops;
}

/** Registers every Claimflow operator on a json-rules-engine Engine. */
export function registerClaimflowOperators(engine: Engine): void {
  for (const [name, cb] of Object.entries(claimflowOperators())) {
    engine.addOperator(name, cb as (a: unknown, b: unknown) => boolean);
  }
}
