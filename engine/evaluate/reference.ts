/**
 * The reference evaluator: runs the compiled rules on stock json-rules-engine (one Engine per compiled rule set,
 * stopping at the first matching rule). Slow by design; it is the portable meaning of a compiled feature.
 */
import { Engine, type RuleProperties } from 'json-rules-engine';
import type { CompiledFeature } from '../compile/compiled-feature';
import type { Facts } from '../facts/facts';
import { registerClaimflowOperators } from './rule-operators';

export interface ReferenceDecision {
  decision: string | null;
  payload: unknown;
  outcomeNodeId: string | null;
  path: string[];
}

export interface ReferenceEvaluator {
  evaluate(facts: Facts): Promise<ReferenceDecision>;
}

/** Builds a stock json-rules-engine Engine loaded with the compiled rules and Claimflow's operators. */
export function createRulesEngine(compiled: CompiledFeature): Engine {
  const engine = new Engine([], { allowUndefinedFacts: true });
  registerClaimflowOperators(engine);
  for (const rule of compiled.rules) engine.addRule(rule as unknown as RuleProperties);
  return engine;
}

/**
 * @example await createReferenceEvaluator(compiled).evaluate(facts) // { decision, path, ... }
 */
export function createReferenceEvaluator(compiled: CompiledFeature): ReferenceEvaluator {
  const engine = createRulesEngine(compiled);
  let first: ReferenceDecision | null = null;
  engine.on('success', (event) => {
    if (first === null) {
      const p = event.params as { decision: string; payload?: unknown; outcomeNodeId: string; path: string[] };
      first = { decision: p.decision, payload: p.payload, outcomeNodeId: p.outcomeNodeId, path: p.path };
    }
    engine.stop();
  });
  // engine.stop() is engine-wide, so runs on one engine are serialized.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    evaluate(facts) {
      const run = queue.then(async () => {
        first = null;
        await engine.run({ ...facts });
        const result: ReferenceDecision = first ?? {
          decision: null,
          payload: undefined,
          outcomeNodeId: null,
          path: [],
        };
        return result;
      });
      queue = run.catch(() => undefined);
      return run;
    },
  };
}
