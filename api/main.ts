/**
 * `npm start`: reads the configuration, makes sure an admin key exists (generated and printed once at the first
 * start, kept in `<dataDir>/admin-key` with mode 0600), opens the store, serves, and shuts down gracefully.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildApp, REDACTED_HEADERS } from './app';
import { loadConfig } from './config/config';

const loaded = loadConfig();
if (!loaded.ok) {
  for (const p of loaded.problems) console.error(`claimflow: bad configuration: ${p}`);
  process.exit(1);
}
const config = loaded.config;
const dataDir = resolve(config.dataDir);
mkdirSync(dataDir, { recursive: true });

let adminKey = config.adminKey;
if (!adminKey) {
  const file = join(dataDir, 'admin-key');
  if (existsSync(file)) adminKey = readFileSync(file, 'utf8').trim();
  else {
    adminKey = randomBytes(24).toString('base64url');
    writeFileSync(file, `${adminKey}\n`, { mode: 0o600 });
    console.log(`claimflow: generated an admin key (shown once; stored in ${file}):\n\n    ${adminKey}\n`);
  }
}

const app = await buildApp({
  dataDir,
  adminKey,
  databaseUrl: config.databaseUrl,
  corsOrigins: config.corsOrigins,
  bodyLimit: config.bodyLimit,
  refreshIntervalMs: config.refreshIntervalMs,
  meterFailureMode: config.meterFailureMode,
  trustProxy: config.trustProxy,
  publicUrl: config.publicUrl,
  accounts: { sessionTtlMs: config.sessionTtlHours * 3_600_000 },
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
  logger: { level: config.logLevel, redact: { paths: REDACTED_HEADERS, censor: '[redacted]' } },
});

let closing = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

await app.listen({ port: config.port, host: config.host });
console.log(
  `claimflow: listening on http://${config.host}:${app.server.address() && typeof app.server.address() === 'object' ? (app.server.address() as { port: number }).port : config.port} (store: ${app.claimflow.store.kind}, data: ${dataDir})`,
);
