/**
 * Builds the Claimflow service: public decision routes and admin routes as separate encapsulated plugins (the admin
 * key hook cannot leak into the public API), hygiene routes (health, readiness, metrics, OpenAPI docs) and the
 * built editor. Used by `api/main.ts` and by tests (`app.inject`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { ClaimflowError } from '../engine';
import type { AppContext } from './app-context';
import type { DecideDeps } from './decisions/decide';
import { createMetrics } from './decisions/metrics';
import { compiledFor } from './features/feature-service';
import { errorBody } from './lib/http-errors';
import { requireAdmin } from './plugins/admin-auth';
import { installErrorHandler } from './plugins/error-handler';
import { catalogueRoutes } from './routes/admin/catalogue';
import { featureRoutes } from './routes/admin/features';
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
  const decideDeps: DecideDeps = {
    runtime,
    store,
    metrics,
    meterFailureMode: options.meterFailureMode ?? 'deny',
    log: app.log,
    loadPreview: (featureId, against) => compiledFor(store, runtime, featureId, against),
  };
  const ctx: AppContext = { store, runtime, metrics, adminKey: options.adminKey, decideDeps };
  app.decorate('claimflow', ctx);

  installErrorHandler(app);
  await app.register(cookie);
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
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['service'],
        summary: 'Ready to serve: the store schema answers a real query and the key set is usable',
      },
    },
    async (_request, reply) => {
      const [storeCheck, keySet] = await Promise.all([storeReadiness(store), keySetReadiness(runtime)]);
      const ready = storeCheck.ok && keySet.ok;
      return reply
        .status(ready ? 200 : 503)
        .send({ ready, store: store.kind, features: runtime.features.size, checks: { store: storeCheck, keySet } });
    },
  );
  app.get('/metrics', { schema: { tags: ['service'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });

  await app.register(async (pub) => decisionRoutes(pub, ctx), { prefix: '/v1' });
  await app.register(
    async (admin) => {
      admin.addHook('onRequest', requireAdmin(options.adminKey));
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
  }
}
