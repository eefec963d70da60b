/** Public decision routes for sites: POST /v1/decisions (one or a batch) and GET /v1/decisions/:feature. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../../../engine';
import type { AppContext } from '../../app-context';
import { readToken } from '../../auth';
import { contextOfQuery, decisionRoutesContract } from '../../contract/decisions';
import { type DecideInput, type DecisionAnswer, decide } from '../../decisions/decide';
import { adminKeyOf, isAdminKey } from '../../plugins/admin-auth';
import { hotSerializer } from '../../plugins/contract';
import { parseAgainst } from '../../replay/replay-service';

export const VISITOR_COOKIE = 'cf_vid';
export const PREVIEW_HEADER = 'x-claimflow-preview';
/** The body must be a JSON object; anything else (null, an array, a string, no body) is named as such. */
function requireObjectBody(body: unknown): void {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    const got =
      body === undefined ? 'no body' : body === null ? 'null' : Array.isArray(body) ? 'an array' : typeof body;
    throw new ClaimflowError(
      'CF_REQUEST_INVALID',
      `body: expected a JSON object such as {"feature": "article"}, got ${got}`,
      { field: 'body' },
    );
  }
}

export async function decisionRoutes(base: FastifyInstance, ctx: AppContext): Promise<void> {
  const app = base.withTypeProvider<ZodTypeProvider>();
  // answers are serialized with plain JSON.stringify on this warm path (checked against the schema in tests)
  const serializerCompiler = hotSerializer(ctx.checkResponses);
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
    const out = await decide(ctx.decideDeps, {
      features,
      token,
      visitorCookie: request.cookies?.[VISITOR_COOKIE],
      preview,
      ...rest,
      dryRun: rest.dryRun || preview !== undefined,
      partial: batch,
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
    return batch
      ? { decisions: out.entries ?? out.answers, token: { status: out.token.status, reason: out.token.reason } }
      : out.answers[0];
  };

  app.post(
    '/decisions',
    {
      schema: decisionRoutesContract.post,
      serializerCompiler,
      preValidation: async (request) => requireObjectBody(request.body),
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
    const answer = await run(request, reply, [feature], false, {
      context: contextOfQuery(request.query),
      dryRun: request.query.dryRun === 'true',
      userAgent: request.headers['user-agent'],
    });
    return answer as DecisionAnswer;
  });
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
