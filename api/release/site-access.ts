/**
 * Site keys on the public API (decisions, OFREP, snapshot): which environment answers a request, and which browser
 * origins may call (CORS). A key travels in the site key header (default `x-claimflow-site-key`) or, on GET, in the
 * `siteKey` query parameter. No key: the default environment. An unknown or revoked key: 401 CF_SITE_KEY_INVALID.
 * Keys are resolved from the runtime's in-memory map (reloaded when a key is created or revoked on any instance), so
 * the warm decision path makes no store round trip for them.
 *
 * CORS on `/v1` and `/ofrep/v1`: a request with a key whose origins are listed is allowed from those origins; without
 * a key (or a key listing none), from CLAIMFLOW_CORS_ORIGINS. Preflights carry no key: they are answered for any origin
 * that some active key or the configuration allows, and the real request is then checked against its own key.
 * Requests without an `Origin` header (servers) skip all of it.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ClaimflowError } from '../../engine';
import type { AppContext } from '../app-context';
import { SITE_KEY_QUERY } from '../contract/release';
import { PLUGIN, sharedPlugin } from '../plugins/define-plugin';
import type { SiteKey } from '../store/store';

export interface SiteAccess {
  /** The store key of the environment (undefined: the default one). */
  environment: string | undefined;
  /** The environment's name. */
  environmentName: string;
  key: SiteKey | null;
}

const NO_KEY_CACHE = new WeakMap<object, SiteAccess>();

/** The raw key a request names (header first, then the `siteKey` query parameter), or undefined. */
export function siteKeyOf(request: FastifyRequest, header: string): string | undefined {
  const raw = request.headers[header];
  const fromHeader = Array.isArray(raw) ? raw[0] : raw;
  if (fromHeader) return fromHeader;
  const q = request.query as Record<string, unknown> | undefined;
  const fromQuery = q?.[SITE_KEY_QUERY];
  return typeof fromQuery === 'string' && fromQuery !== '' ? fromQuery : undefined;
}

/**
 * The environment a public request is answered from, counted in `claimflow_site_key_requests_total`.
 * @example const { environment } = siteAccess(ctx, request)
 */
export function siteAccess(ctx: AppContext, request: FastifyRequest): SiteAccess {
  const value = siteKeyOf(request, ctx.siteKeyHeader);
  let access: SiteAccess;
  if (value === undefined) {
    access = NO_KEY_CACHE.get(ctx.environments) ?? {
      environment: undefined,
      environmentName: ctx.environments.defaultName,
      key: null,
    };
    NO_KEY_CACHE.set(ctx.environments, access);
  } else {
    const key = ctx.runtime.siteKeys.get(value);
    if (!key)
      throw new ClaimflowError('CF_SITE_KEY_INVALID', 'the site key is unknown or revoked', {
        field: request.headers[ctx.siteKeyHeader] ? ctx.siteKeyHeader : `query.${SITE_KEY_QUERY}`,
      });
    access = { environment: ctx.environments.storeKey(key.environment), environmentName: key.environment, key };
  }
  ctx.metrics.siteKeyRequests.inc({ site_key: access.key?.name ?? 'none', environment: access.environmentName });
  return access;
}

/** CORS for the public prefixes, from site keys and CLAIMFLOW_CORS_ORIGINS (see the file comment). */
export function installSiteCors(app: FastifyInstance, ctx: AppContext, configured: readonly string[]): void {
  const always = new Set(configured);
  const isPublic = (url: string) => url.startsWith('/v1/') || url.startsWith('/ofrep/v1/');
  const allowFor = (request: FastifyRequest, origin: string): boolean => {
    const value = siteKeyOf(request, ctx.siteKeyHeader);
    const key = value === undefined ? undefined : ctx.runtime.siteKeys.get(value);
    if (key && key.origins.length > 0) return key.origins.includes(origin);
    if (value !== undefined && !key) return always.has(origin) || ctx.runtime.siteKeyOrigins.has(origin); // the 401 stays readable
    return always.has(origin);
  };
  const allowHeaders = (reply: FastifyReply, origin: string) =>
    reply
      .header('access-control-allow-origin', origin)
      .header('access-control-allow-credentials', 'true')
      .header('vary', 'Origin');

  // a callback hook: it runs on every request (an async one costs a promise and a microtask turn each time)
  app.addHook('onRequest', (request, reply, done) => {
    const origin = request.headers.origin;
    if (origin === undefined || request.method === 'OPTIONS' || !isPublic(request.url)) return done();
    try {
      if (allowFor(request, origin)) allowHeaders(reply, origin);
    } catch (error) {
      return done(error as Error);
    }
    done();
  });

  const preflight = async (request: FastifyRequest, reply: FastifyReply) => {
    const origin = request.headers.origin;
    if (origin && (always.has(origin) || ctx.runtime.siteKeyOrigins.has(origin) || allowFor(request, origin))) {
      allowHeaders(reply, origin)
        .header('access-control-allow-methods', 'GET, POST')
        .header('access-control-max-age', '600');
      const asked = request.headers['access-control-request-headers'];
      if (asked) reply.header('access-control-allow-headers', asked);
    }
    return reply.status(204).send();
  };
  app.options('/v1/*', { schema: { hide: true } }, preflight);
  app.options('/ofrep/v1/*', { schema: { hide: true } }, preflight);
}

/** Site CORS at the root, for the public prefixes (see the file comment). */
export const siteCors = sharedPlugin<{ origins: readonly string[] }>(
  PLUGIN.siteCors,
  async (app, options) => installSiteCors(app, app.claimflow, options.origins),
  { plugins: [PLUGIN.context], decorators: ['claimflow'] },
);
