/**
 * Testing a feature on one sample visitor (`POST /admin/v1/features/:id/test`): the sample becomes a replay case, its
 * token is verified at the case's clock, its facts are built as the replay builds them, and the version (or a graph
 * sent instead of the draft: the editor's canvas, never saved) is evaluated with a trace.
 */
import type { z } from 'zod';
import { ClaimflowError, compileGraph, prepareEvaluator, type ReplayCase } from '../../engine';
import type { AppContext } from '../app-context';
import type { Tested } from '../contract/feature-test';
import type { TestBody, TestResult } from '../contract/features';
import { caseFacts, caseToken, parseAgainst, verifyCaseTokens } from '../replay/replay-service';
import { replayTarget } from '../replay/replay-target';
import { compiledFor } from './feature-service';
import { getFeatureOr404 } from './get-feature';

/** The sample visitor as the contract reads it (defaults applied). */
export type FeatureTestInput = z.output<typeof TestBody>;

/**
 * Evaluates the sample against `against` (draft, published or a version) or against `graph` in place of the draft.
 * Throws CF_FEATURE_NOT_FOUND, CF_VERSION_NOT_FOUND, CF_FEATURE_NOT_PUBLISHED, CF_REQUEST_INVALID (`body.against`:
 * unreadable, or other than the draft with a graph), and the graph's own compile errors.
 * @example await testFeature(ctx, 'article', { against: 'draft', claims: { sub: 'u1' }, context: {} })
 */
export async function testFeature(
  ctx: Pick<AppContext, 'store' | 'runtime'>,
  featureId: string,
  body: FeatureTestInput,
): Promise<TestResult> {
  const against = parseAgainst(body.against);
  if (against === null)
    throw new ClaimflowError('CF_REQUEST_INVALID', 'body.against: draft, published or a version number', {
      field: 'body.against',
    });
  if (body.graph !== undefined && against !== 'draft')
    throw new ClaimflowError(
      'CF_REQUEST_INVALID',
      'body.against: a graph is tested in place of the draft: send against "draft" (or leave it out) with a graph',
      { field: 'body.against' },
    );
  const { store, runtime } = ctx;
  const feature = await getFeatureOr404(store, featureId);
  const { compiled, version } = body.graph
    ? {
        compiled: compileGraph(body.graph, { mode: 'draft', catalogue: { productIds: runtime.productIds } }),
        version: 'draft' as const,
      }
    : await compiledFor(store, runtime, feature.id, against);
  const tested: Tested = body.graph ? 'graph' : version;
  const { against: _against, graph: _graph, ...input } = body;
  const testCase: ReplayCase = { name: 'test-visitor', input, expect: { decision: null } };
  const target = await replayTarget(ctx, feature.id, { compiled, version });
  const verified = await verifyCaseTokens(target, [testCase]);
  const facts = caseFacts(target, [compiled], testCase, verified);
  const token = body.claims
    ? { status: 'valid' as const, reason: 'claims given as verified (test only)' }
    : (caseToken(verified, testCase) ?? { status: 'missing' as const, reason: null });
  const d = prepareEvaluator(compiled).evaluate(facts, { trace: true });
  return {
    feature: feature.id,
    version,
    tested,
    decision: d.decision,
    payload: d.payload ?? null,
    userState: facts.userState,
    products: facts.products,
    entitlements: facts.entitlements,
    path: d.path,
    reasons: d.reasons,
    trace: d.trace,
    deadEnd: d.deadEnd ?? null,
    token,
  };
}
