/**
 * Claimflow's custom json-rules-engine operators, gathered from the node registry (each kind declares the operators
 * its conditions use). They ship with every exported rule set: register them on a stock `Engine` (with
 * `allowUndefinedFacts: true`) and the compiled rules run to the same decisions as Claimflow. See docs/OPERATORS.md.
 */
import type { Engine } from 'json-rules-engine';
import type { OperatorCallback } from '../nodes/node-definition';
import { NODE_REGISTRY, nodeDefinition } from '../nodes/registry';

export type { OperatorCallback } from '../nodes/node-definition';

let gathered: Readonly<Record<string, OperatorCallback>> | null = null;

/** Name -> callback of every custom operator of every registered kind. Two kinds may share an operator object. */
export function claimflowOperators(): Record<string, OperatorCallback> {
  if (!gathered) {
    const ops: Record<string, OperatorCallback> = {};
    for (const kind of Object.keys(NODE_REGISTRY) as (keyof typeof NODE_REGISTRY)[]) {
      for (const [name, cb] of Object.entries(nodeDefinition(kind).operators ?? {})) {
        if (Object.hasOwn(ops, name) && ops[name] !== cb)
          throw new TypeError(`node kind ${kind} declares operator ${name}, which another kind defines differently`);
        ops[name] = cb;
      }
    }
    gathered = Object.freeze(ops);
  }
  return { ...gathered };
}

/** True when `name` is one of Claimflow's custom operators (it must ship with an exported rule set). */
export function isClaimflowOperator(name: string): boolean {
  if (!gathered) claimflowOperators();
  return Object.hasOwn(gathered as object, name);
}

/** Registers every Claimflow operator on a json-rules-engine Engine. */
export function registerClaimflowOperators(engine: Engine): void {
  for (const [name, cb] of Object.entries(claimflowOperators())) {
    engine.addOperator(name, cb as (a: unknown, b: unknown) => boolean);
  }
}
