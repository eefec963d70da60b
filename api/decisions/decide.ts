/**
 * The decision service: token -> verify (jose) -> visitor (products, entitlements, user id) -> facts per feature
 * (split-test buckets, trial meters) -> fast evaluator. One verification serves every feature of a batch.
 * Trial meters: the meter state is read before evaluating; when the decision's path goes through a trial node's
 * `allowed` branch, one use is counted atomically; if another request took the last use meanwhile, the feature is
 * evaluated again with that meter exhausted. Dry runs, tests and previews never count.
 */
import { randomUUID } from 'node:crypto';
import {
  bucketFacts,
  ClaimflowError,
  type CompiledFeature,
  decisionFacts,
  type Facts,
  meterWindowStart,
  type RequestContext,
  requestFacts,
  type TokenStatus,
  trialMeters,
  visitorFromClaims,
  visitorKey,
} from '../../engine';
import type { TokenFound } from '../auth';
import type { LiveFeature, Runtime } from '../runtime/runtime';
import type { Store } from '../store/store';
import { createDecisionEvaluator, type DecisionEvaluator, type Evaluation } from './evaluators';
import { decisionMode, type Metrics } from './metrics';
import { recordSample } from './record';

export interface TokenOutcome {
  status: TokenStatus;
  reason: string | null;
  code: string | null;
}

export interface DecisionAnswer {
  feature: string;
  decision: string | null;
  payload: unknown;
  userState: Facts['userState'];
  products: string[];
  entitlements: string[];
  path: string[];
  version: number | 'draft';
  token: { status: TokenStatus; reason: string | null };
}

export interface DecideInput {
  features: string[];
  context: RequestContext;
  dryRun: boolean;
  token: TokenFound;
  /** The anonymous visitor id cookie, when the site sent one. */
  visitorCookie: string | undefined;
  userAgent?: string;
  /** Preview (admin only): evaluate against this version of every feature instead of the published one. */
  preview?: 'draft' | number;
}

export interface DecideOutput {
  answers: DecisionAnswer[];
  token: TokenOutcome;
  /** A new anonymous visitor id to set as a cookie (never on dry runs). */
  setVisitorId: string | null;
}

export interface DecideDeps {
  runtime: Runtime;
  store: Store;
  metrics: Metrics;
  meterFailureMode: 'allow' | 'deny';
  log: { warn(obj: unknown, msg?: string): void };
  /** The evaluator of the hot path (default: the fast one). */
  evaluator?: DecisionEvaluator;
  /** Shadow checks of a sample of live decisions by json-rules-engine (see evaluators.ts). */
  shadow?: {
    maybeCheck(
      featureId: string,
      version: number | 'draft',
      compiled: CompiledFeature,
      facts: Facts,
      live: Evaluation,
    ): void;
  };
  /** Compiles a draft or loads a version for previews. */
  loadPreview?: (
    featureId: string,
    against: 'draft' | number,
  ) => Promise<{ compiled: CompiledFeature; version: number | 'draft' }>;
}

export async function verifyVisitorToken(runtime: Runtime, metrics: Metrics, found: TokenFound) {
  if (found.token === null)
    return { outcome: { status: 'missing', reason: null, code: null } as TokenOutcome, claims: null };
  const result = await runtime.verifier.verify(found.token);
  if (result.status === 'valid')
    return { outcome: { status: 'valid', reason: null, code: null } as TokenOutcome, claims: result.claims };
  metrics.tokenFailures.inc({ reason: result.code });
  return {
    outcome: { status: result.status, reason: `${result.code}: ${result.reason}`, code: result.code } as TokenOutcome,
    claims: null,
  };
}

/**
 * @example const { answers } = await decide(deps, { features: ['article'], context: {}, dryRun: false, token, visitorCookie })
 */
export async function decide(deps: DecideDeps, input: DecideInput): Promise<DecideOutput> {
  const { runtime, metrics } = deps;
  const { outcome, claims } = await verifyVisitorToken(runtime, metrics, input.token);
  if (outcome.code && runtime.settings.invalidTokenMode === 'reject') {
    throw new ClaimflowError(outcome.code as 'CF_TOKEN_MALFORMED', outcome.reason ?? 'invalid token', {
      field: 'token',
    });
  }
  const visitor = visitorFromClaims(claims, runtime.settings, runtime.catalogue);
  // A verified token without a usable user id: the visitor is still registered or a customer, keyed by the cookie.
  if (visitor.userIdProblem !== null) metrics.tokensWithoutUserId.inc({ problem: visitor.userIdProblem });
  let setVisitorId: string | null = null;
  let anonymousKey = '';
  if (visitor.userId === null) {
    const cookie = input.visitorCookie;
    if (cookie && /^[A-Za-z0-9-]{8,64}$/.test(cookie)) anonymousKey = `anon:${cookie}`;
    else {
      const fresh = randomUUID();
      if (!input.dryRun) setVisitorId = fresh;
      anonymousKey = `anon:${fresh}`;
    }
  }
  const visitorId = visitorKey(visitor, anonymousKey);
  const request = requestFacts(input.context, input.userAgent);
  const now = Date.now();

  const answers: DecisionAnswer[] = [];
  for (const featureId of input.features) {
    const live = runtime.features.get(featureId);
    if (!live) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${featureId}"`, { field: 'feature' });
    const target = await targetOf(deps, featureId, live, input.preview);
    const compiled = target.compiled;
    const facts = decisionFacts({
      visitor,
      customerEntitlements: live.feature.customerEntitlements,
      request,
      tokenStatus: outcome.status,
      now,
      buckets: bucketFacts(compiled, visitorId),
      trials: {},
    });
    const counting = !input.dryRun && input.preview === undefined;
    const decision: Evaluation = await evaluateWithMeters(
      deps,
      featureId,
      compiled,
      facts,
      visitorId,
      request.contentId ?? null,
      counting,
    );
    metrics.decisions.inc({ feature: featureId, decision: decision.decision ?? 'none', mode: decisionMode(input) });
    if (counting) deps.shadow?.maybeCheck(featureId, target.version, compiled, facts, decision);
    answers.push({
      feature: featureId,
      decision: decision.decision,
      payload: decision.payload ?? null,
      userState: facts.userState,
      products: facts.products,
      entitlements: facts.entitlements,
      path: decision.path,
      version: target.version,
      token: { status: outcome.status, reason: outcome.reason },
    });
    if (counting && typeof target.version === 'number') {
      recordSample(
        deps,
        featureId,
        target.version,
        { claims, context: input.context, tokenStatus: outcome.status, now },
        decision,
      );
    }
  }
  return { answers, token: outcome, setVisitorId };
}

async function targetOf(
  deps: DecideDeps,
  featureId: string,
  live: LiveFeature,
  preview: 'draft' | number | undefined,
): Promise<{ compiled: CompiledFeature; version: number | 'draft' }> {
  if (preview !== undefined && deps.loadPreview) return deps.loadPreview(featureId, preview);
  if (!live.published)
    throw new ClaimflowError('CF_FEATURE_NOT_PUBLISHED', `feature "${featureId}" has no published version yet`, {
      field: 'feature',
    });
  return live.published;
}

const fastEvaluator = createDecisionEvaluator('fast');
const metersByFeature = new WeakMap<CompiledFeature, { featureId: string; meters: ReturnType<typeof trialMeters> }>();

/** The trial meters of a compiled version, found once per version instead of on every decision. */
function metersOf(compiled: CompiledFeature, featureId: string) {
  const hit = metersByFeature.get(compiled);
  if (hit && hit.featureId === featureId) return hit.meters;
  const meters = trialMeters(compiled, featureId);
  metersByFeature.set(compiled, { featureId, meters });
  return meters;
}

async function evaluateWithMeters(
  deps: DecideDeps,
  featureId: string,
  compiled: CompiledFeature,
  facts: Facts,
  visitorId: string,
  contentId: string | null,
  counting: boolean,
): Promise<Evaluation> {
  const evaluator = deps.evaluator ?? fastEvaluator;
  const meters = metersOf(compiled, featureId);
  if (meters.length === 0) return evaluator.evaluate(compiled, facts);
  const requests = new Map(
    meters.map((m) => [
      m.nodeId,
      {
        tracker: m.tracker,
        visitor: visitorId,
        windowStart: meterWindowStart(m, facts.now as number),
        now: facts.now as number,
        allowance: m.data.allowance,
        contentId,
        counting: m.data.counting,
      },
    ]),
  );
  const failed = deps.meterFailureMode === 'allow' ? 'allowed' : 'exhausted';
  await Promise.all(
    meters.map(async (m) => {
      try {
        const state = await deps.store.peekMeter(requests.get(m.nodeId) as never);
        facts.trials[m.nodeId] = state.allowed ? 'allowed' : 'exhausted';
      } catch (error) {
        deps.metrics.meterErrors.inc();
        deps.log.warn({ err: error, featureId, node: m.nodeId }, 'trial meter unavailable');
        facts.trials[m.nodeId] = failed;
      }
    }),
  );
  for (let round = 0; ; round++) {
    const decision = await evaluator.evaluate(compiled, facts);
    if (!counting || round > meters.length) return decision;
    let retry = false;
    for (const m of meters) {
      if (decision.branches[m.nodeId] !== 'allowed') continue;
      try {
        const result = await deps.store.consumeMeter(requests.get(m.nodeId) as never);
        if (!result.allowed) {
          facts.trials[m.nodeId] = 'exhausted';
          retry = true;
        }
      } catch (error) {
        deps.metrics.meterErrors.inc();
        deps.log.warn({ err: error, featureId, node: m.nodeId }, 'trial meter unavailable');
        if (failed === 'exhausted') {
          facts.trials[m.nodeId] = 'exhausted';
          retry = true;
        }
      }
    }
    if (!retry) return decision;
  }
}
