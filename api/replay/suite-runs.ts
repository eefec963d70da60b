/**
 * Stored suites and what is run over them, for the admin replay routes: reading a suite file (CF_SUITE_INVALID
 * naming the case), loading a stored one (CF_SUITE_NOT_FOUND), replaying cases against a version, and the impact of
 * going from one version to another over a suite's cases or over recorded decisions turned into cases.
 */
import { ClaimflowError, impact, parseSuite, type ReplayCase, type Suite } from '../../engine';
import type { AppContext } from '../app-context';
import { compiledFor } from '../features/feature-service';
import type { Store, Suite as StoredSuite } from '../store/store';
import { type Against, caseFacts, logCase, replay, verifyCaseTokens } from './replay-service';
import { replayTarget } from './replay-target';

type Services = Pick<AppContext, 'store' | 'runtime'>;

/** A suite file read with the engine's schema; throws CF_SUITE_INVALID naming the field and case of the first problem. */
export function suiteOrThrow(body: unknown): Suite {
  const parsed = parseSuite(body);
  if (parsed.ok) return parsed.suite;
  const first = parsed.problems[0];
  throw new ClaimflowError(
    'CF_SUITE_INVALID',
    first.message,
    { field: first.field, caseName: first.caseName ?? undefined },
    parsed.problems,
  );
}

/** The stored suite `id` of a feature; throws CF_SUITE_NOT_FOUND. */
export async function loadSuite(store: Store, featureId: string, id: string): Promise<StoredSuite> {
  const s = await store.getSuite(`${featureId}/${id}`);
  if (!s)
    throw new ClaimflowError('CF_SUITE_NOT_FOUND', `feature "${featureId}" has no suite "${id}"`, { field: 'suite' });
  return s;
}

/**
 * Replays `cases` against the draft, the published version or a version number.
 * @example await runAgainst(ctx, 'article', 'draft', suite.cases)
 */
export async function runAgainst(ctx: Services, featureId: string, against: Against, cases: ReplayCase[]) {
  const version = await compiledFor(ctx.store, ctx.runtime, featureId, against);
  const target = await replayTarget(ctx, featureId, version);
  const run = await replay(target, cases);
  return { feature: featureId, against, version: version.version, run };
}

export interface ImpactRequest {
  from: Against;
  to: Against;
  /** Compare over a stored suite's cases, or over recorded decisions. */
  source: 'suite' | 'log';
  /** The suite (source `suite`). */
  suite?: string;
  /** Recorded decisions read (source `log`). */
  limit: number;
}

/**
 * What going from one version to another changes for each case: the cases of a stored suite, or the most recent
 * recorded decisions turned into cases. Throws CF_REQUEST_INVALID (`body.suite`) when a suite source names none.
 */
export async function impactOver(ctx: Services, featureId: string, request: ImpactRequest) {
  const from = await compiledFor(ctx.store, ctx.runtime, featureId, request.from);
  const to = await compiledFor(ctx.store, ctx.runtime, featureId, request.to);
  let cases: ReplayCase[];
  if (request.source === 'log') {
    cases = (await ctx.store.listDecisionLog(featureId, { limit: request.limit })).map((e, i) => logCase(e, i));
  } else {
    if (!request.suite)
      throw new ClaimflowError('CF_REQUEST_INVALID', 'body.suite: name the suite to compare over (or source "log")', {
        field: 'body.suite',
      });
    const s = await loadSuite(ctx.store, featureId, request.suite);
    cases = suiteOrThrow({ name: s.name, cases: s.cases }).cases;
  }
  const target = await replayTarget(ctx, featureId, from);
  const verified = await verifyCaseTokens(target, cases);
  const inputs = cases.map((c) => ({
    name: c.name,
    facts: caseFacts(target, [from.compiled, to.compiled], c, verified),
  }));
  return {
    feature: featureId,
    from: from.version,
    to: to.version,
    source: request.source,
    ...impact(from.compiled, to.compiled, inputs),
  };
}
