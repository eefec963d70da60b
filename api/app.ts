/**
 * Builds the Claimflow service: public decision routes and admin routes as separate encapsulated plugins (the admin
 * key hook cannot leak into the public API), hygiene routes (health, readiness, metrics, OpenAPI docs) and the
 * built editor. Used by `api/main.ts` and by tests (`app.inject`).
 */

import { createHmac } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import csrf from '@fastify/csrf-protection';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../engine';
import { createOidc, type OidcOptions } from './accounts/oidc';
import type { AppContext } from './app-context';
import { describeResponses, SECURITY_SCHEMES } from './contract/common';
import { serviceRoutesContract } from './contract/service';
import type { DecideDeps } from './decisions/decide';
import { createDecisionEvaluator, createShadowChecker, type EvaluatorMode } from './decisions/evaluators';
import { createMetrics } from './decisions/metrics';
import { compiledFor } from './features/feature-service';
import { errorBody } from './lib/http-errors';
import { DEFAULT_JSON_MAX_DEPTH } from './lib/json-depth';
import { REDACTED_HEADERS, serializeRequest } from './lib/log-redact';
import { adminKeyOf, isAdminKey } from './plugins/admin-auth';
import { authRateLimit } from './plugins/auth-rate-limit';
import { authenticate, resolvePrincipal } from './plugins/authenticate';
import { installContract } from './plugins/contract';
import { installErrorHandler } from './plugins/error-handler';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors';
import { installJsonBodyParser } from './plugins/json-body';
import { installRouteTable, type RouteTable } from './plugins/route-table';
import { type AccountOptions, accountRoutes } from './routes/admin/accounts';
import { catalogueRoutes } from './routes/admin/catalogue';
import { featureRoutes } from './routes/admin/features';
import { oidcRoutes } from './routes/admin/oidc';
import { replayRoutes } from './routes/admin/replay';
import { settingsRoutes } from './routes/admin/settings';
import { ofrepRoutes } from './routes/ofrep/ofrep-routes';
import { decisionRoutes, PREVIEW_HEADER } from './routes/public/decisions';
import { snapshotRoutes } from './routes/snapshot/snapshot-routes';
import { Runtime } from './runtime/runtime';
import { scheduleMeterPruning } from './store/meters/prune-schedule';
import { openRedisMeterStore } from './store/meters/redis-meter-store';
import { openStore } from './store/open-store';
import type { MeterStore, Store } from './store/store';

export interface AppOptions {
  dataDir: string;
  adminKey: string;
  databaseUrl?: string;
  /** Use this store instead of opening one (it is then not closed with the app). */
  store?: Store;
  logger?: FastifyServerOptions['logger'];
  /** Site origins allowed to call `/v1` from browsers (credentialed CORS). */
  corsOrigins?: string[];
  /** Origins allowed to call `/admin/v1` from browsers; none by default (same-origin editor). */
  adminCorsOrigins?: string[];
  bodyLimit?: number;
  /** Deepest nesting of arrays and objects accepted in a JSON body (422 CF_JSON_TOO_DEEP beyond). */
  jsonMaxDepth?: number;
  /** Slow-client limits: complete headers, complete request, idle keep-alive connection. */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
  /** Failed admin authentications allowed per client address and window before 429 CF_AUTH_RATE_LIMITED. */
  adminAuthMaxFailures?: number;
  adminAuthWindowMs?: number;
  refreshIntervalMs?: number;
  meterFailureMode?: 'allow' | 'deny';
  /** The hot path's evaluator (default fast); json-rules-engine runs the exported rules themselves. */
  evaluator?: EvaluatorMode;
  /** Share of live decisions checked again by json-rules-engine off the hot path (0..1, default 0). */
  shadowSample?: number;
  /** `redis://...`: count trial meters in Redis instead of the store. */
  meterUrl?: string;
  /** Use this meter store (it is then not closed with the app). */
  meterStore?: MeterStore;
  /** How often expired meter uses are pruned (ms, default one hour; 0: never). */
  meterPruneIntervalMs?: number;
  /** Header carrying a site key on OFREP requests (accepted; site keys are not mapped yet). */
  siteKeyHeader?: string;
  /** Folder of the built editor; default `editor/dist` when it exists. null: do not serve it. */
  editorDir?: string | null;
  /** Sessions, cookies and sign-in limits of the people routes. */
  accounts?: AccountOptions;
  /** Single sign-on with an OpenID provider (off when absent). */
  oidc?: OidcOptions;
  /** The URL browsers reach the service at (for the single sign-on redirect URI); default: from the request. */
  publicUrl?: string;
  /** Trust X-Forwarded-* from a reverse proxy (so `Secure` cookies follow the client's HTTPS). */
  trustProxy?: boolean;
  /**
   * Compare every response with its declared schema and answer 500 naming any undeclared field (tests); otherwise
   * responses are serialized through their schema (undeclared fields dropped) except the warm decision routes.
   */
  checkResponses?: boolean;
}

export { REDACTED_HEADERS };

/** Logger options with the secret-free request serializer (query strings of admin routes never logged). */
function loggerOf(logger: AppOptions['logger']): FastifyServerOptions['logger'] {
  if (logger === undefined || logger === false) return false;
  const base = logger === true ? {} : logger;
  return {
    redact: { paths: REDACTED_HEADERS, censor: '[redacted]' },
    ...base,
    serializers: { ...base.serializers, req: serializeRequest as never },
  };
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const app = Fastify({
    logger: loggerOf(options.logger),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    trustProxy: options.trustProxy ?? false,
    frameworkErrors,
    clientErrorHandler,
    // requests arriving while the app closes get 503 CF_SHUTTING_DOWN from the hook below, in the error shape
    return503OnClosing: false,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    keepAliveTimeout: options.keepAliveTimeoutMs ?? 72_000,
    http: {
      headersTimeout,
      // how often Node looks for connections past the header or request timeout (its default is 30 s)
      connectionsCheckingInterval: Math.max(50, Math.min(1_000, Math.floor(headersTimeout / 4))),
    },
  });
  const checkResponses = options.checkResponses ?? false;
  installContract(app, { checkResponses });
  const routeTable = installRouteTable(app);
  app.decorate('routeTable', routeTable);
  installJsonBodyParser(app, { maxDepth: options.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH });
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onRequest', async (_request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw new ClaimflowError('CF_SHUTTING_DOWN', 'this instance is shutting down; retry on another');
    }
  });
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl }));
  const metrics = createMetrics();
  const runtime = new Runtime(store, app.log);
  runtime.verifierOptions = {
    onJwksFetch: (event) => {
      metrics.jwksFetches.inc({ result: event.result });
      if (event.result === 'success') metrics.jwksLastSuccess.set(event.at / 1000);
    },
  };
  await runtime.load();
  runtime.start(options.refreshIntervalMs ?? 5_000);
  const ownsMeters = options.meterStore === undefined && options.meterUrl !== undefined;
  const meters =
    options.meterStore ??
    (options.meterUrl ? await openRedisMeterStore({ url: options.meterUrl, requireConnection: false }) : undefined);
  const meterStats = (meters ?? store).meterBatchStats;
  if (meterStats) metrics.watchMeterBatches(() => meterStats());
  const stopPruning = scheduleMeterPruning({
    meters: store,
    everyMs: options.meterPruneIntervalMs ?? 3_600_000,
    onPruned: (rows) => metrics.metersPruned.inc(rows),
    onError: (err) => app.log.warn({ err }, 'pruning expired meter uses failed'),
  });
  const decideDeps: DecideDeps = {
    runtime,
    store,
    meters,
    metrics,
    meterFailureMode: options.meterFailureMode ?? 'deny',
    log: app.log,
    evaluator: createDecisionEvaluator(options.evaluator ?? 'fast'),
    shadow: createShadowChecker(options.shadowSample ?? 0, (r) => {
      metrics.shadowChecks.inc({ result: r.agreed ? 'agree' : 'disagree' });
      if (!r.agreed)
        app.log.warn(
          {
            feature: r.featureId,
            version: r.version,
            livePath: r.livePath,
            shadowPath: r.shadowPath,
            liveDecision: r.liveDecision,
            shadowDecision: r.shadowDecision,
          },
          'shadow check: json-rules-engine disagrees with the fast evaluator',
        );
    }),
    loadPreview: (featureId, against) => compiledFor(store, runtime, featureId, against),
  };
  const ctx: AppContext = {
    store,
    runtime,
    metrics,
    adminKey: options.adminKey,
    decideDeps,
    adminRoutes: [],
    checkResponses,
  };
  app.decorate('claimflow', ctx);

  installErrorHandler(app);
  // Signed cookies (the single sign-on flow) use a key derived from the admin key, shared by every instance.
  await app.register(cookie, {
    secret: createHmac('sha256', options.adminKey).update('claimflow cookies').digest('hex'),
  });
  // CSRF tokens are bound to the session (userInfo = session hash) and signed with a key derived from the admin key,
  // which every instance shares, so a token from one instance holds on the others.
  await app.register(csrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'cf_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true },
    getUserInfo: (request) => request.principal?.sessionHash ?? '',
    csrfOpts: { hmacKey: createHmac('sha256', options.adminKey).update('claimflow csrf').digest() },
  });
  if (!app.hasDecorator('createRateLimit')) await app.register(rateLimit, { global: false });
  // Site origins get CORS on /v1 and /ofrep/v1 (OpenFeature web providers) only; the admin API is same-origin unless
  // admin origins are listed.
  const corsFor = (origins: string[] | undefined) => ({
    origin: origins && origins.length > 0 ? origins : false,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    strictPreflight: false,
  });
  const siteCors = corsFor(options.corsOrigins);
  const adminCors = corsFor(options.adminCorsOrigins);
  const noCors = corsFor([]);
  // Without any configured origin no response carries CORS headers, so the plugin (whose per-request delegator
  // re-normalizes its options on every request, about 3% of a warm decision's CPU) is not registered at all.
  if (siteCors.origin !== false || adminCors.origin !== false)
    await app.register(cors, {
      delegator: (request, callback) =>
        callback(
          null,
          request.url.startsWith('/v1/') || request.url.startsWith('/ofrep/v1/')
            ? siteCors
            : request.url.startsWith('/admin/v1/')
              ? adminCors
              : noCors,
        ),
    });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Claimflow API',
        version: '1.0.0',
        description:
          'Decisions over verified JWT claims; admin API for features, versions and replay. The guide is docs/API.md; ' +
          'this document is generated from the schemas the service validates and serializes with (api/contract/).',
      },
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    transform: jsonSchemaTransform,
    transformObject: (documentObject) => describeResponses(jsonSchemaTransformObject(documentObject)),
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  const typed = app.withTypeProvider<ZodTypeProvider>();
  typed.get('/healthz', { schema: serviceRoutesContract.health }, async () => ({ ok: true as const }));
  typed.get('/readyz', { schema: serviceRoutesContract.ready }, async (_request, reply) => {
    const [storeCheck, keySet] = await Promise.all([storeReadiness(store), keySetReadiness(runtime)]);
    const ready = storeCheck.ok && keySet.ok;
    return reply
      .status(ready ? 200 : 503)
      .send({ ready, store: store.kind, features: runtime.features.size, checks: { store: storeCheck, keySet } });
  });
  typed.get('/metrics', { schema: serviceRoutesContract.metrics }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  // Failed admin-key checks, on the admin API and in preview headers of decisions, share one limit per address.
  const adminAuthLimit = await authRateLimit(app, {
    max: options.adminAuthMaxFailures ?? 20,
    windowMs: options.adminAuthWindowMs ?? 60_000,
    // Any valid credential (admin key, API token, session) is not a failure; sign-in has its own limits.
    authenticated: async (request) => {
      if (request.routeOptions.config.public === true) return true;
      if (isAdminKey(adminKeyOf(request), options.adminKey)) return true;
      return resolvePrincipal(request, ctx).then(
        (principal) => {
          request.principal = principal; // looked up once: the admin hook reuses it
          return true;
        },
        () => false,
      );
    },
  });
  await app.register(
    async (pub) => {
      pub.addHook('onRequest', async (request, reply) => {
        if (request.headers[PREVIEW_HEADER] !== undefined) await adminAuthLimit(request, reply);
      });
      await decisionRoutes(pub, ctx);
    },
    { prefix: '/v1' },
  );
  await app.register(async (sdk) => snapshotRoutes(sdk, ctx), { prefix: '/v1' });
  await app.register(async (ofrep) => ofrepRoutes(ofrep, ctx, { siteKeyHeader: options.siteKeyHeader }), {
    prefix: '/ofrep/v1',
  });
  await app.register(
    async (admin) => {
      admin.addHook('onRoute', (route) => {
        for (const method of [route.method].flat())
          if (method !== 'HEAD')
            ctx.adminRoutes.push({
              method,
              url: route.url,
              role: route.config?.role ?? null,
              public: route.config?.public === true,
            });
      });
      admin.addHook('onRequest', adminAuthLimit);
      admin.addHook('onRequest', authenticate(admin, ctx));
      const oidc = options.oidc ? createOidc(options.oidc) : null;
      await accountRoutes(admin, ctx, { ...options.accounts, oidcLabel: oidc?.label ?? null });
      if (oidc) await oidcRoutes(admin, ctx, oidc, { ...options.accounts, publicUrl: options.publicUrl });
      await settingsRoutes(admin, ctx);
      await catalogueRoutes(admin, ctx);
      await featureRoutes(admin, ctx);
      await replayRoutes(admin, ctx);
    },
    { prefix: '/admin/v1' },
  );

  const editorDir =
    options.editorDir === undefined ? join(import.meta.dirname, '..', 'editor', 'dist') : options.editorDir;
  const hasEditor = editorDir !== null && existsSync(join(editorDir, 'index.html'));
  if (hasEditor) await app.register(fastifyStatic, { root: editorDir as string, prefix: '/', wildcard: false });
  app.setNotFoundHandler((request, reply) => {
    const api = /^\/(v1|ofrep|admin|docs|metrics|healthz|readyz)(\/|$)/.test(request.url);
    if (!api && hasEditor && request.method === 'GET') return reply.sendFile('index.html');
    if (!api && request.method === 'GET' && request.url === '/')
      return reply.send({ service: 'claimflow', editor: 'not built: run npm run build:editor', docs: '/docs' });
    const path = request.url.split('?')[0];
    const allowed = routeTable.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method))
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(errorBody(new ClaimflowError('CF_METHOD_NOT_ALLOWED', `${path} accepts ${allowed.join(', ')}`)));
    return reply.status(404).send(errorBody(new ClaimflowError('CF_NOT_FOUND', `no route ${request.method} ${path}`)));
  });

  app.addHook('onClose', async () => {
    runtime.stop();
    stopPruning();
    if (ownsMeters) await meters?.close();
    if (ownsStore) await store.close();
  });
  return app;
}

/** How long one readiness check may take before it counts as failed. */
const READINESS_TIMEOUT_MS = 3_000;

function withinTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${READINESS_TIMEOUT_MS} ms`)),
      READINESS_TIMEOUT_MS,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** The store is ready when it answers and its schema answers real queries (the change sequence, the settings table). */
async function storeReadiness(store: Store) {
  const started = performance.now();
  try {
    const [answers] = await withinTimeout(
      Promise.all([store.ready(), store.getChangeSeq(), store.getSetting('jwt')]),
      'the store',
    );
    if (!answers) throw new Error('the store readiness check failed');
    return { ok: true, kind: store.kind, ms: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { ok: false, kind: store.kind, detail: `the store schema cannot be queried: ${message.slice(0, 200)}` };
  }
}

/** The key set is ready unless it cannot be loaded, or a JWKS URL was never fetched successfully (tried again here). */
async function keySetReadiness(runtime: Runtime) {
  let status = runtime.verifier.keySet();
  if (!status.ready && status.kind === 'jwksUrl')
    status = await withinTimeout(runtime.verifier.prefetchKeySet(), 'the JWKS endpoint').catch(() => status);
  return {
    ok: status.ready,
    kind: status.kind,
    detail: status.detail,
    ...(status.remote
      ? {
          url: status.remote.url,
          lastSuccessAt:
            status.remote.lastSuccessAt === null ? null : new Date(status.remote.lastSuccessAt).toISOString(),
          lastFailure: status.remote.lastFailure,
        }
      : {}),
  };
}

declare module 'fastify' {
  interface FastifyInstance {
    claimflow: AppContext;
    /** Every route of the service, as registered (for 405 answers and route-enumerating tests). */
    routeTable: RouteTable;
  }
}
