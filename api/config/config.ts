/**
 * Service configuration: environment variables, optionally merged over a JSON file named by CLAIMFLOW_CONFIG,
 * validated with zod at start. A bad value stops the service with one clear line per problem.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type Problem, problem, zodProblems } from '../../engine';
import { RoleSchema } from '../contract/accounts';

const port = z.coerce.number().int().min(0).max(65_535);
const ms = (min: number, max: number, fallback: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const origins = z.array(z.string().min(1)).default([]);

export const ConfigSchema = z
  .object({
    port: port.default(3000),
    host: z.string().min(1).default('127.0.0.1'),
    dataDir: z.string().min(1).default('./data'),
    adminKey: z.string().min(16, 'the admin key must be at least 16 characters').max(512).optional(),
    databaseUrl: z
      .string()
      .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must start with postgres:// or postgresql://')
      .optional(),
    corsOrigins: origins,
    adminCorsOrigins: origins,
    bodyLimit: z.coerce
      .number()
      .int()
      .min(1024)
      .max(50 * 1024 * 1024)
      .default(1024 * 1024),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    refreshIntervalMs: z.coerce.number().int().min(100).max(600_000).default(5_000),
    meterFailureMode: z.enum(['allow', 'deny']).default('deny'),
    meterUrl: z
      .string()
      .regex(/^rediss?:\/\//, 'CLAIMFLOW_METER_URL must start with redis:// or rediss://')
      .optional(),
    meterPruneIntervalMs: ms(0, 86_400_000, 3_600_000),
    jsonMaxDepth: z.coerce.number().int().min(8).max(256).default(64),
    headersTimeoutMs: ms(100, 600_000, 10_000),
    requestTimeoutMs: ms(100, 3_600_000, 30_000),
    keepAliveTimeoutMs: ms(100, 600_000, 72_000),
    adminAuthMaxFailures: z.coerce.number().int().min(1).max(100_000).default(20),
    adminAuthWindowMs: ms(1_000, 86_400_000, 60_000),
    sessionTtlHours: z.coerce
      .number()
      .min(0.1)
      .max(24 * 30)
      .default(12),
    sessionMaxHours: z.coerce
      .number()
      .min(0.1)
      .max(24 * 365)
      .default(24 * 7),
    trustProxy: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((v) => v === true || v === 'true')
      .default(false),
    publicUrl: z.url().optional(),
    oidcIssuer: z.url().optional(),
    oidcClientId: z.string().min(1).optional(),
    oidcClientSecret: z.string().min(1).optional(),
    oidcRoleClaim: z.string().min(1).default('groups'),
    /** JSON object: claim value -> role, e.g. {"claimflow-admins": "admin"}. */
    oidcRoles: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .transform((v, c) => {
        try {
          return typeof v === 'string' ? JSON.parse(v) : v;
        } catch {
          c.addIssue({ code: 'custom', message: 'must be a JSON object of claim value -> role' });
          return z.NEVER;
        }
      })
      .pipe(z.record(z.string(), RoleSchema))
      .default({}),
    oidcDefaultRole: RoleSchema.optional(),
    evaluator: z.enum(['fast', 'json-rules-engine']).default('fast'),
    shadowSample: z.coerce.number().min(0, 'between 0 and 1').max(1, 'between 0 and 1').default(0),
    /** Header a site key travels in (OFREP); site keys are not mapped to environments yet. */
    siteKeyHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,64}$/, 'CLAIMFLOW_SITE_KEY_HEADER must be a header name (letters, digits, -)')
      .transform((h) => h.toLowerCase())
      .default('x-claimflow-site-key'),
    webhookTimeoutMs: ms(100, 60_000, 10_000),
    webhookMaxAttempts: z.coerce.number().int().min(1).max(20).default(6),
    webhookBackoffMs: ms(10, 3_600_000, 10_000),
    webhookPollMs: ms(10, 60_000, 1_000),
    schedulePollMs: ms(10, 60_000, 1_000),
    scheduleLeaseMs: ms(1_000, 3_600_000, 60_000),
    scheduleLateMs: ms(0, 86_400_000, 60_000),
    /** Release environments (each feature has a version live per environment). */
    environments: z
      .array(z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'environment names use a-z, 0-9 and - (at most 32)'))
      .min(1)
      .default(['staging', 'production']),
    /** The environment that answers requests without a site key (and keeps the versions published before). */
    defaultEnvironment: z.string().default('production'),
  })
  .refine((c) => c.environments.includes(c.defaultEnvironment), {
    message: 'the default environment must be one of CLAIMFLOW_ENVIRONMENTS',
    path: ['defaultEnvironment'],
  })
  .refine((c) => c.headersTimeoutMs <= c.requestTimeoutMs, {
    message: 'the header timeout cannot be longer than the request timeout',
    path: ['headersTimeoutMs'],
  });

export type Config = z.infer<typeof ConfigSchema>;

const ENV: Record<string, keyof Config> = {
  PORT: 'port',
  HOST: 'host',
  CLAIMFLOW_DATA_DIR: 'dataDir',
  CLAIMFLOW_ADMIN_KEY: 'adminKey',
  DATABASE_URL: 'databaseUrl',
  CLAIMFLOW_CORS_ORIGINS: 'corsOrigins',
  CLAIMFLOW_ADMIN_CORS_ORIGINS: 'adminCorsOrigins',
  CLAIMFLOW_BODY_LIMIT: 'bodyLimit',
  LOG_LEVEL: 'logLevel',
  CLAIMFLOW_REFRESH_INTERVAL_MS: 'refreshIntervalMs',
  CLAIMFLOW_METER_FAILURE_MODE: 'meterFailureMode',
  CLAIMFLOW_METER_URL: 'meterUrl',
  CLAIMFLOW_METER_PRUNE_INTERVAL_MS: 'meterPruneIntervalMs',
  CLAIMFLOW_JSON_MAX_DEPTH: 'jsonMaxDepth',
  CLAIMFLOW_HEADERS_TIMEOUT_MS: 'headersTimeoutMs',
  CLAIMFLOW_REQUEST_TIMEOUT_MS: 'requestTimeoutMs',
  CLAIMFLOW_KEEP_ALIVE_TIMEOUT_MS: 'keepAliveTimeoutMs',
  CLAIMFLOW_ADMIN_AUTH_MAX_FAILURES: 'adminAuthMaxFailures',
  CLAIMFLOW_ADMIN_AUTH_WINDOW_MS: 'adminAuthWindowMs',
  CLAIMFLOW_SESSION_TTL_HOURS: 'sessionTtlHours',
  CLAIMFLOW_SESSION_MAX_HOURS: 'sessionMaxHours',
  CLAIMFLOW_TRUST_PROXY: 'trustProxy',
  CLAIMFLOW_PUBLIC_URL: 'publicUrl',
  CLAIMFLOW_OIDC_ISSUER: 'oidcIssuer',
  CLAIMFLOW_OIDC_CLIENT_ID: 'oidcClientId',
  CLAIMFLOW_OIDC_CLIENT_SECRET: 'oidcClientSecret',
  CLAIMFLOW_OIDC_ROLE_CLAIM: 'oidcRoleClaim',
  CLAIMFLOW_OIDC_ROLES: 'oidcRoles',
  CLAIMFLOW_OIDC_DEFAULT_ROLE: 'oidcDefaultRole',
  CLAIMFLOW_EVALUATOR: 'evaluator',
  CLAIMFLOW_SHADOW_SAMPLE: 'shadowSample',
  CLAIMFLOW_SITE_KEY_HEADER: 'siteKeyHeader',
  CLAIMFLOW_WEBHOOK_TIMEOUT_MS: 'webhookTimeoutMs',
  CLAIMFLOW_WEBHOOK_MAX_ATTEMPTS: 'webhookMaxAttempts',
  CLAIMFLOW_WEBHOOK_BACKOFF_MS: 'webhookBackoffMs',
  CLAIMFLOW_WEBHOOK_POLL_MS: 'webhookPollMs',
  CLAIMFLOW_SCHEDULE_POLL_MS: 'schedulePollMs',
  CLAIMFLOW_SCHEDULE_LEASE_MS: 'scheduleLeaseMs',
  CLAIMFLOW_SCHEDULE_LATE_MS: 'scheduleLateMs',
  CLAIMFLOW_ENVIRONMENTS: 'environments',
  CLAIMFLOW_DEFAULT_ENVIRONMENT: 'defaultEnvironment',
};

/** Loads the configuration; returns the problems (CF_CONFIG_INVALID, each naming the variable) instead of throwing. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
): { ok: true; config: Config } | { ok: false; problems: Problem[] } {
  let fromFile: Record<string, unknown> = {};
  if (env.CLAIMFLOW_CONFIG) {
    try {
      fromFile = JSON.parse(readFileSync(env.CLAIMFLOW_CONFIG, 'utf8'));
    } catch (error) {
      return {
        ok: false,
        problems: [
          problem(
            'CF_CONFIG_INVALID',
            `CLAIMFLOW_CONFIG: cannot read ${env.CLAIMFLOW_CONFIG}: ${(error as Error).message}`,
            { field: 'CLAIMFLOW_CONFIG' },
          ),
        ],
      };
    }
  }
  const raw: Record<string, unknown> = { ...fromFile };
  for (const [name, key] of Object.entries(ENV)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    raw[key] =
      key === 'corsOrigins' || key === 'adminCorsOrigins' || key === 'environments'
        ? value
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean)
        : value;
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (parsed.success) return { ok: true, config: parsed.data };
  const byKey = Object.fromEntries(Object.entries(ENV).map(([n, k]) => [k, n]));
  return {
    ok: false,
    problems: zodProblems(parsed.error, 'CF_CONFIG_INVALID', {
      name: (path) => {
        const key = String(path[0] ?? '');
        return byKey[key] ?? key;
      },
    }),
  };
}
