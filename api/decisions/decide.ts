/**
 * The decision service: token -> verify (jose) -> visitor (products, entitlements, user id) -> facts per feature
 * (split-test buckets, trial meters) -> fast evaluator. One verification serves every feature of a batch.
 * Trial meters: when the decision's path goes through a trial node's `allowed` branch, one use is counted atomically
 * (group-committed); if the meter was exhausted, the feature is evaluated again with that meter exhausted. Dry runs,
 * tests and previews never count. Metered answers carry the remaining allowance per trial node passed.
 */
import { randomUUID } from 'node:crypto';
import {
  bucketFacts,
  ClaimflowError,
  type CompiledFeature,
  decisionFacts,
  type ErrorCode,
  type Facts,
  isClaimflowError,
  meterWindowStart,
  type RequestContext,
  requestFacts,
  type TokenStatus,
  type TrialMeter,
  trialMeters,
  visitorFromClaims,
  visitorKey,
} from '../../engine';
import type { TokenFound } from '../auth';
import type { DecisionFailure } from '../contract/decisions';
import type { MeterRemaining } from '../contract/meters';
import type { LiveFeature, Runtime } from '../runtime/runtime';
import { meterExpiry } from '../store/meters/expiry';
import type { MeterRequest, MeterResult, MeterStore, Store } from '../store/store';
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
  /** Metered decisions: the remaining allowance of each trial node the path passed (api/contract/meters.ts). */
  meters?: MeterRemaining[];
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
  /** A batch: an unknown or unpublished feature becomes an entry with its error instead of failing every feature. */
  partial?: boolean;
}

/** The codes a batch answers per feature (anything else still fails the whole request). */
const PER_FEATURE_CODES: ReadonlySet<ErrorCode> = new Set<DecisionFailure['error']['code']>([
  'CF_FEATURE_NOT_FOUND',
  'CF_FEATURE_NOT_PUBLISHED',
  'CF_VERSION_NOT_FOUND',
]);

export interface DecideOutput {
  answers: DecisionAnswer[];
  token: TokenOutcome;
  /** A new anonymous visitor id to set as a cookie (never on dry runs). */
  setVisitorId: string | null;
  /** With `partial`: every feature in request order, answered or failed. */
  entries?: Array<DecisionAnswer | DecisionFailure>;
}

export interface DecideDeps {
  runtime: Runtime;
  store: Store;
  /** Where trial meters count (default: the store; Redis with CLAIMFLOW_METER_URL). */
  meters?: MeterStore;
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
  const entries: Array<DecisionAnswer | DecisionFailure> | undefined = input.partial ? [] : undefined;
  for (const featureId of input.features) {
    let live: LiveFeature | undefined;
    let target: { compiled: CompiledFeature; version: number | 'draft' };
    try {
      live = runtime.features.get(featureId);
      if (!live) throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${featureId}"`, { field: 'feature' });
      target = await targetOf(deps, featureId, live, input.preview);
    } catch (error) {
      if (!entries || !isClaimflowError(error) || !PER_FEATURE_CODES.has(error.code)) throw error;
      const code = error.code as DecisionFailure['error']['code'];
      entries.push({ feature: featureId, error: { code, message: error.message } });
      continue;
    }
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
    const { decision, meters } = await evaluateWithMeters(
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
    const answer: DecisionAnswer = {
      feature: featureId,
      decision: decision.decision,
      payload: decision.payload ?? null,
      userState: facts.userState,
      products: facts.products,
      entitlements: facts.entitlements,
      path: decision.path,
      version: target.version,
      token: { status: outcome.status, reason: outcome.reason },
      ...(meters.length > 0 ? { meters } : {}),
    };
    answers.push(answer);
    entries?.push(answer);
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
  return { answers, token: outcome, setVisitorId, ...(entries ? { entries } : {}) };
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

/**
 * Evaluates with the trial meters of the feature and answers the remaining allowance of each trial node passed.
 * Counting (live decisions): every meter is assumed allowed, the feature is evaluated, and each trial node the path
 * passes by `allowed` is counted (one store call, group-committed with concurrent ones); a meter the store finds
 * exhausted is set so and the feature evaluated again. No read before the write: one store round trip per meter
 * passed. A tracker counts at most one use per decision: a later node on the path naming a tracker an earlier node
 * already counted does not count again; it sees the count including this view and is allowed within its own
 * allowance. Not counting (dry runs, previews): the meters are read and nothing is recorded.
 */
const fastEvaluator = createDecisionEvaluator('fast');
const metersByFeature = new WeakMap<CompiledFeature, { featureId: string; meters: TrialMeter[] }>();

/** The trial meters of a compiled version, found once per version instead of on every decision. */
function metersOf(compiled: CompiledFeature, featureId: string): TrialMeter[] {
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
): Promise<{ decision: Evaluation; meters: MeterRemaining[] }> {
  const evaluator = deps.evaluator ?? fastEvaluator;
  const meters = metersOf(compiled, featureId);
  if (meters.length === 0) return { decision: await evaluator.evaluate(compiled, facts), meters: [] };
  const meterStore = deps.meters ?? deps.store;
  const byNode = new Map(meters.map((m) => [m.nodeId, m]));
  const now = facts.now as number;
  const request = (m: TrialMeter): MeterRequest => {
    const windowStart = meterWindowStart(m, now);
    return {
      tracker: m.tracker,
      visitor: visitorId,
      windowStart,
      now,
      allowance: m.data.allowance,
      contentId,
      counting: m.data.counting,
      expiresAt: meterExpiry(m.period, windowStart, now),
    };
  };
  const failed = deps.meterFailureMode === 'allow' ? 'allowed' : 'exhausted';
  /** Uses in the window after this decision, per node; null when the store could not be reached. */
  const used = new Map<string, number | null>();
  const unavailable = (error: unknown, m: TrialMeter) => {
    deps.metrics.meterErrors.inc();
    deps.log.warn({ err: error, featureId, node: m.nodeId }, 'trial meter unavailable');
    used.set(m.nodeId, null);
    facts.trials[m.nodeId] = failed;
  };

  let decision: Evaluation;
  if (!counting) {
    await Promise.all(
      meters.map(async (m) => {
        try {
          const state = await meterStore.peekMeter(request(m));
          facts.trials[m.nodeId] = state.allowed ? 'allowed' : 'exhausted';
          used.set(m.nodeId, state.used);
        } catch (error) {
          unavailable(error, m);
        }
      }),
    );
    decision = await evaluator.evaluate(compiled, facts);
  } else {
    for (const m of meters) facts.trials[m.nodeId] = 'allowed';
    const settled = new Set<string>();
    const countedBy = new Map<string, MeterResult>(); // tracker -> the use this decision recorded on it
    for (;;) {
      decision = await evaluator.evaluate(compiled, facts);
      let retry = false;
      for (const nodeId of decision.path) {
        const m = byNode.get(nodeId); // in path order: the first node naming a tracker is the one that counts
        if (!m || decision.branches[nodeId] !== 'allowed' || settled.has(nodeId)) continue;
        settled.add(nodeId);
        try {
          const earlier = countedBy.get(m.tracker);
          let allowed: boolean;
          if (earlier) {
            const state = await meterStore.peekMeter(request(m));
            allowed = state.allowed || (earlier.counted && state.used <= m.data.allowance);
            used.set(m.nodeId, state.used);
          } else {
            const result = await meterStore.consumeMeter(request(m));
            if (result.allowed) countedBy.set(m.tracker, result);
            allowed = result.allowed;
            used.set(m.nodeId, result.used);
          }
          if (!allowed) {
            facts.trials[m.nodeId] = 'exhausted';
            retry = true;
          }
        } catch (error) {
          unavailable(error, m);
          if (failed === 'exhausted') retry = true;
        }
        // The path changes at an exhausted meter: the nodes after it may no longer be passed, so none counts now.
        if (retry) break;
      }
      if (!retry) break;
    }
  }
  const passed: MeterRemaining[] = [];
  for (const nodeId of decision.path) {
    const m = byNode.get(nodeId);
    if (!m) continue;
    const n = used.get(nodeId);
    const allowance = m.data.allowance;
    const remaining =
      n === null ? null : decision.branches[nodeId] === 'exhausted' ? 0 : Math.max(0, allowance - (n ?? 0));
    passed.push({ node: nodeId, tracker: m.tracker, allowance, remaining });
  }
  return { decision, meters: passed };
}
