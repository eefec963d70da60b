/**
 * OpenFeature Remote Evaluation Protocol endpoints (OFREP core): `POST /ofrep/v1/evaluate/flags/:key` and the bulk
 * `POST /ofrep/v1/evaluate/flags` (ETag / If-None-Match -> 304), so the official OpenFeature OFREP providers work
 * unchanged. Decisions come from `api/decisions/decide.ts`, exactly as for `POST /v1/decisions`; the mapping
 * (flag key = feature id, value and variant = decision, reasons, metadata, error codes) is `api/contract/ofrep.ts`.
 * Single-flag evaluations are page views (trial meters count); bulk evaluations are dry runs (meters are read,
 * never counted), because web providers re-fetch every flag on each refresh.
 * The site key (header named by CLAIMFLOW_SITE_KEY_HEADER) picks the environment, as for decisions; none: the default
 * environment; unknown or revoked: 401 with `errorCode: GENERAL` and the CF_SITE_KEY_INVALID message.
 */
import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { type CompiledFeature, isClaimflowError, visitorFromClaims } from '../../../engine';
import {
  needsVisitorId,
  nodeKinds,
  OFREP_CONFIGURATION,
  type OfrepBulkEvaluationSuccess,
  type OfrepContextRead,
  type OfrepErrorCode,
  OfrepEvaluationRequestSchema,
  ofrepFailure,
  ofrepRoutesContract,
  ofrepStatus,
  ofrepSuccess,
  readOfrepContext,
} from '../../contract/ofrep';
import { type DecisionAnswer, decide, verifyVisitorToken } from '../../decisions/decide';
import { handlerValidates } from '../../plugins/contract';
import { routePlugin } from '../../plugins/define-plugin';
import { siteAccess } from '../../release/site-access';
import { publishedIn } from '../../runtime/runtime';

type Context = Extract<OfrepContextRead, { ok: true }>;
class OfrepError extends Error {
  constructor(
    readonly errorCode: OfrepErrorCode,
    readonly errorDetails: string,
  ) {
    super(errorDetails);
  }
}

const kindsCache = new WeakMap<CompiledFeature, ReadonlyMap<string, string>>();
function kindsOf(compiled: CompiledFeature): ReadonlyMap<string, string> {
  let kinds = kindsCache.get(compiled);
  if (!kinds) kindsCache.set(compiled, (kinds = nodeKinds(compiled)));
  return kinds;
}

/**
 * Parsed body -> context, or an OFREP error. The service's JSON parser (nesting limit, no `__proto__` keys) runs
 * first; its refusals reach this plugin's error handler and leave as PARSE_ERROR.
 */
function readBody(body: unknown): Context {
  const parsed = OfrepEvaluationRequestSchema.safeParse(body ?? {});
  if (!parsed.success) throw new OfrepError('PARSE_ERROR', 'the body must be an object with an object "context"');
  const read = readOfrepContext(parsed.data.context);
  if (!read.ok) throw new OfrepError(read.errorCode, read.errorDetails);
  return read;
}

/** Coded errors of the decision service -> OFREP error codes. */
function translate(error: unknown): OfrepError {
  if (error instanceof OfrepError) return error;
  if (isClaimflowError(error)) {
    if (error.code === 'CF_FEATURE_NOT_FOUND' || error.code === 'CF_FEATURE_NOT_PUBLISHED')
      return new OfrepError('FLAG_NOT_FOUND', error.message);
    if (error.code.startsWith('CF_TOKEN_')) return new OfrepError('INVALID_CONTEXT', `context.token: ${error.message}`);
    if (error.statusCode < 500) return new OfrepError('INVALID_CONTEXT', error.message);
  }
  return new OfrepError('GENERAL', 'the decision could not be made');
}

async function ofrepRoutesPlugin(base: FastifyInstance): Promise<void> {
  const ctx = base.claimflow;
  const app = base.withTypeProvider<ZodTypeProvider>();
  const c = ofrepRoutesContract;
  // Errors raised before a handler runs (bad JSON, too deep, unsupported media type, too large) keep the OFREP shape.
  app.setErrorHandler((error: { statusCode?: number; message?: string }, request, reply) => {
    const key = (request.params as { key?: string } | undefined)?.key;
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const details = `the request body cannot be read: ${error.message ?? 'bad request'}`;
      return reply
        .status(400)
        .send(key ? ofrepFailure(key, 'PARSE_ERROR', details) : { errorCode: 'PARSE_ERROR', errorDetails: details });
    }
    request.log.error({ err: error }, 'OFREP evaluation failed');
    const details = `an unexpected error happened (request ${request.id})`;
    return reply
      .status(500)
      .send(key ? ofrepFailure(key, 'GENERAL', details) : { errorCode: 'GENERAL', errorDetails: details });
  });
  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'private, no-cache');
    reply.header('access-control-expose-headers', 'ETag');
  });

  /** The site key's environment; an unknown or revoked key is answered 401 here (OFREP's unauthorized status). */
  const siteOr401 = (request: FastifyRequest, reply: FastifyReply) => {
    try {
      return siteAccess(ctx, request);
    } catch (error) {
      if (!isClaimflowError(error) || error.code !== 'CF_SITE_KEY_INVALID') throw error;
      reply.status(401).send({ errorCode: 'GENERAL', errorDetails: `${error.code}: ${error.message}` });
      return null;
    }
  };

  /** Anonymous visitors of features with split tests or meters need a targetingKey; null when the visitor is known. */
  const isAnonymous = async (c: Context) => {
    const { claims } = await verifyVisitorToken(ctx.runtime, ctx.metrics, tokenOf(c));
    return visitorFromClaims(claims, ctx.runtime.settings, ctx.runtime.catalogue).userId === null;
  };
  const tokenOf = (c: Context) => ({ token: c.token, source: c.token ? ('header' as const) : null, conflict: false });
  const answerOf = (key: string, answer: DecisionAnswer, compiled: CompiledFeature) => {
    if (answer.decision === null || typeof answer.version !== 'number')
      throw new OfrepError('GENERAL', `feature "${key}" reached no outcome`);
    return ofrepSuccess(
      key,
      { ...answer, decision: answer.decision, version: answer.version, tokenStatus: answer.token.status },
      kindsOf(compiled),
    );
  };

  app.get('/configuration', { schema: c.configuration }, async (request, reply) =>
    sendWithEtag(request.headers['if-none-match'], reply, OFREP_CONFIGURATION),
  );

  app.post(
    '/evaluate/flags/:key',
    // the handler reads the body itself so that every refusal is in OFREP's shape
    { schema: c.evaluateFlag, validatorCompiler: handlerValidates },
    async (request, reply) => {
      const key = request.params.key;
      const site = siteOr401(request, reply);
      if (!site) return reply;
      try {
        const c = readBody(request.body);
        const live = ctx.runtime.features.get(key);
        const published = live && publishedIn(live, site.environment);
        if (!published) throw new OfrepError('FLAG_NOT_FOUND', `no published feature "${key}"`);
        const compiled = published.compiled;
        if (c.targetingKey === null && needsVisitorId(compiled) && (await isAnonymous(c)))
          throw new OfrepError(
            'TARGETING_KEY_MISSING',
            `feature "${key}" keeps per-visitor state (split test or meter): give an anonymous visitor a targetingKey`,
          );
        const out = await decide(ctx.decideDeps, {
          environment: site.environment,
          features: [key],
          context: c.context,
          dryRun: false,
          token: tokenOf(c),
          visitorCookie: c.targetingKey ?? undefined,
          userAgent: request.headers['user-agent'],
        });
        return { ...answerOf(key, out.answers[0], compiled), cacheable: false };
      } catch (error) {
        const e = translate(error);
        if (e.errorCode === 'GENERAL') request.log.error({ err: error, feature: key }, 'OFREP evaluation failed');
        return reply.status(ofrepStatus(e.errorCode)).send(ofrepFailure(key, e.errorCode, e.errorDetails));
      }
    },
  );

  app.post(
    '/evaluate/flags',
    { schema: c.evaluateFlags, validatorCompiler: handlerValidates },
    async (request, reply) => {
      let c: Context;
      const site = siteOr401(request, reply);
      if (!site) return reply;
      try {
        c = readBody(request.body);
      } catch (error) {
        const e = translate(error);
        return reply.status(e.errorCode === 'GENERAL' ? 500 : 400).send({
          errorCode: e.errorCode,
          errorDetails: e.errorDetails,
        });
      }
      const published = [...ctx.runtime.features.values()]
        .map((f) => ({ id: f.feature.id, live: publishedIn(f, site.environment) }))
        .filter((f) => f.live !== null)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      const anonymous =
        c.targetingKey === null && published.some((f) => needsVisitorId(f.live!.compiled))
          ? await isAnonymous(c)
          : false;
      const flags: OfrepBulkEvaluationSuccess['flags'] = [];
      for (const f of published) {
        const key = f.id;
        const compiled = f.live!.compiled;
        if (anonymous && needsVisitorId(compiled)) {
          flags.push(ofrepFailure(key, 'TARGETING_KEY_MISSING', 'an anonymous visitor needs a targetingKey here'));
          continue;
        }
        try {
          const out = await decide(ctx.decideDeps, {
            environment: site.environment,
            features: [key],
            context: c.context,
            dryRun: true,
            token: tokenOf(c),
            visitorCookie: c.targetingKey ?? undefined,
            userAgent: request.headers['user-agent'],
          });
          flags.push(answerOf(key, out.answers[0], compiled));
        } catch (error) {
          const e = translate(error);
          if (e.errorCode === 'INVALID_CONTEXT')
            return reply.status(400).send({ errorCode: e.errorCode, errorDetails: e.errorDetails });
          if (e.errorCode === 'GENERAL') request.log.error({ err: error, feature: key }, 'OFREP evaluation failed');
          flags.push(ofrepFailure(key, e.errorCode, e.errorDetails));
        }
      }
      return sendWithEtag(request.headers['if-none-match'], reply, { flags });
    },
  );
}

/** The OFREP evaluation routes. */
export const ofrepRoutes = routePlugin('claimflow-ofrep-routes', ofrepRoutesPlugin);

/** Strong ETag over the body; 304 when the client already holds it. */
export function sendWithEtag(ifNoneMatch: string | undefined, reply: FastifyReply, body: unknown) {
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 27)}"`;
  reply.header('etag', etag);
  if (ifNoneMatch && matches(ifNoneMatch, etag)) return reply.status(304).send();
  return reply.type('application/json; charset=utf-8').send(json);
}

function matches(header: string, etag: string): boolean {
  return header
    .split(',')
    .map((t) => t.trim().replace(/^W\//, ''))
    .some((t) => t === '*' || t === etag);
}
