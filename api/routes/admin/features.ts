/** Admin: features, drafts, validation, publishing, versions, rollback, export and payload tests. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import { actorOf, auditOf, authorOf } from '../../accounts/principal';
import { DraftBody, featureRoutesContract, type GraphView } from '../../contract/features';
import {
  checkEntitlementsExist,
  draftDiffers,
  emptyGraph,
  getFeatureOr404,
  publish,
  rollback,
  validateWithCatalogue,
} from '../../features/feature-service';
import { testFeature } from '../../features/feature-test';
import { pendingView } from '../../features/release';
import { parse } from '../../lib/http-errors';
import { handlerValidates } from '../../plugins/contract';
import { routePlugin } from '../../plugins/define-plugin';

async function featureRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = featureRoutesContract;
  const { store, runtime } = ctx;

  const summary = async (id: string) => {
    const f = await getFeatureOr404(store, id);
    const published = f.publishedVersion === null ? null : await store.getVersion(id, f.publishedVersion);
    return {
      id: f.id,
      name: f.name,
      customerEntitlements: f.customerEntitlements,
      settings: f.settings,
      publishedVersion: f.publishedVersion,
      draftDiffers: published === null ? true : draftDiffers(f.draft, published.graph),
      draftUpdatedAt: f.draftUpdatedAt,
      updatedAt: f.updatedAt,
      draft: f.draft as GraphView,
    };
  };

  app.get('/features', { config: { role: 'viewer' }, schema: c.list }, async () => {
    const features = await store.listFeatures();
    return Promise.all(
      features.map(async (f) => {
        const { draft, ...rest } = await summary(f.id);
        return rest;
      }),
    );
  });

  app.post('/features', { config: { role: 'editor' }, schema: c.create }, async (request, reply) => {
    const body = request.body;
    await checkEntitlementsExist(store, body.customerEntitlements, 'body.customerEntitlements');
    await store.createFeature(
      { ...body, draft: emptyGraph() },
      auditOf(request, 'feature.create', `feature:${body.id}`, { after: body }),
    );
    await runtime.reloadFeature(body.id);
    return reply.status(201).send(await summary(body.id));
  });

  app.get('/features/:id', { config: { role: 'viewer' }, schema: c.get }, async (request) =>
    summary(request.params.id),
  );

  app.patch('/features/:id', { config: { role: 'editor' }, schema: c.patch }, async (request) => {
    const body = request.body;
    await checkEntitlementsExist(store, body.customerEntitlements, 'body.customerEntitlements');
    const before = await getFeatureOr404(store, request.params.id);
    await store.updateFeature(
      request.params.id,
      body,
      auditOf(request, 'feature.update', `feature:${request.params.id}`, {
        before: { name: before.name, customerEntitlements: before.customerEntitlements, settings: before.settings },
        afterOf: (f) => ({ name: f.name, customerEntitlements: f.customerEntitlements, settings: f.settings }),
      }),
    );
    await runtime.reloadFeature(request.params.id);
    return summary(request.params.id);
  });

  app.delete('/features/:id', { config: { role: 'admin' }, schema: c.delete }, async (request, reply) => {
    const before = await store.getFeature(request.params.id);
    if (
      !(await store.deleteFeature(
        request.params.id,
        auditOf(request, 'feature.delete', `feature:${request.params.id}`, {
          before: before && { name: before.name, publishedVersion: before.publishedVersion },
        }),
      ))
    )
      throw new ClaimflowError('CF_FEATURE_NOT_FOUND', `no feature "${request.params.id}"`, { field: 'feature' });
    await runtime.reloadFeature(request.params.id);
    return reply.status(204).send(null);
  });

  app.put(
    '/features/:id/draft',
    // the handler checks the shape (CF_GRAPH_INVALID) and stores the graph exactly as sent (no defaults filled in)
    { config: { role: 'editor' }, schema: c.saveDraft, validatorCompiler: handlerValidates },
    async (request) => {
      const body = parse(DraftBody, request.body ?? {}, 'body', 'CF_GRAPH_INVALID');
      const before = await getFeatureOr404(store, request.params.id);
      const saved = await store.saveDraft(
        request.params.id,
        (request.body as { graph: unknown }).graph,
        auditOf(request, 'feature.draft.save', `feature:${request.params.id}`, {
          before: { draft: before.draft },
          after: { draft: body.graph },
        }),
      );
      return { savedAt: saved.draftUpdatedAt, problems: validateWithCatalogue(runtime, body.graph, 'draft').problems };
    },
  );

  app.post('/features/:id/validate', { config: { role: 'viewer' }, schema: c.validate }, async (request) => {
    const body = request.body;
    const graph = body.graph ?? (await getFeatureOr404(store, request.params.id)).draft;
    return validateWithCatalogue(runtime, graph, 'publish');
  });

  app.post('/features/:id/publish', { config: { role: 'publisher' }, schema: c.publish }, async (request, reply) => {
    const body = request.body;
    // The default environment; an environment requiring approval answers 202 with the change request opened.
    const out = await publish(ctx, request.params.id, ctx.environments.defaultName, {
      actor: actorOf(request.principal),
      author: authorOf(request, body.author),
      note: body.note,
    });
    if (out.status === 'pendingApproval') return reply.status(202).send(pendingView(out));
    // a publish that went live always carries its version's creation time
    return reply.status(201).send({ version: out.version, createdAt: out.createdAt! });
  });

  app.get('/features/:id/versions', { config: { role: 'viewer' }, schema: c.versions }, async (request) => {
    await getFeatureOr404(store, request.params.id);
    return store.listVersions(request.params.id);
  });

  const loadVersion = async (id: string, n: number) => {
    await getFeatureOr404(store, id);
    const v = await store.getVersion(id, n);
    if (!v)
      throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${id}" has no version ${n}`, { field: 'version' });
    return v;
  };

  app.get('/features/:id/versions/:version', { config: { role: 'viewer' }, schema: c.version }, async (request) => {
    const { compiled, ...v } = await loadVersion(request.params.id, request.params.version);
    return { ...v, graph: v.graph as GraphView };
  });

  app.get(
    '/features/:id/versions/:version/export',
    { config: { role: 'viewer' }, schema: c.export },
    async (request, reply) => {
      const v = await loadVersion(request.params.id, request.params.version);
      reply.header('content-disposition', `attachment; filename="${request.params.id}-v${v.version}.rules.json"`);
      return v.compiled;
    },
  );

  app.post('/features/:id/rollback', { config: { role: 'publisher' }, schema: c.rollback }, async (request, reply) => {
    const body = request.body;
    const out = await rollback(ctx, request.params.id, ctx.environments.defaultName, body.version, {
      actor: actorOf(request.principal),
      author: authorOf(request, body.author),
      note: body.note,
    });
    if (out.status === 'pendingApproval') return reply.status(202).send(pendingView(out));
    return reply
      .status(201)
      .send({ version: out.version, createdAt: out.createdAt!, rolledBackFrom: out.rolledBackFrom ?? body.version });
  });

  app.post('/features/:id/test', { config: { role: 'viewer' }, schema: c.test }, async (request) =>
    testFeature(ctx, request.params.id, request.body),
  );
}

/** Features, drafts, versions, publish, rollback and the payload test. */
export const featureRoutes = routePlugin('claimflow-feature-routes', featureRoutesPlugin);
