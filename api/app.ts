/**
 * Builds the Claimflow service from plugins: the shared ones at the root (contract, route table, JSON body, the
 * context that opens the store and runtime as `app.claimflow`, the error handler, site CORS, the admin credentials),
 * then the public decision, snapshot and OFREP routes and the admin API as separate encapsulated plugins (the admin
 * hooks cannot leak into the public API), service routes (health, readiness, metrics), OpenAPI docs and the built
 * editor. Each plugin reads what it needs from decorators and declares it (api/plugins/define-plugin.ts).
 * Used by `api/main.ts` and by tests (`app.inject`).
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
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { ClaimflowError } from '../engine';
import { describeResponses, SECURITY_SCHEMES } from './contract/common';
import { errorBody } from './lib/http-errors';
import { DEFAULT_JSON_MAX_DEPTH } from './lib/json-depth';
import { REDACTED_HEADERS, serializeRequest } from './lib/log-redact';
import { adminAccess } from './plugins/admin-access';
import { type ContextOptions, claimflowContext } from './plugins/context';
import { contract } from './plugins/contract';
import { errorHandler } from './plugins/error-handler';
import { clientErrorHandler, frameworkErrors } from './plugins/framework-errors';
import { jsonBody } from './plugins/json-body';
import { routeTable } from './plugins/route-table';
import { siteCors } from './release/site-access';
import { sessionLifetime } from './routes/admin/accounts';
import { type AdminApiOptions, adminApi } from './routes/admin/admin-api';
import { ofrepRoutes } from './routes/ofrep/ofrep-routes';
import { decisionRoutes } from './routes/public/decisions';
import { serviceRoutes } from './routes/service/service-routes';
import { snapshotRoutes } from './routes/snapshot/snapshot-routes';

/** The service's options: the shared services' (./plugins/context.ts), the admin API's, and HTTP's own. */
export interface AppOptions extends ContextOptions, AdminApiOptions {
  adminKey: string;
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
  /** Folder of the built editor; default `editor/dist` when it exists. null: do not serve it. */
  editorDir?: string | null;
  /** Trust X-Forwarded-* from a reverse proxy (so `Secure` cookies follow the client's HTTPS). */
  trustProxy?: boolean;
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
  await app.register(contract, { checkResponses });
  await app.register(routeTable);
  await app.register(jsonBody, { maxDepth: options.jsonMaxDepth ?? DEFAULT_JSON_MAX_DEPTH });
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
  // the shared services get every option but the admin key, which only the admin side (adminAccess below) holds
  const { adminKey: _adminKey, ...shared } = options;
  await app.register(claimflowContext, shared);
  await app.register(errorHandler);
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
  await app.register(siteCors, { origins: options.corsOrigins ?? [] });
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

  await app.register(serviceRoutes);
  // The admin credentials (the only holder of the admin key): the admin API's hooks, and preview authorization for
  // decisions; failed admin authentications and refused previews share one limit per address.
  await app.register(adminAccess, {
    adminKey: options.adminKey,
    maxFailures: options.adminAuthMaxFailures ?? 20,
    windowMs: options.adminAuthWindowMs ?? 60_000,
    sessions: {
      lifetime: sessionLifetime(options.accounts ?? {}),
      secureCookies: options.accounts?.secureCookies,
    },
  });
  await app.register(decisionRoutes, { prefix: '/v1' });
  await app.register(snapshotRoutes, { prefix: '/v1' });
  await app.register(ofrepRoutes, { prefix: '/ofrep/v1' });
  await app.register(adminApi, {
    prefix: '/admin/v1',
    accounts: options.accounts,
    oidc: options.oidc,
    publicUrl: options.publicUrl,
  });

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
    const allowed = app.routeTable.allowedMethods(path);
    if (allowed.length > 0 && !allowed.includes(request.method))
      return reply
        .status(405)
        .header('allow', allowed.join(', '))
        .send(errorBody(new ClaimflowError('CF_METHOD_NOT_ALLOWED', `${path} accepts ${allowed.join(', ')}`)));
    return reply.status(404).send(errorBody(new ClaimflowError('CF_NOT_FOUND', `no route ${request.method} ${path}`)));
  });

  return app;
}
