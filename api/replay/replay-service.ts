/**
 * Replays a suite against one version of a feature, in-process with the fast evaluator. The source of versions,
 * catalogue and token verification is injected (the running service and the offline CLI provide their own).
 * Token cases are verified first (async) at the case's own clock (`now`, else the run's start), so a stored suite
 * does not break by itself as time passes; then every case is evaluated synchronously; replay never counts meters.
 */
import {
  assignState,
  type CaseFacts,
  type CaseResult,
  type CatalogueIndex,
  type CompiledFeature,
  decisionFacts,
  emptyState,
  type Facts,
  type IdentitySettings,
  meterUses,
  type ReplayCase,
  requestFacts,
  runSuite,
  type SuiteRun,
  type TokenStatus,
  visitorFromClaims,
  visitorKey,
} from '../../engine';

export type Against = 'draft' | 'published' | number;

/** Parses `draft`, `published` or a version number; null when it is none of them. */
export function parseAgainst(value: unknown): Against | null {
  if (value === 'draft' || value === 'published') return value;
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^[1-9]\d{0,8}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n >= 1 ? n : null;
}

export type TokenCheck =
  | { status: 'valid'; claims: Record<string, unknown> }
  | { status: Exclude<TokenStatus, 'valid' | 'missing'>; reason: string };

export interface ReplayTarget {
  compiled: CompiledFeature;
  /** The version number, or 'draft'. */
  version: number | 'draft';
  customerEntitlements: readonly string[];
  identity: IdentitySettings;
  catalogue: CatalogueIndex;
  /** Verifies `token` as if the clock read `at` (epoch ms) for `exp`/`nbf`. */
  verify(token: string, at: number): Promise<TokenCheck>;
}

/** The token status a case ran with (null when the case gives no token: claims or an anonymous visitor). */
export interface CaseToken {
  status: TokenStatus;
  reason: string | null;
}

export interface ReplayCaseResult extends CaseResult {
  token: CaseToken | null;
}

export interface ReplayRun extends Omit<SuiteRun, 'results'> {
  results: ReplayCaseResult[];
}

/** The distinct (token, clock) pairs of some cases, verified; `now` is the clock of cases without their own. */
export interface VerifiedTokens {
  now: number;
  checks: Map<string, TokenCheck>;
}

/** The instant a case runs at (epoch ms): its `now`, else `fallback`. */
export function caseClock(c: ReplayCase, fallback: number): number {
  const at = c.input.now ? Date.parse(c.input.now) : Number.NaN;
  return Number.isNaN(at) ? fallback : at;
}

const checkKey = (token: string, at: number) => `${at}:${token}`;

/** The verification of a case's token, or null when the case has none. */
export function tokenCheckOf(verified: VerifiedTokens, c: ReplayCase): TokenCheck | null {
  if (c.input.claims || c.input.token === undefined) return null;
  return verified.checks.get(checkKey(c.input.token, caseClock(c, verified.now))) ?? null;
}

/** The token status and reason shown for a case. */
export function caseToken(verified: VerifiedTokens, c: ReplayCase): CaseToken | null {
  const check = tokenCheckOf(verified, c);
  if (!check) return null;
  return check.status === 'valid' ? { status: 'valid', reason: null } : { status: check.status, reason: check.reason };
}

/**
 * The per-visitor state of a case: sticky assignments for its visitor in every compiled version, and every meter with
 * uses left unless the case says it is exhausted (`trials`: node id -> 'allowed' | 'exhausted'). Replay never counts.
 */
function caseState(
  compiled: readonly CompiledFeature[],
  visitorId: string,
  given: Record<string, 'allowed' | 'exhausted'> | undefined,
) {
  const state = emptyState();
  for (const c of compiled) {
    assignState(c, visitorId, state);
    // The feature id only names default trackers, which replay never touches.
    for (const m of meterUses(c, '')) m.setState(state, given?.[m.nodeId] !== 'exhausted');
  }
  return state;
}

/**
 * Verifies every distinct (token, case clock) pair of the cases once (async), before the synchronous evaluation.
 * @example const verified = await verifyCaseTokens(target, cases); caseToken(verified, cases[0])
 */
export async function verifyCaseTokens(
  target: Pick<ReplayTarget, 'verify'>,
  cases: readonly ReplayCase[],
  now = Date.now(),
): Promise<VerifiedTokens> {
  const checks = new Map<string, TokenCheck>();
  for (const c of cases) {
    const token = c.input.token;
    if (token === undefined || c.input.claims) continue;
    const at = caseClock(c, now);
    const key = checkKey(token, at);
    if (!checks.has(key)) checks.set(key, await target.verify(token, at));
  }
  return { now, checks };
}

/**
 * The facts of one case, exactly as a live decision would build them (same visitor mapping, request facts and
 * bucket assignment), for every compiled version given (impact analysis evaluates two).
 */
export function caseFacts(
  target: Pick<ReplayTarget, 'identity' | 'catalogue' | 'customerEntitlements'>,
  compiled: readonly CompiledFeature[],
  c: ReplayCase,
  verified: VerifiedTokens,
): Facts {
  let claims: Record<string, unknown> | null = null;
  let status: TokenStatus = 'missing';
  if (c.input.claims) {
    claims = c.input.claims;
    status = 'valid';
  } else if (c.input.token !== undefined) {
    const check = tokenCheckOf(verified, c);
    if (!check) throw new TypeError(`case "${c.name}": its token was not verified first (verifyCaseTokens)`);
    status = check.status;
    if (check.status === 'valid') claims = check.claims;
  }
  const visitor = visitorFromClaims(claims, target.identity, target.catalogue);
  const visitorId = visitorKey(visitor, c.input.visitorId ?? c.name);
  return decisionFacts({
    visitor,
    customerEntitlements: target.customerEntitlements,
    request: requestFacts(c.input.context ?? {}),
    tokenStatus: status,
    now: caseClock(c, verified.now),
    state: caseState(compiled, visitorId, c.input.trials),
  });
}

/**
 * @example const run = await replay(target, suite.cases, (done, total) => bar.update(done, total)); run.summary
 */
export async function replay(
  target: ReplayTarget,
  cases: readonly ReplayCase[],
  onProgress?: (done: number, total: number) => void,
): Promise<ReplayRun> {
  const verified = await verifyCaseTokens(target, cases);
  const toFacts = (c: ReplayCase): CaseFacts => ({
    ok: true,
    facts: caseFacts(target, [target.compiled], c, verified),
  });
  const run = runSuite(target.compiled, cases, toFacts, onProgress);
  return { ...run, results: run.results.map((r, i) => ({ ...r, token: caseToken(verified, cases[i]) })) };
}

/** A recorded decision as a replay case expecting what was decided (claims redacted as recorded). */
export function logCase(e: { at: string; input: unknown; decision: string | null }, i: number): ReplayCase {
  const input = (e.input ?? {}) as {
    claims?: Record<string, unknown> | null;
    context?: Record<string, unknown>;
    now?: string;
  };
  const c: ReplayCase = { name: `recorded ${i + 1} (${e.at})`, input: {}, expect: { decision: e.decision } };
  if (input.claims) c.input.claims = input.claims;
  if (input.context && Object.keys(input.context).length)
    c.input.context = input.context as ReplayCase['input']['context'];
  if (input.now) c.input.now = input.now;
  return c;
}
