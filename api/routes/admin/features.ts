/** Admin: features, drafts, validation, publishing, versions, rollback, export and payload tests. */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  ClaimflowError,
  compileGraph,
  GraphShapeSchema,
  prepareEvaluator,
  type ReplayCase,
  RequestContextSchema,
} from '../../../engine';
import { actorOf, auditOf, authorOf } from '../../accounts/principal';
import type { AppContext } from '../../app-context';
import { type Tested, TestGraphSchema } from '../../contract/feature-test';
import {
  compiledFor,
  draftDiffers,
  emptyGraph,
  getFeatureOr404,
  publish,
  rollback,
  validateWithCatalogue,
} from '../../features/feature-service';
import { changeRequestView } from '../../features/release';
import { parse } from '../../lib/http-errors';
import { caseFacts, caseToken, parseAgainst, verifyCaseTokens } from '../../replay/replay-service';
import { replayTarget } from '../../replay/replay-target';

const featureIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'feature ids use letters, digits and _ . : - (at most 128)');
const entitlementList = z.array(z.string().min(1).max(128)).max(100);
const CreateBody = z
  .object({ id: featureIdSchema, name: z.string().min(1).max(200), customerEntitlements: entitlementList.default([]) })
  .strict();
const PatchBody = z
  .object({
    name: z.string().min(1).max(200).optional(),
    customerEntitlements: entitlementList.optional(),
    settings: z.object({ requireSuite: z.boolean().optional() }).strict().optional(),
  })
  .strict();
const DraftBody = z.object({ graph: GraphShapeSchema }).strict();
const ValidateBody = z.object({ graph: z.unknown().optional() }).strict();
const PublishBody = z
  .object({ note: z.string().max(2000).default(''), author: z.string().min(1).max(200).default('admin') })
  .strict();
const RollbackBody = z
  .object({
    version: z.number().int().min(1),
    note: z.string().max(2000).optional(),
    author: z.string().min(1).max(200).default('admin'),
  })
  .strict();
const TestBody = z
  .object({
    against: z.union([z.literal('draft'), z.literal('published'), z.number().int().min(1)]).default('draft'),
    claims: z.record(z.string(), z.unknown()).optional(),
    token: z.string().max(16_384).optional(),
    context: RequestContextSchema.default({}),
    now: z.iso.datetime({ offset: true }).optional(),
    visitorId: z.string().max(256).optional(),
    trials: z.record(z.string(), z.enum(['allowed', 'exhausted'])).optional(),
    graph: TestGraphSchema.optional(),
  })
  .strict()
  .refine((b) => !(b.claims && b.token), { message: 'give claims or a token, not both', path: ['token'] })
  .refine((b) => b.graph === undefined || b.against === 'draft', {
    message: 'a graph is tested in place of the draft: send against "draft" (or leave it out) with a graph',
    path: ['against'],
  });
const versionParam = z.coerce.number().int().min(1);

export async function featureRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const { store, runtime } = ctx;

  /** 422 CF_ENTITLEMENT_UNKNOWN naming the body field (the store checks again inside its write transaction). */
  const checkEntitlements = async (ids: readonly string[] | undefined) => {
    if (!ids?.length) return;
    const known = new Set((await store.listEntitlements()).map((e) => e.id));
    ids.forEach((e, i) => {
      if (!known.has(e))
        throw new ClaimflowError('CF_ENTITLEMENT_UNKNOWN', `entitlement "${e}" does not exist`, {
          field: `body.customerEntitlements.${i}`,
        });
    });
  };

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
      draft: f.draft,
    };
  };

  app.get('/features', { config: { role: 'viewer' }, schema: { tags: ['features'] } }, async () => {
    const features = await store.listFeatures();
    return Promise.all(
      features.map(async (f) => {
        const { draft, ...rest } = await summary(f.id);
        return rest;
      }),
    );
  });

  app.post('/features', { config: { role: 'editor' }, schema: { tags: ['features'] } }, async (request, reply) => {
    const body = parse(CreateBody, request.body ?? {});
    await checkEntitlements(body.customerEntitlements);
    await store.createFeature(
      { ...body, draft: emptyGraph() },
      auditOf(request, 'feature.create', `feature:${body.id}`, { after: body }),
    );
    await runtime.reloadFeature(body.id);
    return reply.status(201).send(await summary(body.id));
  });

  app.get<{ Params: { id: string } }>(
    '/features/:id',
    { config: { role: 'viewer' }, schema: { tags: ['features'] } },
    async (request) => summary(request.params.id),
  );

  app.patch<{ Params: { id: string } }>(
    '/features/:id',
    { config: { role: 'editor' }, schema: { tags: ['features'] } },
    async (request) => {
      const body = parse(PatchBody, request.body ?? {});
      await checkEntitlements(body.customerEntitlements);
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
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/features/:id',
    { config: { role: 'admin' }, schema: { tags: ['features'] } },
    async (request, reply) => {
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
      return reply.status(204).send();
    },
  );

  app.put<{ Params: { id: string } }>(
    '/features/:id/draft',
    { config: { role: 'editor' }, schema: { tags: ['features'] } },
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

  app.post<{ Params: { id: string } }>(
    '/features/:id/validate',
    { config: { role: 'viewer' }, schema: { tags: ['features'] } },
    async (request) => {
      const body = parse(ValidateBody, request.body ?? {});
      const graph = body.graph ?? (await getFeatureOr404(store, request.params.id)).draft;
      return validateWithCatalogue(runtime, graph, 'publish');
    },
  );

  app.post<{ Params: { id: string } }>(
    '/features/:id/publish',
    { config: { role: 'publisher' }, schema: { tags: ['features'] } },
    async (request, reply) => {
      const body = parse(PublishBody, request.body ?? {});
      // The default environment; an environment requiring approval answers 202 with the change request opened.
      const out = await publish(ctx, request.params.id, ctx.environments.defaultName, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note,
      });
      if (out.status === 'pendingApproval')
        return reply.status(202).send({ ...out, changeRequest: changeRequestView(out.changeRequest) });
      return reply.status(201).send({ version: out.version, createdAt: out.createdAt });
    },
  );

  app.get<{ Params: { id: string } }>(
    '/features/:id/versions',
    { config: { role: 'viewer' }, schema: { tags: ['versions'] } },
    async (request) => {
      await getFeatureOr404(store, request.params.id);
      return store.listVersions(request.params.id);
    },
  );

  const loadVersion = async (id: string, raw: string) => {
    const n = parse(versionParam, raw, 'params.version');
    await getFeatureOr404(store, id);
    const v = await store.getVersion(id, n);
    if (!v)
      throw new ClaimflowError('CF_VERSION_NOT_FOUND', `feature "${id}" has no version ${n}`, { field: 'version' });
    return v;
  };

  app.get<{ Params: { id: string; version: string } }>(
    '/features/:id/versions/:version',
    { config: { role: 'viewer' }, schema: { tags: ['versions'] } },
    async (request) => {
      const { compiled, ...v } = await loadVersion(request.params.id, request.params.version);
      return v;
    },
  );

  app.get<{ Params: { id: string; version: string } }>(
    '/features/:id/versions/:version/export',
    {
      config: { role: 'viewer' },
      schema: { tags: ['versions'], summary: 'The compiled json-rules-engine rule set of a version' },
    },
    async (request, reply) => {
      const v = await loadVersion(request.params.id, request.params.version);
      reply.header('content-disposition', `attachment; filename="${request.params.id}-v${v.version}.rules.json"`);
      return v.compiled;
    },
  );

  app.post<{ Params: { id: string } }>(
    '/features/:id/rollback',
    { config: { role: 'publisher' }, schema: { tags: ['versions'] } },
    async (request, reply) => {
      const body = parse(RollbackBody, request.body ?? {});
      await loadVersion(request.params.id, String(body.version));
      const out = await rollback(ctx, request.params.id, ctx.environments.defaultName, body.version, {
        actor: actorOf(request.principal),
        author: authorOf(request, body.author),
        note: body.note,
      });
      if (out.status === 'pendingApproval')
        return reply.status(202).send({ ...out, changeRequest: changeRequestView(out.changeRequest) });
      return reply
        .status(201)
        .send({ version: out.version, createdAt: out.createdAt, rolledBackFrom: out.rolledBackFrom });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/features/:id/test',
    {
      config: { role: 'viewer' },
      schema: { tags: ['features'], summary: 'Test a payload against a graph sent with it, the draft or a version' },
    },
    async (request) => {
      const body = parse(TestBody, request.body ?? {});
      const against = parseAgainst(body.against);
      if (against === null)
        throw new ClaimflowError('CF_REQUEST_INVALID', 'body.against: draft, published or a version number', {
          field: 'body.against',
        });
      const feature = await getFeatureOr404(store, request.params.id);
      // A graph sent with the request (the editor's canvas) is tested as a draft would be, and never saved.
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
        ? { status: 'valid', reason: 'claims given as verified (test only)' }
        : (caseToken(verified, testCase) ?? { status: 'missing', reason: null });
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
    },
  );
}
