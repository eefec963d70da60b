/** Public decision routes for sites: POST /v1/decisions (one or a batch) and GET /v1/decisions/:feature. */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import type { AppContext } from '../../app-context';
import { readToken } from '../../auth';
import { contextOfQuery, decisionRoutesContract } from '../../contract/decisions';
import { needsVisitorId } from '../../contract/ofrep';
import { type DecideInput, type DecisionAnswer, decide } from '../../decisions/decide';
import { hotSerializer } from '../../plugins/contract';
import { PLUGIN, routePlugin } from '../../plugins/define-plugin';
import { siteAccess } from '../../release/site-access';
import { parseAgainst } from '../../replay/replay-service';

export const VISITOR_COOKIE = 'cf_vid';
export const PREVIEW_HEADER = 'x-claimflow-preview';
/** The body must be a JSON object; anything else (null, an array, a string, no body) is named as such. */
function objectBodyProblem(body: unknown): ClaimflowError | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got =
      body === undefined ? 'no body' : body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body;
    return new ClaimflowError(
      'CF_REQUEST_INVALID',
      `body: expected a JSON object such as {"feature": "article"}, got ${got}`,
      { field: 'body' },
    );
  }
}

async function decisionRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  // A preview header is checked by the admin side (api/plugins/admin-access.ts): refused ones count against the
  // failure limit shared with the admin API, before any handler runs.
  base.addHook('onRequest', (request, reply, done) => {
    if (request.headers[PREVIEW_HEADER] === undefined) return done();
    base.previewAuthLimit(request, reply).then(() => done(), done);
  });

  const app = base.withTypeProvider<ZodTypeProvider>();
  // answers are serialized with plain JSON.stringify on this warm path (checked against the schema in tests)
  const serializerCompiler = hotSerializer(ctx.checkResponses);
  const run = async (
    request: FastifyRequest,
    reply: FastifyReply,
    features: string[],
    batch: boolean,
    rest: Omit<DecideInput, 'features' | 'token' | 'visitorCookie' | 'preview'>,
    /** GET: the answer may be shared by a CDN when nothing in the request can make it differ between visitors. */
    shareable = false,
  ) => {
    const started = performance.now();
    const token = readToken({ headers: request.headers, cookies: request.cookies }, ctx.runtime.settings.tokenSources);
    if (token.conflict)
      request.log.info({ source: token.source }, 'token sources disagree; using the precedence winner');
    const preview =
      request.headers[PREVIEW_HEADER] === undefined ? undefined : await previewOf(request, base.authorizePreview);
    const site = siteAccess(ctx, request);
    const visitorCookie = request.cookies?.[VISITOR_COOKIE];
    const live = shareable ? ctx.runtime.features.get(features[0]) : undefined;
    const published = site.environment === undefined ? live?.published : live?.environments.get(site.environment);
    // no token, no visitor cookie, no preview, a feature with neither split tests nor meters: the same for everyone
    const publicCache =
      live && published && token.token === null && visitorCookie === undefined && preview === undefined
        ? needsVisitorId(published.compiled)
          ? null
          : { maxAgeSec: Number(live.feature.settings.cacheMaxAgeSec ?? 0) }
        : null;
    const out = await decide(ctx.decideDeps, {
      environment: site.environment,
      features,
      token,
      visitorCookie,
      preview,
      ...rest,
      dryRun: rest.dryRun || preview !== undefined,
      partial: batch,
    });
    if (shareable) reply.header('vary', varyOf(ctx));
    if (publicCache) {
      // no visitor id cookie either: this feature never uses one, and a shared answer must not carry one
      const json = JSON.stringify(out.answers[0]);
      const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
      reply.header('cache-control', `public, max-age=${publicCache.maxAgeSec}`).header('etag', etag);
      ctx.metrics.latency.observe({ route: 'single' }, (performance.now() - started) / 1000);
      if (etagMatches(request.headers['if-none-match'], etag)) return reply.status(304).send(null);
      return out.answers[0];
    }
    if (out.setVisitorId)
      reply.setCookie(VISITOR_COOKIE, out.setVisitorId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        maxAge: 60 * 60 * 24 * 400,
      });
    reply.header('cache-control', 'private, no-store');
    ctx.metrics.latency.observe({ route: batch ? 'batch' : 'single' }, (performance.now() - started) / 1000);
    return batch
      ? { decisions: out.entries ?? out.answers, token: { status: out.token.status, reason: out.token.reason } }
      : out.answers[0];
  };

  app.post(
    '/decisions',
    {
      schema: decisionRoutesContract.post,
      serializerCompiler,
      preValidation: (request, _reply, done) => done(objectBodyProblem(request.body)),
    },
    async (request, reply) => {
      const body = request.body;
      const batch = body.features !== undefined;
      return run(request, reply, batch ? (body.features as string[]) : [body.feature as string], batch, {
        context: body.context,
        dryRun: body.dryRun,
        userAgent: request.headers['user-agent'],
      });
    },
  );

  app.get('/decisions/:feature', { schema: decisionRoutesContract.get, serializerCompiler }, async (request, reply) => {
    const feature = request.params.feature;
    const answer = await run(
      request,
      reply,
      [feature],
      false,
      {
        context: contextOfQuery(request.query),
        dryRun: request.query.dryRun === 'true',
        userAgent: request.headers['user-agent'],
      },
      true,
    );
    return answer as DecisionAnswer;
  });
}

/** The decision routes (preview authorized by the admin side). */
export const decisionRoutes = routePlugin('claimflow-decision-routes', decisionRoutesPlugin, {
  plugins: [PLUGIN.context, PLUGIN.adminAccess],
  decorators: ['claimflow', 'authorizePreview', 'previewAuthLimit'],
});

/** Every request header that can change a decision: a CDN keeps one copy per combination. */
function varyOf(ctx: AppContext): string {
  const custom = ctx.runtime.settings.tokenSources.header;
  return ['Cookie', 'Authorization', 'User-Agent', PREVIEW_HEADER, ctx.siteKeyHeader, ...(custom ? [custom] : [])].join(
    ', ',
  );
}

function etagMatches(header: string | undefined, etag: string): boolean {
  return header?.split(',').some((t) => ['*', etag].includes(t.trim().replace(/^W\//, ''))) ?? false;
}

/**
 * A preview header is honoured only when the admin side authorizes it (the admin key or an API token in the
 * x-claimflow-admin-key header); it makes the request a dry run against that version.
 */
async function previewOf(
  request: FastifyRequest,
  authorize: (request: FastifyRequest) => Promise<boolean>,
): Promise<'draft' | number | undefined> {
  const raw = request.headers[PREVIEW_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return undefined;
  if (!(await authorize(request)))
    throw new ClaimflowError(
      'CF_PREVIEW_FORBIDDEN',
      `the ${PREVIEW_HEADER} header needs the admin key or an API token in the x-claimflow-admin-key header`,
      { field: PREVIEW_HEADER },
    );
  const against = parseAgainst(value);
  if (against === null || against === 'published')
    throw new ClaimflowError('CF_REQUEST_INVALID', `${PREVIEW_HEADER} must be "draft" or a version number`, {
      field: PREVIEW_HEADER,
    });
  return against;
}
