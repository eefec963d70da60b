/**
 * `npm start`: reads the configuration, makes sure an admin key exists (generated and printed once at the first
 * start, kept in `<dataDir>/admin-key` with mode 0600), opens the store, serves, and shuts down gracefully.
 * Any failure to start (bad configuration, data directory not writable, database unreachable, port in use) prints
 * one line naming the cause and exits with status 1, without a stack trace.
 */
import { randomBytes } from 'node:crypto';
import { accessSync, constants, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app';
import { type Config, loadConfig } from './config/config';
import { startupFailure } from './config/startup-failure';

const loaded = loadConfig();
if (!loaded.ok) {
  for (const p of loaded.problems) console.error(`claimflow: bad configuration: ${p.message}`);
  process.exit(1);
}
const config = loaded.config;
const dataDir = resolve(config.dataDir);

let stage: Parameters<typeof startupFailure>[1] = 'dataDir';
let app: FastifyInstance | undefined;
try {
  const adminKey = prepareDataDir(config, dataDir);
  stage = 'store';
  app = await buildApp({
    dataDir,
    adminKey,
    databaseUrl: config.databaseUrl,
    corsOrigins: config.corsOrigins,
    adminCorsOrigins: config.adminCorsOrigins,
    bodyLimit: config.bodyLimit,
    jsonMaxDepth: config.jsonMaxDepth,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    adminAuthMaxFailures: config.adminAuthMaxFailures,
    adminAuthWindowMs: config.adminAuthWindowMs,
    refreshIntervalMs: config.refreshIntervalMs,
    meterFailureMode: config.meterFailureMode,
    trustProxy: config.trustProxy,
    publicUrl: config.publicUrl,
    accounts: { sessionTtlMs: config.sessionTtlHours * 3_600_000, sessionMaxMs: config.sessionMaxHours * 3_600_000 },
    oidc:
      config.oidcIssuer && config.oidcClientId && config.oidcClientSecret
        ? {
            issuer: config.oidcIssuer,
            clientId: config.oidcClientId,
            clientSecret: config.oidcClientSecret,
            roleClaim: config.oidcRoleClaim,
            roles: config.oidcRoles,
            defaultRole: config.oidcDefaultRole ?? null,
          }
        : undefined,
    evaluator: config.evaluator,
    shadowSample: config.shadowSample,
    meterUrl: config.meterUrl,
    meterPruneIntervalMs: config.meterPruneIntervalMs,
    siteKeyHeader: config.siteKeyHeader,
    webhooks: {
      timeoutMs: config.webhookTimeoutMs,
      maxAttempts: config.webhookMaxAttempts,
      backoffMs: config.webhookBackoffMs,
      pollMs: config.webhookPollMs,
    },
    schedules: {
      pollMs: config.schedulePollMs,
      leaseMs: config.scheduleLeaseMs,
      lateAfterMs: config.scheduleLateMs,
    },
    environments: config.environments,
    defaultEnvironment: config.defaultEnvironment,
    logger: { level: config.logLevel },
    // tests: compare every response with its declared schema (api/plugins/contract.ts)
    checkResponses: process.env.CLAIMFLOW_CHECK_RESPONSES === '1',
  });
  stage = 'listen';
  await app.listen({ port: config.port, host: config.host });
} catch (error) {
  console.error(`claimflow: cannot start: ${startupFailure(error, stage, { ...config, dataDir })}`);
  await app?.close().catch(() => {});
  process.exit(1);
}
const server = app;

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    server.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

const address = server.server.address();
console.log(
  `claimflow: listening on http://${config.host}:${address && typeof address === 'object' ? address.port : config.port} (store: ${server.claimflow.store.kind}, meters: ${server.claimflow.decideDeps.meters?.kind ?? server.claimflow.store.kind}, data: ${dataDir})`,
);

/** Creates the data directory, checks it is writable, and returns the admin key (generated at the first start). */
function prepareDataDir(config: Config, dataDir: string): string {
  mkdirSync(dataDir, { recursive: true });
  accessSync(dataDir, constants.W_OK);
  if (config.adminKey) return config.adminKey;
  const file = join(dataDir, 'admin-key');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const adminKey = randomBytes(24).toString('base64url');
  writeFileSync(file, `${adminKey}\n`, { mode: 0o600 });
  console.log(`claimflow: generated an admin key (shown once; stored in ${file}):\n\n    ${adminKey}\n`);
  return adminKey;
}
