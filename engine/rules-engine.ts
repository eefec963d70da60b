/**
 * engine/rules-engine: the second public entry of the engine, for Node callers that run compiled rules on stock
 * json-rules-engine (the reference evaluator). Kept apart from `engine/index.ts` so the browser bundle, which imports
 * only that entry, never carries json-rules-engine.
 */

export type { ReferenceDecision, ReferenceEvaluator } from './evaluate/reference';
export { createReferenceEvaluator, createRulesEngine } from './evaluate/reference';
