/**
 * How the decision service evaluates a compiled feature: the fast evaluator (default) or, for operators who want
 * exactly the exported artifact on the hot path, the compiled rules on stock json-rules-engine
 * (`CLAIMFLOW_EVALUATOR=json-rules-engine`). Shadow checks (`CLAIMFLOW_SHADOW_SAMPLE`) evaluate a sample of live
 * decisions again with json-rules-engine off the hot path and count and log any disagreement (feature, version and
 * paths; never the claims).
 */
import { type CompiledFeature, type Facts, prepareEvaluator } from '../../engine';
import { createReferenceEvaluator, type ReferenceEvaluator } from '../../engine/rules-engine';

export type EvaluatorMode = 'fast' | 'json-rules-engine';

/** What the decision service needs from an evaluation: the outcome, the path, and the branch taken at each node. */
export interface Evaluation {
  decision: string | null;
  payload: unknown;
  path: string[];
  branches: Record<string, string | null>;
}

export interface DecisionEvaluator {
  readonly mode: EvaluatorMode;
  /** Synchronous for the fast mode (no extra await on the hot path), a promise for json-rules-engine. */
  evaluate(compiled: CompiledFeature, facts: Facts): Evaluation | Promise<Evaluation>;
}

const references = new WeakMap<CompiledFeature, ReferenceEvaluator>();

/** The json-rules-engine evaluator of a compiled feature, built once per compiled version. */
function referenceOf(compiled: CompiledFeature): ReferenceEvaluator {
  let r = references.get(compiled);
  if (!r) {
    r = createReferenceEvaluator(compiled);
    references.set(compiled, r);
  }
  return r;
}

/** The branch taken at each node of a path, read back from the compiled structure (json-rules-engine gives the path). */
function branchesOf(compiled: CompiledFeature, path: string[]): Record<string, string | null> {
  const byId = new Map(compiled.nodes.map((n) => [n.id, n]));
  const branches: Record<string, string | null> = {};
  for (let i = 0; i < path.length; i++) {
    const node = byId.get(path[i]);
    const next = path[i + 1];
    let taken: string | null = null;
    if (node && next !== undefined)
      for (const [branch, target] of Object.entries(node.next)) if (target === next) taken = branch;
    branches[path[i]] = taken;
  }
  return branches;
}

async function evaluateWithRules(compiled: CompiledFeature, facts: Facts): Promise<Evaluation> {
  const r = await referenceOf(compiled).evaluate(facts);
  return { decision: r.decision, payload: r.payload, path: r.path, branches: branchesOf(compiled, r.path) };
}

export function createDecisionEvaluator(mode: EvaluatorMode): DecisionEvaluator {
  if (mode === 'json-rules-engine') return { mode, evaluate: evaluateWithRules };
  return { mode, evaluate: (compiled, facts) => prepareEvaluator(compiled).evaluate(facts) };
}

export interface ShadowReport {
  featureId: string;
  version: number | 'draft';
  agreed: boolean;
  livePath: string[];
  shadowPath: string[];
  liveDecision: string | null;
  shadowDecision: string | null;
}

/**
 * Samples live decisions for a second evaluation by json-rules-engine, after the answer has been sent (setImmediate).
 * `facts` must not be mutated afterwards by the caller (the decision service hands over its final facts object).
 */
export function createShadowChecker(sample: number, report: (r: ShadowReport) => void) {
  return {
    enabled: sample > 0,
    maybeCheck(
      featureId: string,
      version: number | 'draft',
      compiled: CompiledFeature,
      facts: Facts,
      live: Evaluation,
    ) {
      if (sample <= 0 || Math.random() >= sample) return;
      setImmediate(() => {
        evaluateWithRules(compiled, facts).then(
          (shadow) =>
            report({
              featureId,
              version,
              agreed: shadow.decision === live.decision && shadow.path.join('\u0000') === live.path.join('\u0000'),
              livePath: live.path,
              shadowPath: shadow.path,
              liveDecision: live.decision,
              shadowDecision: shadow.decision,
            }),
          () => undefined,
        );
      });
    },
  };
}
