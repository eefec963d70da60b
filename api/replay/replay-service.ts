/**
 * Replays a suite against one version of a feature, in-process with the fast evaluator. The source of versions,
 * catalogue and token verification is injected (the running service and the offline CLI provide their own).
 * Token cases are verified first (async), then every case is evaluated synchronously; replay never counts meters.
 */
import {
  bucketFacts,
  type CaseFacts,
  type CatalogueIndex,
  type CompiledFeature,
  decisionFacts,
  type Facts,
  type IdentitySettings,
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
  verify(token: string): Promise<TokenCheck>;
}

/** Default meter state for replay: every trial node allowed unless the case says otherwise. */
function trialsFor(compiled: readonly CompiledFeature[], given: Record<string, 'allowed' | 'exhausted'> | undefined) {
  const out: Record<string, 'allowed' | 'exhausted'> = {};
  for (const c of compiled) for (const n of c.nodes) if (n.type === 'trial') out[n.id] = given?.[n.id] ?? 'allowed';
  return out;
}

/** Verifies every distinct token of the cases once (async), before the synchronous evaluation. */
export async function verifyCaseTokens(target: Pick<ReplayTarget, 'verify'>, cases: readonly ReplayCase[]) {
  const verified = new Map<string, TokenCheck>();
  for (const c of cases) {
    const token = c.input.token;
    if (token !== undefined && !verified.has(token)) verified.set(token, await target.verify(token));
  }
  return verified;
}

/**
 * The facts of one case, exactly as a live decision would build them (same visitor mapping, request facts and
 * bucket assignment), for every compiled version given (impact analysis evaluates two).
 */
export function caseFacts(
  target: Pick<ReplayTarget, 'identity' | 'catalogue' | 'customerEntitlements'>,
  compiled: readonly CompiledFeature[],
  c: ReplayCase,
  verified: Map<string, TokenCheck>,
): Facts {
  let claims: Record<string, unknown> | null = null;
  let status: TokenStatus = 'missing';
  if (c.input.claims) {
    claims = c.input.claims;
    status = 'valid';
  } else if (c.input.token !== undefined) {
    const check = verified.get(c.input.token) as TokenCheck;
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
    now: c.input.now ? Date.parse(c.input.now) : Date.now(),
    buckets: Object.assign({}, ...compiled.map((x) => bucketFacts(x, visitorId))),
    trials: trialsFor(compiled, c.input.trials),
  });
}

/**
 * @example const run = await replay(target, suite.cases, (done, total) => bar.update(done, total)); run.summary
 */
export async function replay(
  target: ReplayTarget,
  cases: readonly ReplayCase[],
  onProgress?: (done: number, total: number) => void,
): Promise<SuiteRun> {
  const verified = await verifyCaseTokens(target, cases);
  const toFacts = (c: ReplayCase): CaseFacts => ({
    ok: true,
    facts: caseFacts(target, [target.compiled], c, verified),
  });
  return runSuite(target.compiled, cases, toFacts, onProgress);
}
