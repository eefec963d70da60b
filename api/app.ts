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
import { ClaimflowError } from '../engine';
import { createOidc, type OidcOptions } from './accounts/oidc';
import type { AppContext } from './app-context';
import type { DecideDeps } from './decisions/decide';
import { createMetrics } from './decisions/metrics';
import { compiledFor } from './features/feature-service';
import { errorBody } from './lib/http-errors';
import { authenticate } from './plugins/authenticate';
import { installErrorHandler } from './plugins/error-handler';
import { type AccountOptions, accountRoutes } from './routes/admin/accounts';
import { catalogueRoutes } from './routes/admin/catalogue';
import { featureRoutes } from './routes/admin/features';
import { oidcRoutes } from './routes/admin/oidc';
import { replayRoutes } from './routes/admin/replay';
import { settingsRoutes } from './routes/admin/settings';
import { decisionRoutes } from './routes/public/decisions';
import { Runtime } from './runtime/runtime';
import { openStore } from './store/open-store';
import type { Store } from './store/store';

export interface AppOptions {
  dataDir: string;
  adminKey: string;
  databaseUrl?: string;
  /** Use this store instead of opening one (it is then not closed with the app). */
  store?: Store;
  logger?: FastifyServerOptions['logger'];
  corsOrigins?: string[];
  bodyLimit?: number;
  refreshIntervalMs?: number;
  meterFailureMode?: 'allow' | 'deny';
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
}

/** Headers that carry secrets: never logged. */
export const REDACTED_HEADERS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-claimflow-admin-key"]',
  'req.headers["x-custom-tkn"]',
  'res.headers["set-cookie"]',
];

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === undefined ? false : options.logger,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    genReqId: () => crypto.randomUUID(),
    trustProxy: options.trustProxy ?? false,
  });
  const ownsStore = options.store === undefined;
  const store = options.store ?? (await openStore({ dataDir: options.dataDir, databaseUrl: options.databaseUrl }));
  const runtime = new Runtime(store, app.log);
  await runtime.load();
  runtime.start(options.refreshIntervalMs ?? 5_000);
  const metrics = createMetrics();
  const decideDeps: DecideDeps = {
    runtime,
    store,
    metrics,
    meterFailureMode: options.meterFailureMode ?? 'deny',
    log: app.log,
    loadPreview: (featureId, against) => compiledFor(store, runtime, featureId, against),
  };
  const ctx: AppContext = { store, runtime, metrics, adminKey: options.adminKey, decideDeps, adminRoutes: [] };
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
  await app.register(cors, {
    origin: options.corsOrigins && options.corsOrigins.length > 0 ? options.corsOrigins : false,
    credentials: true,
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
  });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Claimflow API',
        version: '1.0.0',
        description: 'Decisions over verified JWT claims; admin API for features, versions and replay.',
      },
      components: {
        securitySchemes: { adminKey: { type: 'apiKey', in: 'header', name: 'x-claimflow-admin-key' } },
      },
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  app.get('/healthz', { schema: { tags: ['service'], summary: 'The process is up' } }, async () => ({ ok: true }));
  app.get('/readyz', { schema: { tags: ['service'], summary: 'The store answers' } }, async (_request, reply) => {
    const ready = await store.ready().catch(() => false);
    return reply.status(ready ? 200 : 503).send({ ready, store: store.kind, features: runtime.features.size });
  });
  app.get('/metrics', { schema: { tags: ['service'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.register(async (pub) => decisionRoutes(pub, ctx), { prefix: '/v1' });
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
    const api = /^\/(v1|admin|docs|metrics|healthz|readyz)(\/|$)/.test(request.url);
    if (!api && hasEditor && request.method === 'GET') return reply.sendFile('index.html');
    if (!api && request.method === 'GET' && request.url === '/')
      return reply.send({ service: 'claimflow', editor: 'not built: run npm run build:editor', docs: '/docs' });
    return reply
      .status(404)
      .send(errorBody(new ClaimflowError('CF_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));
  });

  app.addHook('onClose', async () => {
    runtime.stop();
    if (ownsStore) await store.close();
  });
  return app;
}

declare module 'fastify' {
  interface FastifyInstance {
    claimflow: AppContext;
  }
}
