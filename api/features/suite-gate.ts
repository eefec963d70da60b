/**
 * The `requireSuite` gate: a feature that requires its suites to pass can only go live (publish or rollback) with a
 * version under which every stored case passes.
 */
import { ClaimflowError, type CompiledFeature, parseSuite, type ReplayCase } from '../../engine';
import type { AppContext } from '../app-context';
import { replay } from '../replay/replay-service';
import { replayTarget } from '../replay/replay-target';
import type { Feature } from '../store/store';

export interface GateFailure {
  suite: string;
  case: string;
  mismatches: string[];
}

/**
 * Runs every stored suite of `feature` against `candidate` when `settings.requireSuite` is on.
 * Throws CF_SUITE_FAILED (details: the failing cases) naming the first failing suite and case; `action` words it.
 * @example await requireSuitesPass(ctx, feature, { compiled, version: 'draft' }, 'publishing')
 */
export async function requireSuitesPass(
  ctx: Pick<AppContext, 'store' | 'runtime'>,
  feature: Feature,
  candidate: { compiled: CompiledFeature; version: number | 'draft' },
  action: string,
): Promise<void> {
  if (feature.settings.requireSuite !== true) return;
  const target = await replayTarget(ctx, feature.id, candidate);
  const failing: GateFailure[] = [];
  for (const suite of await ctx.store.listSuites(feature.id)) {
    const parsed = parseSuite({ name: suite.name, cases: suite.cases });
    if (!parsed.ok) continue;
    const run = await replay(target, parsed.suite.cases as ReplayCase[]);
    for (const r of run.results)
      if (!r.pass) failing.push({ suite: suite.name, case: r.name, mismatches: r.mismatches });
  }
  if (failing.length > 0)
    throw new ClaimflowError(
      'CF_SUITE_FAILED',
      `${action} needs the feature's suites to pass: ${failing.length} case${failing.length === 1 ? '' : 's'} fail (first: ${failing[0].suite} / ${failing[0].case})`,
      {},
      failing,
    );
}
