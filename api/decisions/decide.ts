/**
 * The decision service: token -> verify (jose) -> visitor (products, entitlements, user id) -> facts per feature
 * (per-visitor state: sticky assignments, meters) -> fast evaluator. One verification serves every feature of a batch.
 * Meters (declared by node kinds, see `MeterUse`): when the decision's path passes a meter node's spending branch, one
 * use is counted atomically (group-committed); if the meter was exhausted, the feature is evaluated again with that
 * meter exhausted. Dry runs, tests and previews never count. Metered answers carry the remaining allowance per meter
 * node passed.
 */
import { randomUUID } from 'node:crypto';
import {
  assignState,
  ClaimflowError,
  type CompiledFeature,
  decisionFacts,
  type ErrorCode,
  type Facts,
  isClaimflowError,
  type MeterUse,
  meterUses,
  type RequestContext,
  requestFacts,
  type TokenStatus,
  visitorFromClaims,
  visitorKey,
} from '../../engine';
import type { TokenFound } from '../auth';
import type { DecisionFailure } from '../contract/decisions';
import type { MeterRemaining } from '../contract/meters';
import type { LiveFeature, Runtime } from '../runtime/runtime';
import type { MeterRequest, MeterResult, MeterStore, Store } from '../store/store';
import { createDecisionEvaluator, type DecisionEvaluator, type Evaluation } from './evaluators';
import { decisionMode, type Metrics } from './metrics';
import { recordSample } from './record';

export interface TokenOutcome {
  status: TokenStatus;
  reason: string | null;
  /** The verification failure (a CF_TOKEN_* code), null for a valid or missing token. */
  code: ErrorCode | null;
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
  /** The environment answering (from the site key); undefined: the default environment. */
  environment?: string;
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

type VerifiedVisitor = { outcome: TokenOutcome; claims: Record<string, unknown> | null };
const MISSING: VerifiedVisitor = Object.freeze({
  outcome: Object.freeze({ status: 'missing', reason: null, code: null }) as TokenOutcome,
  claims: null,
});
const VALID: TokenOutcome = Object.freeze({ status: 'valid', reason: null, code: null }) as TokenOutcome;

/** No token, or one already verified: answered without waiting (most decisions of a warm service). */
function verifiedAtOnce(runtime: Runtime, found: TokenFound): VerifiedVisitor | undefined {
  if (found.token === null) return MISSING;
  const hit = runtime.verifier.cached(found.token);
  return hit?.status === 'valid' ? { outcome: VALID, claims: hit.claims } : undefined;
}

export async function verifyVisitorToken(
  runtime: Runtime,
  metrics: Metrics,
  found: TokenFound,
): Promise<VerifiedVisitor> {
  if (found.token === null) return MISSING;
  const result = await runtime.verifier.verify(found.token);
  if (result.status === 'valid')
    return { outcome: { status: 'valid', reason: null, code: null }, claims: result.claims };
  metrics.tokenFailures.inc({ reason: result.code });
  return {
    outcome: { status: result.status, reason: `${result.code}: ${result.reason}`, code: result.code },
    claims: null,
  };
}

/**
 * @example const { answers } = await decide(deps, { features: ['article'], context: {}, dryRun: false, token, visitorCookie })
 */
export async function decide(deps: DecideDeps, input: DecideInput): Promise<DecideOutput> {
  const { runtime, metrics } = deps;
  // Only a token not seen before waits for its verification; the warm path stays synchronous up to the meters.
  const { outcome, claims } =
    verifiedAtOnce(runtime, input.token) ?? (await verifyVisitorToken(runtime, metrics, input.token));
  if (outcome.code && runtime.settings.invalidTokenMode === 'reject') {
    throw new ClaimflowError(outcome.code, outcome.reason ?? 'invalid token', {
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
      target =
        input.preview === undefined
          ? publishedTarget(featureId, live, input.environment)
          : await targetOf(deps, featureId, live, input.preview, input.environment);
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
      state: assignState(compiled, visitorId),
    });
    const counting = !input.dryRun && input.preview === undefined;
    // A feature without meters on the fast evaluator is decided without waiting; meters wait for their store.
    const evaluated = evaluateWithMeters(
      deps,
      featureId,
      compiled,
      facts,
      visitorId,
      request.contentId ?? null,
      counting,
    );
    const { decision, meters } = evaluated instanceof Promise ? await evaluated : evaluated;
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
  environment: string | undefined,
): Promise<{ compiled: CompiledFeature; version: number | 'draft' }> {
  if (preview !== undefined && deps.loadPreview) return deps.loadPreview(featureId, preview);
  return publishedTarget(featureId, live, environment);
}

function publishedTarget(
  featureId: string,
  live: LiveFeature,
  environment: string | undefined,
): { compiled: CompiledFeature; version: number | 'draft' } {
  const published = environment === undefined ? live.published : live.environments.get(environment);
  if (!published)
    throw new ClaimflowError(
      'CF_FEATURE_NOT_PUBLISHED',
      environment === undefined
        ? `feature "${featureId}" has no published version yet`
        : `feature "${featureId}" has no version live in ${environment} yet`,
      { field: 'feature' },
    );
  return published;
}

/**
 * Evaluates with the meters of the feature and answers the remaining allowance of each meter node passed.
 * Counting (live decisions): every meter is assumed allowed, the feature is evaluated, and each meter node the path
 * passes by its spending branch is counted (one store call, group-committed with concurrent ones); a meter the store finds
 * exhausted is set so and the feature evaluated again. No read before the write: one store round trip per meter
 * passed. A tracker counts at most one use per decision: a later node on the path naming a tracker an earlier node
 * already counted does not count again; it sees the count including this view and is allowed within its own
 * allowance. Not counting (dry runs, previews): the meters are read and nothing is recorded.
 */
const fastEvaluator = createDecisionEvaluator('fast');

interface Evaluated {
  decision: Evaluation;
  meters: MeterRemaining[];
}

function evaluateWithMeters(
  deps: DecideDeps,
  featureId: string,
  compiled: CompiledFeature,
  facts: Facts,
  visitorId: string,
  contentId: string | null,
  counting: boolean,
): Evaluated | Promise<Evaluated> {
  const evaluator = deps.evaluator ?? fastEvaluator;
  const meters = meterUses(compiled, featureId); // found once per compiled version
  if (meters.length === 0) {
    const d = evaluator.evaluate(compiled, facts);
    return d instanceof Promise ? d.then((decision) => ({ decision, meters: [] })) : { decision: d, meters: [] };
  }
  return evaluateMetered(deps, evaluator, meters, featureId, compiled, facts, visitorId, contentId, counting);
}

async function evaluateMetered(
  deps: DecideDeps,
  evaluator: DecisionEvaluator,
  meters: MeterUse[],
  featureId: string,
  compiled: CompiledFeature,
  facts: Facts,
  visitorId: string,
  contentId: string | null,
  counting: boolean,
): Promise<Evaluated> {
  const meterStore = deps.meters ?? deps.store;
  const byNode = new Map(meters.map((m) => [m.nodeId, m]));
  const now = facts.now as number;
  const request = (m: MeterUse): MeterRequest => {
    const windowStart = m.windowStart(now);
    return {
      tracker: m.tracker,
      visitor: visitorId,
      windowStart,
      now,
      allowance: m.allowance,
      contentId,
      counting: m.counting,
      expiresAt: m.expiresAt(windowStart, now),
    };
  };
  const allowOnFailure = deps.meterFailureMode === 'allow';
  /** Uses in the window after this decision, per node; null when the store could not be reached. */
  const used = new Map<string, number | null>();
  const unavailable = (error: unknown, m: MeterUse) => {
    deps.metrics.meterErrors.inc();
    deps.log.warn({ err: error, featureId, node: m.nodeId }, 'trial meter unavailable');
    used.set(m.nodeId, null);
    m.setState(facts, allowOnFailure);
  };

  let decision: Evaluation;
  if (!counting) {
    await Promise.all(
      meters.map(async (m) => {
        try {
          const state = await meterStore.peekMeter(request(m));
          m.setState(facts, state.allowed);
          used.set(m.nodeId, state.used);
        } catch (error) {
          unavailable(error, m);
        }
      }),
    );
    decision = await evaluator.evaluate(compiled, facts);
  } else {
    for (const m of meters) m.setState(facts, true);
    const settled = new Set<string>();
    const countedBy = new Map<string, MeterResult>(); // tracker -> the use this decision recorded on it
    for (;;) {
      decision = await evaluator.evaluate(compiled, facts);
      let retry = false;
      for (const nodeId of decision.path) {
        const m = byNode.get(nodeId); // in path order: the first node naming a tracker is the one that counts
        if (!m || decision.branches[nodeId] !== m.spendingBranch || settled.has(nodeId)) continue;
        settled.add(nodeId);
        try {
          const earlier = countedBy.get(m.tracker);
          let allowed: boolean;
          if (earlier) {
            const state = await meterStore.peekMeter(request(m));
            allowed = state.allowed || (earlier.counted && state.used <= m.allowance);
            used.set(m.nodeId, state.used);
          } else {
            const result = await meterStore.consumeMeter(request(m));
            if (result.allowed) countedBy.set(m.tracker, result);
            allowed = result.allowed;
            used.set(m.nodeId, result.used);
          }
          if (!allowed) {
            m.setState(facts, false);
            retry = true;
          }
        } catch (error) {
          unavailable(error, m);
          if (!allowOnFailure) retry = true;
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
    const allowance = m.allowance;
    const remaining =
      n === null ? null : decision.branches[nodeId] === m.exhaustedBranch ? 0 : Math.max(0, allowance - (n ?? 0));
    passed.push({ node: nodeId, tracker: m.tracker, allowance, remaining });
  }
  return { decision, meters: passed };
}
