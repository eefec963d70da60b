/** Admin: replay suites (CRUD, import/export as JSON), runs against any version, impact analysis, decision log. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ClaimflowError, type ReplayCase } from '../../../engine';
import { auditOf } from '../../accounts/principal';
import { replayRoutesContract } from '../../contract/replay';
import { getFeatureOr404 } from '../../features/feature-service';
import { parse } from '../../lib/http-errors';
import { handlerValidates } from '../../plugins/contract';
import { routePlugin } from '../../plugins/define-plugin';
import { type Against, logCase, parseAgainst } from '../../replay/replay-service';
import { impactOver, loadSuite, runAgainst, suiteOrThrow } from '../../replay/suite-runs';
import { tokenCasesNoLongerVerifying } from '../../replay/token-check';

const suiteId = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'suite ids use letters, digits and _ . : - (at most 128)');

function againstOf(value: unknown, field: string): Against {
  const a = parseAgainst(value ?? 'published');
  if (a === null)
    throw new ClaimflowError('CF_REQUEST_INVALID', `${field}: draft, published or a version number`, { field });
  return a;
}

async function replayRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = replayRoutesContract;
  const { store, runtime } = ctx;

  const asFile = (s: { id: string; featureId: string; name: string; cases: unknown[] }) => ({
    $schema: 'https://claimflow.dev/schemas/suite.json',
    id: s.id.slice(s.featureId.length + 1),
    name: s.name,
    feature: s.featureId,
    cases: s.cases as ReplayCase[],
  });

  app.get('/suites/token-check', { config: { role: 'viewer' }, schema: c.tokenCheck }, async () =>
    tokenCasesNoLongerVerifying(store, runtime.settings),
  );

  app.get('/features/:id/suites', { config: { role: 'viewer' }, schema: c.list }, async (request) => {
    await getFeatureOr404(store, request.params.id);
    return (await store.listSuites(request.params.id)).map((s) => ({
      ...asFile(s),
      cases: undefined,
      caseCount: s.cases.length,
      updatedAt: s.updatedAt,
    }));
  });

  app.put(
    '/features/:id/suites/:suite',
    // the handler checks the suite file itself: CF_SUITE_INVALID naming the case
    { config: { role: 'editor' }, schema: c.put, validatorCompiler: handlerValidates },
    async (request) => {
      const id = parse(suiteId, request.params.suite, 'params.suite');
      await getFeatureOr404(store, request.params.id);
      const body = { ...((request.body ?? {}) as Record<string, unknown>) };
      delete body.id;
      const suite = suiteOrThrow(body);
      if (suite.feature !== undefined && suite.feature !== request.params.id)
        throw new ClaimflowError(
          'CF_SUITE_INVALID',
          `the suite is for feature "${suite.feature}", not "${request.params.id}"`,
          { field: 'feature' },
        );
      const previous = await store.getSuite(`${request.params.id}/${id}`);
      const saved = await store.putSuite(
        { id: `${request.params.id}/${id}`, featureId: request.params.id, name: suite.name, cases: suite.cases },
        auditOf(request, 'suite.put', `suite:${request.params.id}/${id}`, {
          before: previous && { name: previous.name, cases: previous.cases },
          after: { name: suite.name, cases: suite.cases },
        }),
      );
      return asFile(saved);
    },
  );

  app.get('/features/:id/suites/:suite', { config: { role: 'viewer' }, schema: c.get }, async (request) =>
    asFile(await loadSuite(store, request.params.id, request.params.suite)),
  );

  app.delete(
    '/features/:id/suites/:suite',
    { config: { role: 'editor' }, schema: c.delete },
    async (request, reply) => {
      const before = await loadSuite(store, request.params.id, request.params.suite);
      await store.deleteSuite(
        `${request.params.id}/${request.params.suite}`,
        auditOf(request, 'suite.delete', `suite:${request.params.id}/${request.params.suite}`, {
          before: { name: before.name, cases: before.cases },
        }),
      );
      return reply.status(204).send(null);
    },
  );

  app.post('/features/:id/suites/:suite/run', { config: { role: 'viewer' }, schema: c.run }, async (request) => {
    const body = request.body;
    const s = await loadSuite(store, request.params.id, request.params.suite);
    const suite = suiteOrThrow({ name: s.name, cases: s.cases });
    return runAgainst(ctx, request.params.id, againstOf(body.against, 'body.against'), suite.cases);
  });

  app.post(
    '/features/:id/replay',
    // the handler checks the cases as a suite: CF_SUITE_INVALID naming the case
    { config: { role: 'viewer' }, schema: c.replay, validatorCompiler: handlerValidates },
    async (request) => {
      const body = (request.body ?? {}) as { against?: unknown; cases?: unknown };
      const suite = suiteOrThrow({ name: 'adhoc', cases: body.cases ?? [] });
      return runAgainst(ctx, request.params.id, againstOf(body.against, 'body.against'), suite.cases);
    },
  );

  app.post('/features/:id/impact', { config: { role: 'viewer' }, schema: c.impact }, async (request) => {
    const body = request.body;
    const featureId = request.params.id;
    await getFeatureOr404(store, featureId);
    return impactOver(ctx, featureId, {
      from: againstOf(body.from, 'body.from'),
      to: againstOf(body.to, 'body.to'),
      source: body.source,
      suite: body.suite,
      limit: body.limit,
    });
  });

  app.get('/features/:id/log', { config: { role: 'viewer' }, schema: c.log }, async (request) => {
    await getFeatureOr404(store, request.params.id);
    return store.listDecisionLog(request.params.id, { limit: request.query.limit });
  });

  app.post('/features/:id/log/cases', { config: { role: 'viewer' }, schema: c.logCases }, async (request) => {
    const body = request.body;
    await getFeatureOr404(store, request.params.id);
    const entries = await store.listDecisionLog(request.params.id, { limit: body.limit });
    return {
      name: `recorded ${request.params.id}`,
      feature: request.params.id,
      cases: entries.map((e, i) => logCase(e, i)),
    };
  });
}

/** Suites, replay runs, impact analysis and the decision log. */
export const replayRoutes = routePlugin('claimflow-replay-routes', replayRoutesPlugin);
