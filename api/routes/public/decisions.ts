/** Public decision routes for sites: POST /v1/decisions (one or a batch) and GET /v1/decisions/:feature. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ClaimflowError, RequestContextSchema } from '../../../engine';
import type { AppContext } from '../../app-context';
import { readToken } from '../../auth';
import { SITE_KEY_QUERY } from '../../contract/release';
import { type DecideInput, decide } from '../../decisions/decide';
import { parse } from '../../lib/http-errors';
import { adminKeyOf, isAdminKey } from '../../plugins/admin-auth';
import { siteAccess } from '../../release/site-access';
import { parseAgainst } from '../../replay/replay-service';

export const VISITOR_COOKIE = 'cf_vid';
export const PREVIEW_HEADER = 'x-claimflow-preview';
const featureId = z.string().min(1).max(128);

const DecisionBodySchema = z
  .object({
    feature: featureId.optional(),
    features: z.array(featureId).min(1).max(50).optional(),
    context: RequestContextSchema.default({}),
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((b) => b.feature !== undefined || b.features !== undefined, {
    message: 'give "feature" (one feature id) or "features" (a batch of ids)',
    path: ['feature'],
  })
  .refine((b) => b.feature === undefined || b.features === undefined, {
    message: 'give "feature" (one) or "features" (a batch), not both',
    path: ['features'],
  });

/** The body must be a JSON object; anything else (null, an array, a string, no body) is named as such. */
function decisionBody(body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got =
      body === undefined ? 'no body' : body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body;
    throw new ClaimflowError(
      'CF_REQUEST_INVALID',
      `body: expected a JSON object such as {"feature": "article"}, got ${got}`,
      { field: 'body' },
    );
  }
  return parse(DecisionBodySchema, body);
}

/** The GET form takes the scalar context fields as query parameters. */
const GetQuerySchema = RequestContextSchema.pick({
  url: true,
  path: true,
  referrer: true,
  device: true,
  country: true,
  contentId: true,
})
  .extend({ dryRun: z.enum(['true', 'false']).optional() })
  .strict();

export async function decisionRoutes(app: FastifyInstance, ctx: AppContext): Promise<void> {
  const run = async (
    request: FastifyRequest,
    reply: FastifyReply,
    features: string[],
    batch: boolean,
    rest: Omit<DecideInput, 'features' | 'token' | 'visitorCookie' | 'preview'>,
  ) => {
    const started = performance.now();
    const token = readToken({ headers: request.headers, cookies: request.cookies }, ctx.runtime.settings.tokenSources);
    if (token.conflict)
      request.log.info({ source: token.source }, 'token sources disagree; using the precedence winner');
    const preview = previewOf(request, ctx.adminKey);
    const site = siteAccess(ctx, request);
    const out = await decide(ctx.decideDeps, {
      environment: site.environment,
      features,
      token,
      visitorCookie: request.cookies?.[VISITOR_COOKIE],
      preview,
      ...rest,
      dryRun: rest.dryRun || preview !== undefined,
    });
    if (out.setVisitorId)
      reply.setCookie(VISITOR_COOKIE, out.setVisitorId, {
        path: '/',
        httpOnly: true,
        sameSite: 'lax',
        maxAge: 60 * 60 * 24 * 400,
      });
    reply.header('cache-control', 'private, no-store');
    ctx.metrics.latency.observe({ route: batch ? 'batch' : 'single' }, (performance.now() - started) / 1000);
    return batch ? { decisions: out.answers, token: out.answers[0]?.token } : out.answers[0];
  };

  app.post(
    '/decisions',
    { schema: { tags: ['decisions'], summary: 'Decide for one feature or a batch' } },
    async (request, reply) => {
      const body = decisionBody(request.body);
      const batch = body.features !== undefined;
      return run(request, reply, batch ? (body.features as string[]) : [body.feature as string], batch, {
        context: body.context,
        dryRun: body.dryRun,
        userAgent: request.headers['user-agent'],
      });
    },
  );

  app.get<{ Params: { feature: string } }>(
    '/decisions/:feature',
    { schema: { tags: ['decisions'], summary: 'Decide for one feature (for sites and edge caches that cannot POST)' } },
    async (request, reply) => {
      const feature = parse(featureId, request.params.feature, 'params.feature');
      const { [SITE_KEY_QUERY]: _siteKey, ...query } = (request.query ?? {}) as Record<string, unknown>;
      const { dryRun, ...context } = parse(GetQuerySchema, query, 'query');
      return run(request, reply, [feature], false, {
        context,
        dryRun: dryRun === 'true',
        userAgent: request.headers['user-agent'],
      });
    },
  );
}

/** A preview header is honoured only with the admin key; it makes the request a dry run against that version. */
function previewOf(request: FastifyRequest, adminKey: string): 'draft' | number | undefined {
  const raw = request.headers[PREVIEW_HEADER];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (value === undefined || value === '') return undefined;
  if (!isAdminKey(adminKeyOf(request), adminKey))
    throw new ClaimflowError('CF_PREVIEW_FORBIDDEN', `the ${PREVIEW_HEADER} header needs a valid admin key`, {
      field: PREVIEW_HEADER,
    });
  const against = parseAgainst(value);
  if (against === null || against === 'published')
    throw new ClaimflowError('CF_REQUEST_INVALID', `${PREVIEW_HEADER} must be "draft" or a version number`, {
      field: PREVIEW_HEADER,
    });
  return against;
}
