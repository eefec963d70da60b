/**
 * Builds the Claimflow service: public decision routes and admin routes as separate encapsulated plugins (the admin
 * key hook cannot leak into the public API), hygiene routes (health, readiness, metrics, OpenAPI docs) and the
 * built editor. Used by `api/main.ts` and by tests (`app.inject`).
 */

import { createHmac, randomBytes } from 'node:crypto';
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
import { SITE_KEY_HEADER } from './contract/release';
import { serviceRoutesContract } from './contract/service';
import type { DecideDeps } from './decisions/decide';
import { createDecisionEvaluator, createShadowChecker, type EvaluatorMode } from './decisions/evaluators';
import { createMetrics } from './decisions/metrics';
import { createEventEmitter } from './events/emitter';
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
import { Environments } from './release/environments';
import type { ReleaseContext } from './release/release-context';
import { installSiteCors } from './release/site-access';
import { type AccountOptions, accountRoutes, sessionLifetime } from './routes/admin/accounts';
import { catalogueRoutes } from './routes/admin/catalogue';
import { changeRequestRoutes } from './routes/admin/change-requests';
import { environmentRoutes } from './routes/admin/environments';
import { featureRoutes } from './routes/admin/features';
import { oidcRoutes } from './routes/admin/oidc';
import { replayRoutes } from './routes/admin/replay';
import { scheduleRoutes } from './routes/admin/schedules';
import { settingsRoutes } from './routes/admin/settings';
import { siteKeyRoutes } from './routes/admin/site-keys';
import { webhookRoutes } from './routes/admin/webhooks';
import { ofrepRoutes } from './routes/ofrep/ofrep-routes';
import { decisionRoutes, PREVIEW_HEADER } from './routes/public/decisions';
import { snapshotRoutes } from './routes/snapshot/snapshot-routes';
import { Runtime } from './runtime/runtime';
import { type SchedulerOptions, startScheduler } from './schedules/scheduler';
import { scheduleMeterPruning } from './store/meters/prune-schedule';
import { openRedisMeterStore } from './store/meters/redis-meter-store';
import { openStore } from './store/open-store';
import { openReleaseStore } from './store/release/release-store';
import type { MeterStore, Store } from './store/store';
import { type DeliveryOptions, startDeliveryWorker } from './webhooks/delivery-worker';
import type { SelfAddress } from './webhooks/url-guard';

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
  /** Header carrying a site key on OFREP requests (default x-claimflow-site-key; decisions and snapshot accept it too). */
  siteKeyHeader?: string;
  /** Release environments (default staging, production) and the one answering requests without a site key. */
  environments?: string[];
  defaultEnvironment?: string;
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
  /** Webhook deliveries: attempt timeout, attempts, backoff, polling. */
  webhooks?: DeliveryOptions;
  /** Scheduled changes: polling, claim lease, lateness threshold. */
  schedules?: SchedulerOptions;
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

/**
 * Request ids: a random prefix per process and a counter, unique across instances and restarts without drawing a
 * random UUID for every request (ids appear in logs and in CF_INTERNAL answers).
 */
const requestIdPrefix = randomBytes(6).toString('base64url');
let requestCounter = 0;
function nextRequestId(): string {
  requestCounter = (requestCounter + 1) % Number.MAX_SAFE_INTEGER;
  return `${requestIdPrefix}-${requestCounter.toString(36)}`;
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const app = Fastify({
    logger: loggerOf(options.logger),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: nextRequestId,
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
  // Callback hooks on the hot path: an async hook costs a promise and a microtask turn on every request.
  app.addHook('onRequest', (_request, reply, done) => {
    if (!closing) return done();
    reply.header('connection', 'close');
    done(new ClaimflowError('CF_SHUTTING_DOWN', 'this instance is shutting down; retry on another'));
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
  // The release flow (webhooks, scheduled changes) keeps its tables in the same database, on its own connection.
  const release = openReleaseStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const self: SelfAddress = {
    listen: () => {
      const a = app.server.address();
      return a && typeof a === 'object' ? { address: a.address, port: a.port } : null;
    },
    publicUrl: options.publicUrl,
  };
  const deliveries = startDeliveryWorker(release, self, app.log, options.webhooks);
  const events = createEventEmitter(release, { log: app.log, wake: deliveries.wake });
  const environments = new Environments(
    options.environments ?? ['staging', 'production'],
    options.defaultEnvironment ?? 'production',
  );
  const ctx: AppContext = {
    store,
    runtime,
    metrics,
    adminKey: options.adminKey,
    environments,
    siteKeyHeader: (options.siteKeyHeader ?? SITE_KEY_HEADER).toLowerCase(),
    decideDeps,
    adminRoutes: [],
    events,
    schedules: release,
    checkResponses,
  };
  const releaseCtx: ReleaseContext = { release, events, self };
  const scheduler = startScheduler({ ctx, release, events, log: app.log }, options.schedules);
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
  // Site origins (CLAIMFLOW_CORS_ORIGINS and each site key's) get CORS on /v1 and /ofrep/v1 (OpenFeature web
  // providers) only, from api/release/site-access.ts; the admin API is same-origin unless admin origins are listed.
  installSiteCors(app, ctx, options.corsOrigins ?? []);
  const adminCors = {
    origin: options.adminCorsOrigins && options.adminCorsOrigins.length > 0 ? options.adminCorsOrigins : false,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    strictPreflight: false,
  };
  const noCors = { ...adminCors, origin: false };
  // Without admin origins no admin response carries CORS headers, so the plugin (whose per-request delegator
  // re-normalizes its options on every request, about 3% of a warm decision's CPU) is not registered at all.
  if (adminCors.origin !== false)
    await app.register(cors, {
      delegator: (request, callback) => callback(null, request.url.startsWith('/admin/v1/') ? adminCors : noCors),
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
      pub.addHook('onRequest', (request, reply, done) => {
        if (request.headers[PREVIEW_HEADER] === undefined) return done();
        adminAuthLimit(request, reply).then(() => done(), done);
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
      admin.addHook(
        'onRequest',
        authenticate(admin, ctx, {
          lifetime: sessionLifetime(options.accounts ?? {}),
          secureCookies: options.accounts?.secureCookies,
        }),
      );
      const oidc = options.oidc ? createOidc(options.oidc) : null;
      await accountRoutes(admin, ctx, { ...options.accounts, oidcLabel: oidc?.label ?? null });
      if (oidc) await oidcRoutes(admin, ctx, oidc, { ...options.accounts, publicUrl: options.publicUrl });
      await settingsRoutes(admin, ctx);
      await catalogueRoutes(admin, ctx);
      await featureRoutes(admin, ctx);
      await replayRoutes(admin, ctx);
      await webhookRoutes(admin, ctx, releaseCtx);
      await scheduleRoutes(admin, ctx, releaseCtx);
      await environmentRoutes(admin, ctx);
      await siteKeyRoutes(admin, ctx);
      await changeRequestRoutes(admin, ctx);
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
    await scheduler.stop();
    await deliveries.stop();
    await release.close();
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
